#include "daemon/tls_certificates.h"

#include <boost/asio/ip/address.hpp>
#include <ctime>

#include "http/server.h"
#include "net/host_name.h"

namespace berth::daemon {

namespace {

/// Explicit SANs are listed for this many registries at most; past that the wildcards alone
/// cover them, so the certificate every full handshake carries stays a few KiB.
constexpr std::size_t kMaxExplicitRegistries = 64;
/// Twice a day is plenty against a 30-day renewal window, and cheap.
constexpr std::chrono::hours kRenewalCheckInterval{12};

/// The literal address of "host:port" when it names one specific IP (not 0.0.0.0 or ::).
std::optional<std::string> specificIp(const std::string& listen) {
  auto endpoint = http::parseListenAddress(listen);
  if (!endpoint.ok() || endpoint->address().is_unspecified()) return std::nullopt;
  return endpoint->address().to_string();
}

std::string dateOf(std::int64_t unixSeconds) {
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

}  // namespace

CertificateNames certificateNames(const Config& config,
                                  const std::vector<mgmt::RegistrySettings>& managed) {
  CertificateNames names;
  const std::string& domain = config.domain;
  names.dns.insert("*." + domain);
  names.dns.insert("*.privatelink." + domain);
  names.dns.insert("localhost");
  names.ips.insert("127.0.0.1");
  names.ips.insert("::1");

  std::size_t explicitLeft = kMaxExplicitRegistries;
  auto addRegistry = [&](const std::string& name, const std::string& location) {
    const bool explicitNames = explicitLeft > 0;
    if (explicitNames) {
      --explicitLeft;
      names.dns.insert(name + "." + domain);
      names.dns.insert(name + ".privatelink." + domain);
    }
    // A location that is not one DNS label cannot be part of a data endpoint name.
    if (!location.empty() && location.find('.') == std::string::npos &&
        net::isValidHostName(location, false)) {
      names.dns.insert("*." + location + ".data." + domain);
      if (explicitNames) names.dns.insert(name + "." + location + ".data." + domain);
    }
  };
  for (const std::string& name : config.registries) addRegistry(net::lowerAscii(name), "");
  for (const auto& settings : managed) {
    addRegistry(net::lowerAscii(settings.name), net::lowerAscii(settings.location));
  }

  for (std::string host : config.defaultRegistryHosts) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(host, ec);
    if (!ec) {
      names.ips.insert(address.to_string());
    } else if (net::isValidHostName(net::lowerAscii(host), false)) {
      names.dns.insert(net::lowerAscii(host));
    }
  }
  for (const auto* list : {&config.tls.listen, &config.tls.managementListen}) {
    for (const std::string& listen : *list) {
      if (auto ip = specificIp(listen)) names.ips.insert(*ip);
    }
  }
  return names;
}

Result<std::unique_ptr<TlsCertificates>> TlsCertificates::open(const Config& config,
                                                               const Clock& clock,
                                                               const Logger& log) {
  std::unique_ptr<TlsCertificates> tls(new TlsCertificates(config, clock, log));
  for (const TlsSniConfig& entry : config.tls.sni) {
    auto identity = net::loadTlsIdentity(entry.certificate, entry.privateKey);
    if (!identity.ok()) return identity.error();
    tls->sni_.push_back(net::SniCertificate{entry.hosts, std::move(*identity)});
  }
  if (!config.tls.certificate.empty()) {
    auto identity = net::loadTlsIdentity(config.tls.certificate, config.tls.privateKey);
    if (!identity.ok()) return identity.error();
    auto provider = net::TlsContextProvider::create(std::move(*identity), tls->sni_);
    if (!provider.ok()) {
      return fail(Errc::kInvalidParameter, "tls.certificate " + config.tls.certificate.string() +
                                               ": " + provider.error().message);
    }
    tls->provider_ = std::move(*provider);
    return tls;
  }
  auto ca = net::LocalCa::openOrCreate(config.dataDir / "tls", clock);
  if (!ca.ok()) return ca.error();
  if (ca->created()) {
    log.info("created a local certificate authority: " + ca->certificatePath().string() +
             " (add it to the trust store of every client: see docs/tls.md)");
  }
  tls->ca_.emplace(std::move(*ca));
  tls->renewal_ = std::thread([t = tls.get()] { t->renewalLoop(); });
  return tls;
}

TlsCertificates::~TlsCertificates() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (renewal_.joinable()) renewal_.join();
}

void TlsCertificates::renewalLoop() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, kRenewalCheckInterval, [this] { return stopping_; })) {
    lock.unlock();
    Status renewed = renewIfDue();
    if (!renewed.ok()) log_.error(renewed.error().message);
    lock.lock();
  }
}

Status TlsCertificates::renewIfDue() {
  std::lock_guard lock(mu_);
  if (!ca_ || !issuedFor_ || clock_.nowUnixSeconds() < notAfter_ - kRenewBeforeSeconds) {
    return okStatus();
  }
  return issueLocked(*issuedFor_);
}

Status TlsCertificates::issueLocked(const CertificateNames& names) {
  auto issued = ca_->issue(std::vector<std::string>(names.dns.begin(), names.dns.end()),
                           std::vector<std::string>(names.ips.begin(), names.ips.end()));
  if (!issued.ok()) {
    return fail(issued.error().code, "cannot issue the TLS certificate: " + issued.error().message +
                                         " (check 'domain' and the registries' locations)");
  }
  net::TlsIdentity identity{std::move(issued->certificateChainPem),
                            std::move(issued->privateKeyPem)};
  if (provider_) {
    BERTH_TRY(provider_->replaceDefault(std::move(identity)));
  } else {
    auto provider = net::TlsContextProvider::create(std::move(identity), sni_);
    if (!provider.ok()) return provider.error();
    provider_ = std::move(*provider);
  }
  issuedFor_ = names;
  notAfter_ = issued->notAfterUnixSeconds;
  log_.info("TLS certificate from the local CA " + ca_->certificatePath().string() + " covers " +
            std::to_string(names.dns.size()) + " DNS names and " +
            std::to_string(names.ips.size()) + " addresses, valid until " +
            dateOf(issued->notAfterUnixSeconds));
  return okStatus();
}

Status TlsCertificates::registriesChanged(const std::vector<mgmt::RegistrySettings>& managed) {
  if (!ca_) return okStatus();  // operator certificates are the operator's to extend
  CertificateNames names = certificateNames(config_, managed);
  std::lock_guard lock(mu_);
  if (issuedFor_ == names) return okStatus();
  return issueLocked(names);
}

Result<std::shared_ptr<net::TlsContextProvider>> TlsCertificates::provider() {
  std::lock_guard lock(mu_);
  if (!provider_) BERTH_TRY(issueLocked(certificateNames(config_, {})));
  return provider_;
}

Status CertificateTrackingHost::syncRegistries(
    const std::vector<mgmt::RegistrySettings>& registries) {
  BERTH_TRY(inner_.syncRegistries(registries));
  // The registries are served already: a certificate problem is reported, it does not undo that.
  Status reissued = tls_.registriesChanged(registries);
  if (!reissued.ok()) log_.error(reissued.error().message);
  return okStatus();
}

}  // namespace berth::daemon
