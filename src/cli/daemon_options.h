#pragma once
// Flags shared by the commands that work on a data directory (serve, gc): the config file and
// the overrides that take precedence over it.

#include <vector>

#include "cli/args.h"
#include "daemon/config.h"

namespace berth::cli {

std::vector<FlagSpec> daemonFlags();
/// Loads --config (if given), applies overrides, validates.
Result<daemon::Config> daemonConfig(const ParsedArgs& args);

}  // namespace berth::cli
