#pragma once
// The only place that names concrete drivers: opens the stores under the data directory, builds
// the registries, and runs the server until SIGINT/SIGTERM.

#include <filesystem>
#include <iosfwd>
#include <memory>

#include "common/clock.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/config.h"

namespace berth::daemon {

struct GcSummary {
  std::size_t manifests = 0;
  std::size_t blobs = 0;
  std::uint64_t blobBytes = 0;
  std::size_t uploads = 0;
};

class Daemon {
 public:
  enum class Access { kExclusive, kReadOnly };

  /// kExclusive takes the data directory's lock: only one berth process may write to it.
  static Result<std::unique_ptr<Daemon>> open(Config config, const Logger& log, Access access);
  ~Daemon();

  /// Serves until SIGINT or SIGTERM. The caller must have blocked both signals in every thread
  /// (blockTerminationSignals()) before open().
  Status serve();

  /// Collects garbage in every registry; with dryRun only reports. Writes one line per item.
  Result<GcSummary> collectGarbage(bool dryRun, std::ostream& report);

 private:
  struct State;
  explicit Daemon(std::unique_ptr<State> state);
  void runScheduledGc();
  std::unique_ptr<State> state_;
};

/// Blocks SIGINT and SIGTERM in the calling thread (and threads created later) so serve() can
/// wait for them synchronously.
void blockTerminationSignals();

}  // namespace berth::daemon
