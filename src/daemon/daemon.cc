#include "daemon/daemon.h"
#include "daemon/index_heap.h"
#include "daemon/startup_pages.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <map>
#include <cstring>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>

#include <boost/asio/thread_pool.hpp>

#include "auth/audit_log.h"
#include "auth/authenticator.h"
#include "auth/credential_cache.h"
#include "auth/rate_limiter.h"
#include "auth/secret_box.h"
#include "auth/signing_keys.h"
#include "daemon/operator_identities.h"
#include "common/unique_fd.h"
#include "daemon/tls_certificates.h"
#include "http/server.h"
#include "metadata/sqlite/sqlite_metadata_store.h"
#include "mgmt/control_plane.h"
#include "mgmt/mgmt_api.h"
#include "mgmt/operator_auth.h"
#include "mgmt/resource_validation.h"
#include "registry/registry_api.h"
#include "registry/registry_directory.h"
#include "storage/fs/fs_blob_store.h"

namespace berth::daemon {

/// Keeps the data plane's registry map in step with the configuration and the control plane.
class DataPlaneRegistries final : public mgmt::RegistryHost {
 public:
  DataPlaneRegistries(const Config& config, storage::BlobStore& blobs,
                      metadata::SqliteMetadataStore& metadata, const Clock& clock, const Logger& log)
      : config_(config), blobs_(blobs), metadata_(metadata), clock_(clock), log_(log) {}

  registry::RegistryDirectory& directory() { return directory_; }

  /// Opens the registries declared in the configuration file.
  Status openConfigured() {
    std::lock_guard lock(mu_);
    for (const std::string& name : config_.registries) {
      auto instance = openInstance(name);
      if (!instance.ok()) return instance.error();
      configured_[name] = std::move(*instance);
    }
    publishLocked();
    return okStatus();
  }

  Status syncRegistries(const std::vector<mgmt::RegistrySettings>& registries) override {
    std::lock_guard lock(mu_);
    std::map<std::string, std::shared_ptr<registry::RegistryInstance>> next;
    std::map<std::string, std::shared_ptr<const auth::RegistryAccessPolicy>> nextAccess;
    for (const auto& settings : registries) {
      nextAccess[settings.name] = std::make_shared<const auth::RegistryAccessPolicy>(settings.access);
      auto it = managed_.find(settings.name);
      if (it != managed_.end()) {
        next[settings.name] = it->second;
        continue;
      }
      auto instance = openInstance(settings.name);
      if (!instance.ok()) return instance.error();
      next[settings.name] = std::move(*instance);
    }
    std::vector<std::string> removed;
    for (const auto& [name, instance] : managed_) {
      if (!next.contains(name)) removed.push_back(name);
    }
    managed_ = std::move(next);
    managedAccess_ = std::move(nextAccess);
    // Stop answering first, then delete the content.
    publishLocked();
    for (const std::string& name : removed) {
      BERTH_TRY(metadata_.deleteRegistry(name));
      BERTH_TRY(blobs_.deleteRegistry(name));
      if (auto file = snapshotFileOf(name); !file.empty()) {
        std::error_code ignored;  // without its token the file is never used anyway
        std::filesystem::remove(file, ignored);
      }
      log_.info("registry '" + name + "' deleted with its content");
    }
    return okStatus();
  }

  bool nameReserved(std::string_view name) const override {
    for (const auto& n : config_.registries) {
      if (n == name) return true;
    }
    return false;
  }

  std::uint64_t storageBytes(std::string_view name) const override {
    auto instance = directory_.findByName(name);
    return instance ? instance->service->storageBytes() : 0;
  }

  void publishRoleAssignments(auth::RoleAssignmentIndex index) override {
    std::lock_guard lock(mu_);
    roles_ = std::make_shared<const auth::RoleAssignmentIndex>(std::move(index));
    publishLocked();
  }

  /// Writes each registry's index snapshot, for a fast next start; once nothing is served.
  void saveSnapshots() {
    for (const auto& instance : directory_.all()) {
      auto& service = *instance->service;
      auto saved = service.saveSnapshot();
      if (!saved.ok()) {
        log_.warn("registry '" + service.name() + "': " + saved.error().message);
      } else if (*saved) {
        log_.info("registry '" + service.name() + "': index snapshot written");
      }
    }
  }

 private:
  /// Where a registry's index snapshot lives; empty (no snapshot) for a name that is no plain
  /// file name.
  std::filesystem::path snapshotFileOf(const std::string& name) const {
    if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos) return {};
    return config_.dataDir / "index" / (name + ".snapshot");
  }

  Result<std::shared_ptr<registry::RegistryInstance>> openInstance(const std::string& name) {
    registry::RegistryDeps deps{blobs_, metadata_, metadata_, clock_, log_};
    const registry::RegistryLimits limits{config_.maxManifestBytes};
    const std::filesystem::path snapshotFile = snapshotFileOf(name);
    Result<std::shared_ptr<registry::RegistryService>> service =
        std::shared_ptr<registry::RegistryService>();
    if (!snapshotFile.empty()) {
      service = registry::RegistryService::openFromSnapshot(name, deps, limits, snapshotFile);
      if (!service.ok()) return service.error();
    }
    if (*service == nullptr) {
      // The whole catalog is read into the index now: give that burst huge pages.
      std::error_code sizeError;
      const std::uintmax_t metadataBytes =
          std::filesystem::file_size(config_.dataDir / "metadata.db", sizeError);
      IndexHeapScope indexHeap(sizeError ? 0 : metadataBytes);
      service = registry::RegistryService::open(name, deps, limits, snapshotFile);
      if (!service.ok()) return service.error();
    }
    log_.debug("registry '" + name + "': index " +
               ((*service)->openedFromSnapshot() ? "mapped from " + snapshotFile.string()
                                                 : std::string("read from the catalog")));
    auto instance = std::make_shared<registry::RegistryInstance>();
    instance->service = std::move(*service);
    instance->uploads = std::make_unique<registry::UploadService>(*instance->service);
    return instance;
  }

  /// Registries from the configuration file have no ARM resource: a synthetic id that only a
  /// role assignment at "/" covers (the first operator's Owner role), no admin user, no tokens.
  std::shared_ptr<const auth::RegistryAccessPolicy> configuredAccess(const std::string& name) const {
    auto policy = std::make_shared<auth::RegistryAccessPolicy>();
    policy->authenticationRequired = config_.auth.configuredRegistriesRequireAuth;
    policy->registry.id = "/providers/Berth.Configuration/registries/" + name;
    policy->name = name;
    policy->loginServer = name + "." + config_.domain;
    return policy;
  }

  void publishLocked() {
    auto snapshot = std::make_shared<registry::RegistryDirectory::Snapshot>();
    snapshot->roles = roles_;
    snapshot->generation = ++generation_;
    auto add = [&](const std::string& name, const std::shared_ptr<registry::RegistryInstance>& i,
                   std::shared_ptr<const auth::RegistryAccessPolicy> access) {
      registry::ServedRegistry served{i, std::move(access)};
      snapshot->byName.emplace(name, served);
      snapshot->byHost.emplace(name + "." + config_.domain, served);
      if (name == config_.defaultRegistry) {
        for (const std::string& host : config_.defaultRegistryHosts) snapshot->byHost.emplace(host, served);
      }
    };
    for (const auto& [name, instance] : configured_) add(name, instance, configuredAccess(name));
    for (const auto& [name, instance] : managed_) {
      auto access = managedAccess_.find(name);
      add(name, instance,
          access != managedAccess_.end() && access->second ? access->second : configuredAccess(name));
    }
    directory_.publish(std::move(snapshot));
  }

  const Config& config_;
  storage::BlobStore& blobs_;
  metadata::SqliteMetadataStore& metadata_;
  const Clock& clock_;
  const Logger& log_;
  std::mutex mu_;  // serializes changes of the map below
  std::map<std::string, std::shared_ptr<registry::RegistryInstance>> configured_;
  std::map<std::string, std::shared_ptr<registry::RegistryInstance>> managed_;
  std::map<std::string, std::shared_ptr<const auth::RegistryAccessPolicy>> managedAccess_;
  std::shared_ptr<const auth::RoleAssignmentIndex> roles_ =
      std::make_shared<const auth::RoleAssignmentIndex>();
  std::uint64_t generation_ = 0;
  registry::RegistryDirectory directory_;
};

struct Daemon::State {
  Config config;
  const Logger& log;
  SystemClock clock;
  UniqueFd lock;
  std::unique_ptr<storage::FsBlobStore> blobs;
  std::unique_ptr<metadata::SqliteMetadataStore> metadata;
  std::unique_ptr<DataPlaneRegistries> registries;
  // HTTPS (only when TLS listeners are configured): certificates, and the host wrapper that
  // re-issues them when registries change. Declared before the control plane, which uses it.
  std::unique_ptr<TlsCertificates> tls;
  std::unique_ptr<CertificateTrackingHost> tlsHost;
  std::unique_ptr<auth::SecretBox> secrets;
  std::unique_ptr<mgmt::ControlPlane> controlPlane;
  std::unique_ptr<mgmt::OperatorAuth> operators;
  // Data-plane authentication (serving daemons only).
  std::unique_ptr<auth::SigningKeySet> signingKeys;
  std::unique_ptr<OperatorIdentities> identities;
  std::unique_ptr<auth::AuditLog> audit;

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

std::string endpointText(const boost::asio::ip::tcp::endpoint& ep) {
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

/// One unbuffered line on stderr, which scripts wait for.
void announce(const std::string& line) {
  std::string text = line + "\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, text.data(), text.size());
}

/// The first operator's password is shown exactly once, in a file only root can read.
Status writeOperatorCredentials(const std::filesystem::path& dir, const std::string& password,
                                const Logger& log) {
  std::filesystem::path file = dir / "operator-credentials.json";
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  std::string text = "{\"username\":\"admin\",\"password\":\"" + password + "\"}\n";
  if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return fail(Errc::kInternal, "cannot write " + file.string() + ": " + std::strerror(errno));
  }
  log.info("created management operator 'admin'; its password is in " + file.string() +
           " (berth login --credentials-file " + file.string() + ")");
  return okStatus();
}

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
  // Loading the token signing keys is mostly OpenSSL's one-time set-up of its decoders and
  // providers (~3.5 ms measured, the largest single item of a start): it runs on a thread of its
  // own while this one opens the stores, and is joined below before anything needs the keys.
  std::future<Result<auth::SigningKeySet>> signingKeys;
  if (access == Access::kExclusive) {
    signingKeys = std::async(std::launch::async, [keysDir = dir / "keys"] {
      return auth::SigningKeySet::openDirectory(keysDir);
    });
  }
  auto blobs = storage::FsBlobStore::open(dir);
  if (!blobs.ok()) return blobs.error();
  state->blobs = std::move(*blobs);
  auto metadata = metadata::SqliteMetadataStore::open(dir / "metadata.db");
  if (!metadata.ok()) return metadata.error();
  state->metadata = std::move(*metadata);

  state->registries = std::make_unique<DataPlaneRegistries>(state->config, *state->blobs,
                                                            *state->metadata, state->clock,
                                                            state->log);
  BERTH_TRY(state->registries->openConfigured());

  auto secrets = auth::SecretBox::openKeyFile(dir / "secret.key");
  if (!secrets.ok()) return secrets.error();
  state->secrets = std::make_unique<auth::SecretBox>(std::move(*secrets));
  mgmt::RegistryHost* registryHost = state->registries.get();
  if (access == Access::kExclusive && state->config.tls.enabled()) {
    auto tls = TlsCertificates::open(state->config, state->clock, state->log);
    if (!tls.ok()) return tls.error();
    state->tls = std::move(*tls);
    state->tlsHost =
        std::make_unique<CertificateTrackingHost>(*state->registries, *state->tls, state->log);
    registryHost = state->tlsHost.get();
  }
  state->controlPlane = std::make_unique<mgmt::ControlPlane>(
      *state->metadata, *state->metadata, *state->secrets, *registryHost, state->clock,
      state->config.domain);
  state->operators = std::make_unique<mgmt::OperatorAuth>(*state->metadata, state->clock);
  if (access == Access::kExclusive) {
    BERTH_TRY(state->controlPlane->publishStoredRegistries());
    auto keys = signingKeys.get();
    if (!keys.ok()) return keys.error();
    state->signingKeys = std::make_unique<auth::SigningKeySet>(std::move(*keys));
    state->identities = std::make_unique<OperatorIdentities>(*state->operators);
    auto audit = auth::AuditLog::open(dir / "audit", state->log);
    if (!audit.ok()) return audit.error();
    state->audit = std::move(*audit);
  } else {
    // Read-only tools still need the managed registries, without writing anything.
    std::vector<mgmt::RegistrySettings> managed;
    BERTH_TRY(state->metadata->listResources(
        mgmt::kRegistryType, "", [&](const metadata::ResourceRow& row) {
          mgmt::RegistrySettings settings;
          settings.name = row.name;
          managed.push_back(std::move(settings));
        }));
    BERTH_TRY(state->registries->syncRegistries(managed));
  }
  return std::unique_ptr<Daemon>(new Daemon(std::move(state)));
}

Result<GcSummary> Daemon::collectGarbage(bool dryRun, std::ostream& report) {
  GcSummary summary;
  const GcConfig& gc = state_->config.gc;
  for (const auto& instance : state_->registries->directory().all()) {
    auto& service = *instance->service;
    auto proposed = service.planGarbage(gc.graceSeconds);
    if (!proposed.ok()) return proposed.error();
    registry::RegistryService::GcPlan plan = std::move(*proposed);
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

void Daemon::runScheduledGc() {
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
}

Status Daemon::serve() {
  const Config& config = state_->config;
  boost::asio::thread_pool blocking(std::max(1u, config.blockingThreads));
  auth::Authenticator authenticator(*state_->signingKeys, *state_->identities, state_->clock,
                                    config.auth.tokenLifetimeSeconds);
  auth::CredentialCache credentialCache;
  auth::RateLimiter rateLimiter(state_->clock,
                                auth::RateLimiterOptions{config.auth.maxFailures,
                                                         config.auth.failureWindowSeconds,
                                                         config.auth.lockoutSeconds});
  registry::DataPlaneAuth dataPlaneAuth{authenticator, credentialCache, rateLimiter,
                                        state_->audit.get()};
  registry::RegistryApi api(state_->registries->directory(), dataPlaneAuth, blocking, state_->log);
  unsigned threads = config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  http::Server server(api, config.limits, threads, state_->log);
  BERTH_TRY(server.listen(config.listen));
  std::shared_ptr<net::TlsContextProvider> tls;
  if (state_->tls) {
    auto provider = state_->tls->provider();
    if (!provider.ok()) return provider.error();
    tls = std::move(*provider);
    if (!config.tls.listen.empty()) BERTH_TRY(server.listenTls(config.tls.listen, tls));
  }
  std::vector<std::string> dataPlane;
  for (const auto& ep : server.boundEndpoints()) dataPlane.push_back(endpointText(ep));

  mgmt::MgmtApi mgmtApi(*state_->controlPlane, *state_->operators, state_->audit.get(), blocking,
                        state_->log,
                        mgmt::MgmtInfo{"0.1.0", dataPlane});
  // The management API is light; one thread keeps it off the data plane's cores.
  http::Server mgmtServer(mgmtApi, config.limits, 1, state_->log);
  if (!config.management.listen.empty()) BERTH_TRY(mgmtServer.listen(config.management.listen));
  if (tls && !config.tls.managementListen.empty()) {
    BERTH_TRY(mgmtServer.listenTls(config.tls.managementListen, tls));
  }

  server.start();
  for (const auto& address : dataPlane) announce("berth: listening on http://" + address);
  for (const auto& ep : server.boundTlsEndpoints()) {
    announce("berth: listening on https://" + endpointText(ep));
  }
  // After the data plane answers: creating the first operator hashes a password with scrypt,
  // which must not delay pulls on a fresh start.
  BERTH_TRY(state_->controlPlane->ensureDefaultSubscription());
  auto password = state_->operators->bootstrap();
  if (!password.ok()) return password.error();
  if (*password) {
    BERTH_TRY(writeOperatorCredentials(config.dataDir, **password, state_->log));
    // The first operator may do everything, on every registry, until roles are narrowed.
    BERTH_TRY(state_->controlPlane->ensureRoleAssignment("admin", auth::Role::kOwner, "/"));
  }
  mgmtServer.start();
  for (const auto& ep : mgmtServer.boundEndpoints()) {
    announce("berth: management API on http://" + endpointText(ep));
  }
  for (const auto& ep : mgmtServer.boundTlsEndpoints()) {
    announce("berth: management API on https://" + endpointText(ep));
  }

  // Housekeeping beside the server: token passwords that expire stop working within
  // kCredentialSweep, and scheduled garbage collection runs every gc.interval_seconds.
  constexpr std::chrono::seconds kCredentialSweep{30};
  // What start-up alone touched of the binary need not stay resident; but the requests that
  // arrive as soon as the daemon listens (clients waiting for it to come up) run code start-up
  // also ran, so the release waits until they are served rather than make them fault it back
  // in: the first answer came 0.8-1.0 ms sooner (docs/performance.md).
  constexpr std::chrono::milliseconds kStartupPagesGrace{300};
  std::mutex housekeepingMutex;
  std::condition_variable housekeepingWake;
  bool stopping = false;
  std::thread housekeeping([&] {
    using Clock = std::chrono::steady_clock;
    const auto gcInterval = std::chrono::seconds(config.gc.intervalSeconds);
    auto nextGc = Clock::now() + gcInterval;
    const auto tick = config.gc.intervalSeconds > 0 ? std::min<std::chrono::seconds>(kCredentialSweep, gcInterval)
                                                    : kCredentialSweep;
    std::unique_lock lock(housekeepingMutex);
    if (!housekeepingWake.wait_for(lock, kStartupPagesGrace, [&] { return stopping; })) {
      releaseStartupPages();
    }
    while (!housekeepingWake.wait_for(lock, tick, [&] { return stopping; })) {
      lock.unlock();
      if (auto refreshed = state_->controlPlane->refreshExpiredCredentials(); !refreshed.ok()) {
        state_->log.error("cannot withdraw expired token passwords: " + refreshed.error().message);
      }
      if (config.gc.intervalSeconds > 0 && Clock::now() >= nextGc) {
        nextGc = Clock::now() + gcInterval;
        runScheduledGc();
      }
      lock.lock();
    }
  });

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
  state_->log.info(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                   ", shutting down");
  {
    std::lock_guard lock(housekeepingMutex);
    stopping = true;
  }
  housekeepingWake.notify_all();
  housekeeping.join();
  mgmtServer.stop();
  server.stop();
  blocking.join();
  // Nothing is served or written any more: the index as it stands is the catalog's.
  state_->registries->saveSnapshots();
  return okStatus();
}

}  // namespace berth::daemon
