#pragma once
// berth.yaml: everything the daemon reads at start-up. Unknown keys are errors (a typo must not
// silently fall back to a default). See docs/configuration.md for every key.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "http/server.h"

namespace berth::daemon {

struct GcConfig {
  std::int64_t intervalSeconds = 0;  // 0: only `berth gc` collects
  /// Content younger than this (or blobs touched by a HEAD/mount/upload within it) is never
  /// collected: it protects pushes whose manifest has not arrived yet.
  std::int64_t graceSeconds = 3600;
  std::int64_t uploadExpirySeconds = 24 * 3600;
};

struct ManagementConfig {
  /// Where the management API listens; empty disables it.
  std::vector<std::string> listen{"127.0.0.1:5001"};
};

/// A certificate served for some SNI host names instead of the default one.
struct TlsSniConfig {
  std::vector<std::string> hosts;  // "name.example.com" or "*.example.com"
  std::filesystem::path certificate;
  std::filesystem::path privateKey;
};

/// HTTPS listeners and their certificates (docs/tls.md).
struct TlsConfig {
  /// Data-plane HTTPS listeners, in addition to the plain `listen` ones.
  std::vector<std::string> listen;
  /// Management API HTTPS listeners, in addition to management.listen.
  std::vector<std::string> managementListen;
  /// PEM chain and key of the default certificate; empty: the local CA issues one.
  std::filesystem::path certificate;
  std::filesystem::path privateKey;
  /// Unset: true exactly when no certificate is given.
  std::optional<bool> localCa;
  std::vector<TlsSniConfig> sni;

  bool enabled() const { return !listen.empty() || !managementListen.empty(); }
  bool usesLocalCa() const { return localCa.value_or(certificate.empty()); }
};

/// Data-plane authentication (docs/auth.md).
struct AuthConfig {
  /// Registries declared in this file (not through the management API) require credentials unless
  /// this is false: local development and benchmarks may turn it off. Managed registries always
  /// require them.
  bool configuredRegistriesRequireAuth = true;
  std::int64_t tokenLifetimeSeconds = 300;
  /// Failed sign-ins from one address within the window before it is locked out for a while.
  int maxFailures = 10;
  std::int64_t failureWindowSeconds = 60;
  std::int64_t lockoutSeconds = 300;
};

struct Config {
  std::vector<std::string> listen{"127.0.0.1:5000"};
  ManagementConfig management;
  TlsConfig tls;
  AuthConfig auth;
  std::filesystem::path dataDir = "berth-data";
  std::string domain = "cr.internal";
  std::string defaultRegistry = "default";
  /// Hosts besides <name>.<domain> that reach the default registry (local development).
  std::vector<std::string> defaultRegistryHosts{"localhost", "127.0.0.1", "[::1]"};
  std::vector<std::string> registries{"default"};
  unsigned threads = 0;  // 0: one per core
  unsigned blockingThreads = 4;
  http::ServerLimits limits;
  std::size_t maxManifestBytes = 4 * 1024 * 1024;
  GcConfig gc;
  LogLevel logLevel = LogLevel::kInfo;
};

/// Reads a YAML file; errors name the file, the key and what is expected.
Result<Config> loadConfig(const std::filesystem::path& file);
/// Checks cross-field rules (names, domain, sizes) after command-line overrides.
Status validateConfig(Config& config);

/// Registry names: 5-50 letters and digits (stored lowercase), as login servers need.
Status validateRegistryName(std::string_view name);

}  // namespace berth::daemon
