#pragma once
// Entry points of the top-level commands. Each returns the process exit code and prints errors as
// one line on stderr.

#include <string>
#include <vector>

namespace berth::cli {

int runServe(const std::vector<std::string>& args);
int runGc(const std::vector<std::string>& args);
int runSigningKey(const std::vector<std::string>& args);

/// "berth: error: <message>" on stderr; returns the exit code for failures.
int reportError(const std::string& message);

}  // namespace berth::cli
