#pragma once
// Runs one az-style invocation: finds the command, parses its options, runs it, applies --query,
// formats with --output. Every failure becomes one "ERROR: ..." line on stderr and exit status 1
// (2 for usage errors), as az reports them.

#include <string>
#include <vector>

#include "cli/command_context.h"
#include "cli/command_table.h"

namespace berth::cli {

/// `args` excludes the program name. Returns the process exit status.
int runCommandLine(const CommandTable& table, const std::vector<std::string>& args,
                   Environment& env);

}  // namespace berth::cli
