#include "daemon/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

namespace berth::daemon {

namespace {

Error configError(const std::filesystem::path& file, const std::string& what) {
  return makeError(Errc::kInvalidParameter, "config " + file.string() + ": " + what);
}

template <typename T>
Result<T> scalar(const YAML::Node& node, const std::filesystem::path& file, const std::string& key) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    return configError(file, "'" + key + "' has the wrong type");
  }
}

Result<std::vector<std::string>> stringList(const YAML::Node& node,
                                            const std::filesystem::path& file,
                                            const std::string& key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
    return out;
  }
  if (!node.IsSequence()) return configError(file, "'" + key + "' must be a list");
  for (const auto& item : node) {
    if (item.IsMap() && item["name"]) {
      out.push_back(item["name"].as<std::string>());
    } else if (item.IsScalar()) {
      out.push_back(item.as<std::string>());
    } else {
      return configError(file, "'" + key + "' entries must be strings");
    }
  }
  return out;
}

Status checkKeys(const YAML::Node& node, const std::filesystem::path& file,
                 const std::string& section, std::initializer_list<std::string_view> known) {
  if (!node.IsMap()) return configError(file, "'" + section + "' must be a mapping");
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return configError(file, "unknown key '" + (section.empty() ? key : section + "." + key) +
                                   "' (see docs/configuration.md)");
    }
  }
  return okStatus();
}

#define BERTH_CFG(target, type, node, key)                    \
  if (node[key]) {                                            \
    auto v = scalar<type>(node[key], file, key);              \
    if (!v.ok()) return v.error();                            \
    target = *v;                                              \
  }

Status loadTlsConfig(const YAML::Node& tls, const std::filesystem::path& file, TlsConfig& out) {
  BERTH_TRY(checkKeys(tls, file, "tls",
                      {"listen", "management_listen", "certificate", "private_key", "local_ca", "sni"}));
  if (tls["listen"]) {
    auto v = stringList(tls["listen"], file, "tls.listen");
    if (!v.ok()) return v.error();
    out.listen = *v;
  }
  if (tls["management_listen"]) {
    auto v = stringList(tls["management_listen"], file, "tls.management_listen");
    if (!v.ok()) return v.error();
    out.managementListen = *v;
  }
  if (tls["certificate"]) out.certificate = tls["certificate"].as<std::string>();
  if (tls["private_key"]) out.privateKey = tls["private_key"].as<std::string>();
  if (tls["local_ca"]) {
    auto v = scalar<bool>(tls["local_ca"], file, "tls.local_ca");
    if (!v.ok()) return v.error();
    out.localCa = *v;
  }
  if (const auto sni = tls["sni"]) {
    if (!sni.IsSequence()) return configError(file, "'tls.sni' must be a list");
    for (const auto& entry : sni) {
      BERTH_TRY(checkKeys(entry, file, "tls.sni[]", {"hosts", "certificate", "private_key"}));
      TlsSniConfig cert;
      if (entry["hosts"]) {
        auto v = stringList(entry["hosts"], file, "tls.sni[].hosts");
        if (!v.ok()) return v.error();
        cert.hosts = *v;
      }
      if (entry["certificate"]) cert.certificate = entry["certificate"].as<std::string>();
      if (entry["private_key"]) cert.privateKey = entry["private_key"].as<std::string>();
      if (cert.hosts.empty() || cert.certificate.empty() || cert.privateKey.empty()) {
        return configError(file, "each 'tls.sni' entry needs hosts, certificate and private_key");
      }
      out.sni.push_back(std::move(cert));
    }
  }
  return okStatus();
}

}  // namespace

Status validateRegistryName(std::string_view name) {
  bool ok = name.size() >= 5 && name.size() <= 50 &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            });
  if (!ok) {
    return fail(Errc::kInvalidParameter, "registry name '" + std::string(name) +
                                             "' must be 5-50 letters and digits");
  }
  return okStatus();
}

Result<Config> loadConfig(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    return configError(file, "cannot read the file");
  } catch (const YAML::Exception& e) {
    return configError(file, std::string("not valid YAML: ") + e.what());
  }
  Config config;
  if (root.IsNull()) return config;
  try {
    BERTH_TRY(checkKeys(root, file, "",
                        {"listen", "data_dir", "domain", "default_registry",
                         "default_registry_hosts", "registries", "threads", "blocking_threads",
                         "limits", "gc", "log_level", "management", "tls", "auth"}));
    if (root["listen"]) {
      auto v = stringList(root["listen"], file, "listen");
      if (!v.ok()) return v.error();
      config.listen = *v;
    }
    if (root["data_dir"]) config.dataDir = root["data_dir"].as<std::string>();
    BERTH_CFG(config.domain, std::string, root, "domain");
    BERTH_CFG(config.defaultRegistry, std::string, root, "default_registry");
    if (root["default_registry_hosts"]) {
      auto v = stringList(root["default_registry_hosts"], file, "default_registry_hosts");
      if (!v.ok()) return v.error();
      config.defaultRegistryHosts = *v;
    }
    if (root["registries"]) {
      auto v = stringList(root["registries"], file, "registries");
      if (!v.ok()) return v.error();
      config.registries = *v;
    }
    BERTH_CFG(config.threads, unsigned, root, "threads");
    BERTH_CFG(config.blockingThreads, unsigned, root, "blocking_threads");
    if (const auto limits = root["limits"]) {
      BERTH_TRY(checkKeys(limits, file, "limits",
                          {"max_header_bytes", "max_manifest_bytes", "idle_timeout_seconds",
                           "max_connections_per_thread"}));
      BERTH_CFG(config.limits.maxHeaderBytes, std::size_t, limits, "max_header_bytes");
      BERTH_CFG(config.maxManifestBytes, std::size_t, limits, "max_manifest_bytes");
      if (limits["idle_timeout_seconds"]) {
        auto v = scalar<std::int64_t>(limits["idle_timeout_seconds"], file, "idle_timeout_seconds");
        if (!v.ok()) return v.error();
        config.limits.idleTimeout = std::chrono::seconds(*v);
      }
      BERTH_CFG(config.limits.maxConnectionsPerThread, std::size_t, limits,
                "max_connections_per_thread");
    }
    if (const auto auth = root["auth"]) {
      BERTH_TRY(checkKeys(auth, file, "auth",
                          {"configured_registries", "token_lifetime_seconds", "max_failures",
                           "failure_window_seconds", "lockout_seconds"}));
      if (auth["configured_registries"]) {
        std::string mode = auth["configured_registries"].as<std::string>();
        if (mode != "required" && mode != "disabled") {
          return configError(file, "auth.configured_registries must be 'required' or 'disabled'");
        }
        config.auth.configuredRegistriesRequireAuth = mode == "required";
      }
      BERTH_CFG(config.auth.tokenLifetimeSeconds, std::int64_t, auth, "token_lifetime_seconds");
      BERTH_CFG(config.auth.maxFailures, int, auth, "max_failures");
      BERTH_CFG(config.auth.failureWindowSeconds, std::int64_t, auth, "failure_window_seconds");
      BERTH_CFG(config.auth.lockoutSeconds, std::int64_t, auth, "lockout_seconds");
    }
    if (const auto management = root["management"]) {
      BERTH_TRY(checkKeys(management, file, "management", {"listen"}));
      if (management["listen"]) {
        auto v = stringList(management["listen"], file, "management.listen");
        if (!v.ok()) return v.error();
        config.management.listen = *v;
      }
    }
    if (const auto tls = root["tls"]) BERTH_TRY(loadTlsConfig(tls, file, config.tls));
    if (const auto gc = root["gc"]) {
      BERTH_TRY(checkKeys(gc, file, "gc",
                          {"interval_seconds", "grace_seconds", "upload_expiry_seconds"}));
      BERTH_CFG(config.gc.intervalSeconds, std::int64_t, gc, "interval_seconds");
      BERTH_CFG(config.gc.graceSeconds, std::int64_t, gc, "grace_seconds");
      BERTH_CFG(config.gc.uploadExpirySeconds, std::int64_t, gc, "upload_expiry_seconds");
    }
    if (root["log_level"]) {
      std::string level = root["log_level"].as<std::string>();
      if (!parseLogLevel(level, config.logLevel)) {
        return configError(file, "log_level must be debug, info, warn or error");
      }
    }
  } catch (const YAML::Exception& e) {
    return configError(file, std::string("unexpected structure: ") + e.what());
  }
  return config;
}

Status validateConfig(Config& config) {
  std::transform(config.domain.begin(), config.domain.end(), config.domain.begin(), ::tolower);
  if (config.domain.empty() || config.domain.front() == '.' || config.domain.back() == '.') {
    return fail(Errc::kInvalidParameter, "domain '" + config.domain + "' is not a DNS domain");
  }
  std::set<std::string> seen;
  for (std::string& name : config.registries) {
    BERTH_TRY(validateRegistryName(name));
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (!seen.insert(name).second) {
      return fail(Errc::kInvalidParameter, "registry '" + name + "' is listed twice");
    }
  }
  std::transform(config.defaultRegistry.begin(), config.defaultRegistry.end(),
                 config.defaultRegistry.begin(), ::tolower);
  if (!config.defaultRegistry.empty() && !seen.contains(config.defaultRegistry)) {
    return fail(Errc::kInvalidParameter, "default_registry '" + config.defaultRegistry +
                                             "' is not among the registries");
  }
  if (config.listen.empty() && config.tls.listen.empty()) {
    return fail(Errc::kInvalidParameter, "listen (or tls.listen) needs at least one address");
  }
  if (config.auth.tokenLifetimeSeconds < 30 || config.auth.tokenLifetimeSeconds > 24 * 3600) {
    return fail(Errc::kInvalidParameter,
                "auth.token_lifetime_seconds must be between 30 and 86400");
  }
  if (config.auth.maxFailures < 1 || config.auth.failureWindowSeconds < 1 ||
      config.auth.lockoutSeconds < 1) {
    return fail(Errc::kInvalidParameter,
                "auth.max_failures, failure_window_seconds and lockout_seconds must be positive");
  }
  if (config.maxManifestBytes < 1024) {
    return fail(Errc::kInvalidParameter, "limits.max_manifest_bytes must be at least 1024");
  }
  if (config.limits.maxHeaderBytes < 1024) {
    return fail(Errc::kInvalidParameter, "limits.max_header_bytes must be at least 1024");
  }
  const TlsConfig& tls = config.tls;
  if (tls.certificate.empty() != tls.privateKey.empty()) {
    return fail(Errc::kInvalidParameter, "tls.certificate and tls.private_key go together");
  }
  if (!tls.certificate.empty() && tls.localCa.value_or(false)) {
    return fail(Errc::kInvalidParameter,
                "tls.local_ca: true and tls.certificate exclude each other; keep one");
  }
  if (tls.enabled() && tls.certificate.empty() && !tls.usesLocalCa()) {
    return fail(Errc::kInvalidParameter,
                "HTTPS listeners need tls.certificate + tls.private_key, or tls.local_ca: true");
  }
  if (config.gc.graceSeconds < 0 || config.gc.intervalSeconds < 0 ||
      config.gc.uploadExpirySeconds < 60) {
    return fail(Errc::kInvalidParameter,
                "gc seconds must be non-negative and upload_expiry_seconds at least 60");
  }
  return okStatus();
}

}  // namespace berth::daemon
