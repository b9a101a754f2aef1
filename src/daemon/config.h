#pragma once
// berth.yaml: everything the daemon reads at start-up. Unknown keys are errors (a typo must not
// silently fall back to a default). See docs/configuration.md for every key.

#include <cstdint>
#include <filesystem>
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

struct Config {
  std::vector<std::string> listen{"127.0.0.1:5000"};
  ManagementConfig management;
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
