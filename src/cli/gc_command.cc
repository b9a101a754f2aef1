#include <iostream>

#include "cli/commands.h"
#include "cli/daemon_options.h"
#include "daemon/daemon.h"

namespace berth::cli {

int runGc(const std::vector<std::string>& argv) {
  auto specs = daemonFlags();
  specs.insert(specs.end() - 1, {
      {"--dry-run", "", false, "only print what would be deleted (safe while berth serve runs)", ""},
      {"--grace", "", true, "keep content younger than this many seconds (default: gc.grace_seconds)", "SECONDS"},
  });
  auto args = parseArgs(argv, specs, "gc");
  if (!args.ok()) return reportError(args.error().message);
  if (args->has("--help")) {
    std::cout << usage("gc",
                       "Deletes blobs and untagged manifests that nothing references. Without\n"
                       "--dry-run it needs the data directory to itself; a running daemon collects\n"
                       "on its own schedule (gc.interval_seconds).",
                       specs);
    return 0;
  }
  auto config = daemonConfig(*args);
  if (!config.ok()) return reportError(config.error().message);
  if (auto grace = args->value("--grace")) {
    try {
      std::size_t used = 0;
      long long v = std::stoll(*grace, &used);
      if (used != grace->size() || v < 0) throw std::invalid_argument("negative");
      config->gc.graceSeconds = v;
    } catch (const std::exception&) {
      return reportError("--grace must be a non-negative number of seconds");
    }
  }
  const bool dryRun = args->has("--dry-run");
  Logger log(config->logLevel);
  auto d = daemon::Daemon::open(std::move(*config), log,
                                dryRun ? daemon::Daemon::Access::kReadOnly
                                       : daemon::Daemon::Access::kExclusive);
  if (!d.ok()) return reportError(d.error().message);
  auto summary = (*d)->collectGarbage(dryRun, std::cout);
  if (!summary.ok()) return reportError(summary.error().message);
  std::cout << (dryRun ? "would delete " : "deleted ") << summary->manifests << " manifests, "
            << summary->blobs << " blobs (" << summary->blobBytes << " bytes)";
  if (!dryRun) std::cout << ", " << summary->uploads << " stale uploads";
  std::cout << "\n";
  return 0;
}

}  // namespace berth::cli
