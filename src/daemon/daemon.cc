#include "daemon/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>

#include <boost/asio/thread_pool.hpp>

#include "common/unique_fd.h"
#include "http/server.h"
#include "metadata/sqlite/sqlite_metadata_store.h"
#include "registry/registry_api.h"
#include "registry/registry_directory.h"
#include "storage/fs/fs_blob_store.h"

namespace berth::daemon {

struct Daemon::State {
  Config config;
  const Logger& log;
  SystemClock clock;
  UniqueFd lock;
  std::unique_ptr<storage::FsBlobStore> blobs;
  std::unique_ptr<metadata::SqliteMetadataStore> metadata;
  registry::RegistryDirectory directory;

  State(Config c, const Logger& l) : config(std::move(c)), log(l) {}
};

Daemon::Daemon(std::unique_ptr<State> state) : state_(std::move(state)) {}
Daemon::~Daemon() = default;

void blockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client vanishing mid-response must not kill the daemon.
  ::signal(SIGPIPE, SIG_IGN);
}

namespace {

Result<UniqueFd> lockDataDir(const std::filesystem::path& dir) {
  std::filesystem::path file = dir / "berth.lock";
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) {
    return fail(Errc::kInvalidParameter, "cannot open " + file.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return fail(Errc::kConflict, "another berth process is using data directory " + dir.string() +
                                     "; stop it first (or use --dry-run to only look)");
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::open(Config config, const Logger& log, Access access) {
  auto state = std::make_unique<State>(std::move(config), log);
  const auto& dir = state->config.dataDir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(Errc::kInvalidParameter,
                "cannot create data directory " + dir.string() + ": " + ec.message());
  }
  if (access == Access::kExclusive) {
    auto lock = lockDataDir(dir);
    if (!lock.ok()) return lock.error();
    state->lock = std::move(*lock);
  }
  auto blobs = storage::FsBlobStore::open(dir);
  if (!blobs.ok()) return blobs.error();
  state->blobs = std::move(*blobs);
  auto metadata = metadata::SqliteMetadataStore::open(dir / "metadata.db");
  if (!metadata.ok()) return metadata.error();
  state->metadata = std::move(*metadata);

  auto snapshot = std::make_shared<registry::RegistryDirectory::Snapshot>();
  registry::RegistryLimits limits{state->config.maxManifestBytes};
  for (const std::string& name : state->config.registries) {
    registry::RegistryDeps deps{*state->blobs, *state->metadata, *state->metadata, state->clock,
                                state->log};
    auto service = registry::RegistryService::open(name, deps, limits);
    if (!service.ok()) return service.error();
    auto instance = std::make_shared<registry::RegistryInstance>();
    instance->service = std::move(*service);
    instance->uploads = std::make_unique<registry::UploadService>(*instance->service);
    snapshot->byName.emplace(name, instance);
    snapshot->byHost.emplace(name + "." + state->config.domain, instance);
    if (name == state->config.defaultRegistry) {
      for (const std::string& host : state->config.defaultRegistryHosts) {
        snapshot->byHost.emplace(host, instance);
      }
    }
  }
  state->directory.publish(std::move(snapshot));
  return std::unique_ptr<Daemon>(new Daemon(std::move(state)));
}

Result<GcSummary> Daemon::collectGarbage(bool dryRun, std::ostream& report) {
  GcSummary summary;
  const GcConfig& gc = state_->config.gc;
  for (const auto& instance : state_->directory.all()) {
    auto& service = *instance->service;
    auto plan = service.planGarbage(gc.graceSeconds);
    if (!dryRun) {
      auto applied = service.applyGarbagePlan(plan, gc.graceSeconds);
      if (!applied.ok()) return applied.error();
      plan = std::move(*applied);
      auto purged = instance->uploads->purgeIdle(gc.uploadExpirySeconds);
      if (!purged.ok()) return purged.error();
      summary.uploads += *purged;
    }
    const char* verb = dryRun ? "would delete" : "deleted";
    for (const auto& [repo, digest] : plan.manifests) {
      report << service.name() << ": " << verb << " manifest " << repo << "@" << digest.str()
             << "\n";
    }
    for (const Digest& digest : plan.blobs) {
      report << service.name() << ": " << verb << " blob " << digest.str() << "\n";
    }
    summary.manifests += plan.manifests.size();
    summary.blobs += plan.blobs.size();
    summary.blobBytes += plan.blobBytes;
  }
  return summary;
}

Status Daemon::serve() {
  const Config& config = state_->config;
  boost::asio::thread_pool blocking(std::max(1u, config.blockingThreads));
  registry::RegistryApi api(state_->directory, blocking, state_->log);
  unsigned threads = config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  http::Server server(api, config.limits, threads, state_->log);
  BERTH_TRY(server.listen(config.listen));
  server.start();
  for (const auto& ep : server.boundEndpoints()) {
    std::ostringstream line;
    line << "berth: listening on http://"
         << (ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string())
         << ":" << ep.port() << "\n";
    std::string text = line.str();
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, text.data(), text.size());
  }

  // Scheduled garbage collection runs beside the server, never blocking requests for long.
  std::mutex gcMutex;
  std::condition_variable gcWake;
  bool stopping = false;
  std::thread gcThread;
  if (config.gc.intervalSeconds > 0) {
    gcThread = std::thread([&] {
      std::unique_lock lock(gcMutex);
      while (!gcWake.wait_for(lock, std::chrono::seconds(config.gc.intervalSeconds),
                              [&] { return stopping; })) {
        lock.unlock();
        std::ostringstream report;
        auto summary = collectGarbage(false, report);
        if (summary.ok()) {
          state_->log.info("gc: deleted " + std::to_string(summary->manifests) + " manifests, " +
                           std::to_string(summary->blobs) + " blobs (" +
                           std::to_string(summary->blobBytes) + " bytes), " +
                           std::to_string(summary->uploads) + " stale uploads");
        } else {
          state_->log.error("gc failed: " + summary.error().message);
        }
        lock.lock();
      }
    });
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
  state_->log.info(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                   ", shutting down");
  {
    std::lock_guard lock(gcMutex);
    stopping = true;
  }
  gcWake.notify_all();
  if (gcThread.joinable()) gcThread.join();
  server.stop();
  blocking.join();
  return okStatus();
}

}  // namespace berth::daemon
