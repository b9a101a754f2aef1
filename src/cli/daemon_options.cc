#include "cli/daemon_options.h"

namespace berth::cli {

std::vector<FlagSpec> daemonFlags() {
  return {
      {"--config", "-c", true, "YAML configuration file (see docs/configuration.md)", "FILE"},
      {"--listen", "", true, "address to serve on, overrides 'listen' (e.g. 0.0.0.0:5000)", "ADDR:PORT"},
      {"--tls-listen", "", true, "HTTPS address for the data plane, overrides 'tls.listen' (see docs/tls.md)", "ADDR:PORT"},
      {"--management-listen", "", true, "management API address, overrides 'management.listen' ('off' disables it)", "ADDR:PORT"},
      {"--data-dir", "", true, "where blobs and metadata live, overrides 'data_dir'", "DIR"},
      {"--domain", "", true, "DNS domain of login servers, overrides 'domain'", "DOMAIN"},
      {"--authentication", "", true, "required or disabled: whether registries declared in the configuration need credentials, overrides 'auth.configured_registries'", "MODE"},
      {"--log-level", "", true, "debug, info, warn or error", "LEVEL"},
      {"--help", "-h", false, "show this help", ""},
  };
}

Result<daemon::Config> daemonConfig(const ParsedArgs& args) {
  daemon::Config config;
  if (auto file = args.value("--config")) {
    auto loaded = daemon::loadConfig(*file);
    if (!loaded.ok()) return loaded.error();
    config = std::move(*loaded);
  }
  if (auto v = args.value("--listen")) config.listen = {*v};
  if (auto v = args.value("--tls-listen")) config.tls.listen = {*v};
  if (auto v = args.value("--management-listen")) {
    config.management.listen = *v == "off" ? std::vector<std::string>{} : std::vector<std::string>{*v};
  }
  if (auto v = args.value("--data-dir")) config.dataDir = *v;
  if (auto v = args.value("--domain")) config.domain = *v;
  if (auto v = args.value("--authentication")) {
    if (*v != "required" && *v != "disabled") {
      return fail(Errc::kInvalidParameter, "--authentication must be 'required' or 'disabled'");
    }
    config.auth.configuredRegistriesRequireAuth = *v == "required";
  }
  if (auto v = args.value("--log-level")) {
    if (!parseLogLevel(*v, config.logLevel)) {
      return fail(Errc::kInvalidParameter, "--log-level must be debug, info, warn or error");
    }
  }
  BERTH_TRY(daemon::validateConfig(config));
  return config;
}

}  // namespace berth::cli
