#include "cli/acr_common.h"

#include <algorithm>
#include <cctype>

namespace berth::cli {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string registryNameArgument(CommandContext& ctx, std::string_view option) {
  std::string name = ctx.args().get(option).value_or("");
  auto profile = ctx.profile();
  if (profile.ok() && !(*profile)->domain.empty()) {
    const std::string suffix = "." + lower((*profile)->domain);
    if (name.size() > suffix.size() && lower(name).ends_with(suffix)) {
      ctx.warn("The login server endpoint suffix '" + suffix + "' is automatically omitted.");
      name.resize(name.size() - suffix.size());
    }
  }
  return name;
}

Result<std::string> registriesPath(CommandContext& ctx, const std::string& resourceGroup) {
  auto sub = ctx.subscriptionPath();
  if (!sub.ok()) return sub.error();
  return *sub + "/resourceGroups/" + pathSegment(resourceGroup) + "/providers/" +
         std::string(kRegistryProvider) + "/registries";
}

Result<FoundRegistry> findRegistry(CommandContext& ctx, const std::string& name) {
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  if (auto group = ctx.args().get("--resource-group")) {
    auto base = registriesPath(ctx, *group);
    if (!base.ok()) return base.error();
    const std::string path = *base + "/" + pathSegment(name);
    auto resource = (*api)->get(path);
    if (!resource.ok()) return resource.error();
    return FoundRegistry{std::move(*resource), path};
  }
  auto sub = ctx.subscriptionPath();
  if (!sub.ok()) return sub.error();
  auto list = (*api)->get(*sub + "/providers/" + std::string(kRegistryProvider) + "/registries");
  if (!list.ok()) return list.error();
  for (const auto& r : list->value("value", Json::array())) {
    if (lower(r.value("name", std::string())) == lower(name)) {
      std::string path = r.value("id", std::string());
      return FoundRegistry{r, std::move(path)};
    }
  }
  auto id = ctx.subscriptionId();
  return fail(Errc::kResourceNotFound,
              "The resource with name '" + name + "' and type '" + std::string(kRegistryType) +
                  "' could not be found in subscription '" + (id.ok() ? *id : std::string()) + "'.",
              "ResourceNotFound");
}

std::string loginServerOf(const Json& resource, const std::string& domain) {
  const Json props = resource.value("properties", Json::object());
  if (props.is_object()) {
    std::string server = props.value("loginServer", std::string());
    if (!server.empty()) return server;
  }
  return lower(resource.value("name", std::string())) + "." + domain;
}

OptionSpec registryNameOption() {
  return OptionSpec::value("--name", "-n", "The name of the container registry.").require();
}

OptionSpec resourceGroupOption(bool required) {
  OptionSpec o = OptionSpec::value(
      "--resource-group", "-g",
      "Name of resource group." + std::string(required ? ""
                                                       : " Optional: found from the "
                                                         "registry's name when omitted."));
  if (required) o.required = true;
  return o;
}

}  // namespace berth::cli
