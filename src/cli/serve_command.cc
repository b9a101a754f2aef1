#include <sys/stat.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/daemon_options.h"
#include "daemon/daemon.h"

namespace berth::cli {

int runServe(const std::vector<std::string>& argv) {
  auto specs = daemonFlags();
  auto args = parseArgs(argv, specs, "serve");
  if (!args.ok()) return reportError(args.error().message);
  if (args->has("--help")) {
    std::cout << usage("serve", "Runs the registry daemon until SIGINT or SIGTERM.", specs);
    return 0;
  }
  auto config = daemonConfig(*args);
  if (!config.ok()) return reportError(config.error().message);
  // Before any thread exists, so every thread inherits the mask and serve() can sigwait.
  daemon::blockTerminationSignals();
  // The data directory holds password hashes, sealed secrets and private content.
  ::umask(077);
  Logger log(config->logLevel);
  auto d = daemon::Daemon::open(std::move(*config), log, daemon::Daemon::Access::kExclusive);
  if (!d.ok()) return reportError(d.error().message);
  Status served = (*d)->serve();
  if (!served.ok()) return reportError(served.error().message);
  return 0;
}

}  // namespace berth::cli
