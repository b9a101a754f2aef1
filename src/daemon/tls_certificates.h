#pragma once
// The daemon's certificates for its HTTPS listeners. With an operator certificate they are
// loaded once from PEM files; with the local CA (<data_dir>/tls) a leaf is issued for every name
// the daemon serves and re-issued whenever that set changes (a registry created through the
// management API is covered without a restart: the provider swaps its snapshot).

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/config.h"
#include "mgmt/control_plane.h"
#include "net/local_ca.h"
#include "net/tls_context.h"

namespace berth::daemon {

/// The names a local-CA leaf must cover. Wildcards match one label only, so every registry's
/// login server, private-link name and data endpoint is listed explicitly as well.
struct CertificateNames {
  std::set<std::string> dns;
  std::set<std::string> ips;
  bool operator==(const CertificateNames&) const = default;
};

/// Pure: the names for the configured and the control-plane registries (see docs/tls.md).
CertificateNames certificateNames(const Config& config,
                                  const std::vector<mgmt::RegistrySettings>& managed);

class TlsCertificates {
 public:
  /// A local-CA leaf is replaced this long before it expires, so a daemon that runs for years
  /// never serves an expired certificate.
  static constexpr std::int64_t kRenewBeforeSeconds = 30 * 24 * 3600;

  ~TlsCertificates();
  TlsCertificates(const TlsCertificates&) = delete;
  TlsCertificates& operator=(const TlsCertificates&) = delete;

  /// Loads tls.certificate (and tls.sni) or opens/creates the local CA; says so in the log when
  /// it created a CA. Errors name the file at fault.
  static Result<std::unique_ptr<TlsCertificates>> open(const Config& config, const Clock& clock,
                                                       const Logger& log);

  /// Re-issues the local-CA leaf when the served names changed; nothing otherwise. Thread-safe.
  Status registriesChanged(const std::vector<mgmt::RegistrySettings>& managed);

  /// The provider for listenTls(); issues for the configured registries if nothing was yet.
  Result<std::shared_ptr<net::TlsContextProvider>> provider();

  /// Re-issues the local-CA leaf when it expires within kRenewBeforeSeconds. A background
  /// thread calls this twice a day; public for tests.
  Status renewIfDue();

 private:
  TlsCertificates(const Config& config, const Clock& clock, const Logger& log)
      : config_(config), clock_(clock), log_(log) {}
  Status issueLocked(const CertificateNames& names);
  void renewalLoop();

  const Config& config_;
  const Clock& clock_;
  const Logger& log_;
  std::optional<net::LocalCa> ca_;
  std::vector<net::SniCertificate> sni_;
  std::mutex mu_;  // serializes issuing; readers use the provider's snapshot
  std::shared_ptr<net::TlsContextProvider> provider_;
  std::optional<CertificateNames> issuedFor_;
  std::int64_t notAfter_ = 0;
  bool stopping_ = false;  // guarded by mu_
  std::condition_variable wake_;
  std::thread renewal_;
};

/// Forwards to the data plane's registry host and keeps the certificate in step with it.
class CertificateTrackingHost final : public mgmt::RegistryHost {
 public:
  CertificateTrackingHost(mgmt::RegistryHost& inner, TlsCertificates& tls, const Logger& log)
      : inner_(inner), tls_(tls), log_(log) {}

  Status syncRegistries(const std::vector<mgmt::RegistrySettings>& registries) override;
  bool nameReserved(std::string_view name) const override { return inner_.nameReserved(name); }
  std::uint64_t storageBytes(std::string_view name) const override {
    return inner_.storageBytes(name);
  }
  void publishRoleAssignments(auth::RoleAssignmentIndex index) override {
    inner_.publishRoleAssignments(std::move(index));
  }

 private:
  mgmt::RegistryHost& inner_;
  TlsCertificates& tls_;
  const Logger& log_;
};

}  // namespace berth::daemon
