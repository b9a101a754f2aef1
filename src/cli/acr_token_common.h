// What `acr scope-map` and `acr token` share: az's `--repository REPO ACTION...` shorthand, the
// child resources' management paths, and how az prints a scope map.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/acr_common.h"

namespace berth::cli {

/// {"hello", "content/read", "content/write"} -> repositories/hello/content/read, ...; each use of
/// the option needs a repository and at least one action (usage error naming `option`).
Result<std::vector<std::string>> repositoryActions(
    const std::vector<std::vector<std::string>>& uses, std::string_view option);

/// "<registry path>/scopeMaps/<name>" or "<registry path>/tokens/<name>".
std::string scopeMapPath(const FoundRegistry& registry, std::string_view name);
std::string tokenPath(const FoundRegistry& registry, std::string_view name);

/// Creates (PUT) a user-defined scope map; the created resource.
Result<Json> putScopeMap(const ManagementClient& api, const FoundRegistry& registry,
                         std::string_view name, const std::vector<std::string>& actions,
                         const std::string& description);

/// --registry/-r, required.
OptionSpec registryOption();

/// The registry --registry names (looked up in -g when given) and a management client.
struct RegistryApi {
  FoundRegistry registry;
  const ManagementClient* api = nullptr;
};
Result<RegistryApi> registryApi(CommandContext& ctx);

/// Asks `question` (or takes --yes), then DELETEs `path`; prints nothing.
Result<CommandOutput> confirmAndDelete(CommandContext& ctx, const ManagementClient& api,
                                       const std::string& path, const std::string& question);

}  // namespace berth::cli
