#pragma once
// What the acr command files share: finding a registry by name the way az does, and the
// registry's management path.

#include <string>

#include "cli/command_context.h"
#include "cli/output/output_format.h"

namespace berth::cli {

inline constexpr std::string_view kRegistryProvider = "Microsoft.ContainerRegistry";
inline constexpr std::string_view kRegistryType = "Microsoft.ContainerRegistry/registries";

/// --name/-n, with a login-server suffix (".<domain>") trimmed and warned about, as az does
/// for "myregistry.azurecr.io".
std::string registryNameArgument(CommandContext& ctx, std::string_view option = "--name");

struct FoundRegistry {
  Json resource;     // the management API's body, properties nested
  std::string path;  // its management path (the resource id)
};

/// The registry named by `name`: in --resource-group when given, else found by listing the
/// subscription's registries (case-insensitively), as az does when -g is omitted.
Result<FoundRegistry> findRegistry(CommandContext& ctx, const std::string& name);

/// "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries".
Result<std::string> registriesPath(CommandContext& ctx, const std::string& resourceGroup);

/// The registry's login server from its resource, else <name>.<profile domain>.
std::string loginServerOf(const Json& resource, const std::string& domain);

/// The common "--name/-n" and "--resource-group/-g" options.
OptionSpec registryNameOption();
OptionSpec resourceGroupOption(bool required);

}  // namespace berth::cli
