// berth acr create | show | list | update | delete | check-name | show-usage | show-endpoints.
// Registries print flattened (properties at the top level, plus resourceGroup), as az's do.

#include "cli/acr_common.h"
#include "cli/command_table.h"
#include "cli/resource_view.h"

namespace berth::cli {
namespace {

const std::vector<std::string> kSkus = {"Basic", "Standard", "Premium"};

// The property options create and update share, mapped onto the REST body.
std::vector<OptionSpec> propertyOptions() {
  return {
      OptionSpec::boolean("--admin-enabled", "", "Indicates whether the admin user is enabled."),
      OptionSpec::boolean("--public-network-enabled", "",
                          "Allow public network access for the container registry."),
      OptionSpec::value("--default-action", "",
                        "Default action to apply when no rule matches. "
                        "Only applicable to Premium SKU.")
          .oneOf({"Allow", "Deny"}),
      OptionSpec::boolean("--allow-trusted-services", "",
                          "Allow trusted services to access the network restricted registry."),
      OptionSpec::boolean("--data-endpoint-enabled", "",
                          "Enable dedicated data endpoint for "
                          "client content download."),
      OptionSpec::boolean("--anonymous-pull-enabled", "",
                          "Enable registry-wide pull from "
                          "unauthenticated clients."),
      OptionSpec::list("--tags", "",
                       "Space-separated tags: key[=value] [key[=value] ...]. Use "
                       "\"\" to clear existing tags."),
  };
}

// Sets body.properties (and tags) from the property options; `current` is the registry's present
// properties, so a partial networkRuleSet change keeps its ipRules.
void applyPropertyOptions(const ParsedOptions& args, const Json& current, Json& body) {
  Json& props = body["properties"];
  if (!props.is_object()) props = Json::object();
  if (auto v = args.boolean("--admin-enabled")) props["adminUserEnabled"] = *v;
  if (auto v = args.boolean("--public-network-enabled")) {
    props["publicNetworkAccess"] = *v ? "Enabled" : "Disabled";
  }
  if (auto v = args.get("--default-action")) {
    Json rules = current.value("networkRuleSet", Json::object());
    if (!rules.is_object()) rules = Json::object();
    rules["defaultAction"] = *v;
    props["networkRuleSet"] = std::move(rules);
  }
  if (auto v = args.boolean("--allow-trusted-services")) {
    props["networkRuleBypassOptions"] = *v ? "AzureServices" : "None";
  }
  if (auto v = args.boolean("--data-endpoint-enabled")) props["dataEndpointEnabled"] = *v;
  if (auto v = args.boolean("--anonymous-pull-enabled")) props["anonymousPullEnabled"] = *v;
  if (auto tags = args.list("--tags")) body["tags"] = parseTags(*tags);
  if (props.empty()) body.erase("properties");
}

Result<CommandOutput> acrCreate(CommandContext& ctx) {
  const std::string name = *ctx.args().get("--name");
  if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return fail(Errc::kInvalidParameter, "argument error: Registry name must use only lowercase.");
  }
  auto base = registriesPath(ctx, *ctx.args().get("--resource-group"));
  if (!base.ok()) return base.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  Json body = Json::object();
  if (auto location = ctx.args().get("--location")) body["location"] = *location;
  body["sku"] = {{"name", *ctx.args().get("--sku")}};
  body["properties"] = {{"adminUserEnabled", false}};  // az sends it explicitly
  applyPropertyOptions(ctx.args(), Json::object(), body);
  if (!body.contains("tags")) body["tags"] = Json::object();
  if (auto zone = ctx.args().get("--zone-redundancy")) {
    body["properties"]["zoneRedundancy"] = *zone;
  }
  auto result = (*api)->put(*base + "/" + pathSegment(name), body);
  if (!result.ok()) return result.error();
  return CommandOutput(flattenResource(std::move(*result)));
}

Result<CommandOutput> acrShow(CommandContext& ctx) {
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  return CommandOutput(flattenResource(std::move(found->resource)));
}

Result<CommandOutput> acrList(CommandContext& ctx) {
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  std::string path;
  if (auto group = ctx.args().get("--resource-group")) {
    auto base = registriesPath(ctx, *group);
    if (!base.ok()) return base.error();
    path = *base;
  } else {
    auto sub = ctx.subscriptionPath();
    if (!sub.ok()) return sub.error();
    path = *sub + "/providers/" + std::string(kRegistryProvider) + "/registries";
  }
  auto result = (*api)->get(path);
  if (!result.ok()) return result.error();
  return CommandOutput(flattenResourceList(*result));
}

Result<CommandOutput> acrUpdate(CommandContext& ctx) {
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  Json body = Json::object();
  if (auto sku = ctx.args().get("--sku")) body["sku"] = {{"name", *sku}};
  applyPropertyOptions(ctx.args(), found->resource.value("properties", Json::object()), body);
  if (body.empty()) return CommandOutput(flattenResource(std::move(found->resource)));
  auto result = (*api)->patch(found->path, body);
  if (!result.ok()) return result.error();
  return CommandOutput(flattenResource(std::move(*result)));
}

Result<CommandOutput> acrDelete(CommandContext& ctx) {
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto confirmed = ctx.confirm("Are you sure you want to perform this operation?");
  if (!confirmed.ok()) return confirmed.error();
  if (!*confirmed) return CommandOutput();
  auto status = (*api)->remove(found->path);
  if (!status.ok()) return status.error();
  return CommandOutput();
}

Result<CommandOutput> acrCheckName(CommandContext& ctx) {
  auto sub = ctx.subscriptionPath();
  if (!sub.ok()) return sub.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  Json body = {{"name", *ctx.args().get("--name")}, {"type", std::string(kRegistryType)}};
  auto result = (*api)->post(
      *sub + "/providers/" + std::string(kRegistryProvider) + "/checkNameAvailability", &body);
  if (!result.ok()) return result.error();
  Json out = std::move(*result);
  // az prints all three fields, null when the service leaves them out.
  for (const char* key : {"message", "nameAvailable", "reason"}) {
    if (!out.contains(key)) out[key] = nullptr;
  }
  return CommandOutput(std::move(out));
}

Result<CommandOutput> acrShowUsage(CommandContext& ctx) {
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->get(found->path + "/listUsages");
  if (!result.ok()) return result.error();
  return CommandOutput(Json{{"value", result->value("value", Json::array())}});
}

Result<CommandOutput> acrShowEndpoints(CommandContext& ctx) {
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  auto profile = ctx.profile();
  if (!profile.ok()) return profile.error();
  const Json& r = found->resource;
  const Json props = r.value("properties", Json::object());
  Json endpoints = Json::array();
  if (props.value("dataEndpointEnabled", false)) {
    for (const auto& host : props.value("dataEndpointHostNames", Json::array())) {
      if (!host.is_string()) continue;
      const std::string h = host.get<std::string>();
      // <name>.<region>.data.<domain>: the region is the second label, as az reads it.
      std::size_t first = h.find('.');
      std::size_t second = first == std::string::npos ? first : h.find('.', first + 1);
      std::string region =
          second == std::string::npos ? std::string() : h.substr(first + 1, second - first - 1);
      endpoints.push_back({{"region", region}, {"endpoint", h}});
    }
  } else {
    // berth serves blobs from the login server itself; there is no separate storage endpoint.
    endpoints.push_back({{"region", r.value("location", std::string())},
                         {"endpoint", loginServerOf(r, (*profile)->domain)}});
  }
  return CommandOutput(Json{{"loginServer", loginServerOf(r, (*profile)->domain)},
                            {"dataEndpoints", std::move(endpoints)}});
}

// az's registry_output_format.
Json registryTable(const Json& value) {
  auto text = [](const Json& v) -> std::string {
    if (v.is_null()) return " ";
    if (v.is_string()) return v.get<std::string>().empty() ? " " : v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
    return v.dump();
  };
  auto row = [&](const Json& r) {
    const Json sku = r.value("sku", Json::object());
    return Json{{"NAME", text(r.value("name", Json()))},
                {"RESOURCE GROUP", text(r.value("resourceGroup", Json()))},
                {"LOCATION", text(r.value("location", Json()))},
                {"SKU", text(sku.is_object() ? sku.value("name", Json()) : Json())},
                {"LOGIN SERVER", text(r.value("loginServer", Json()))},
                {"CREATION DATE", text(r.value("creationDate", Json()))},
                {"ADMIN ENABLED", text(r.value("adminUserEnabled", Json()))}};
  };
  if (!value.is_array()) return row(value);
  Json rows = Json::array();
  for (const auto& r : value) rows.push_back(row(r));
  return rows;
}

// az's usage_output_format: the rows of {"value":[...]}.
Json usageTable(const Json& value) {
  Json rows = Json::array();
  auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  for (const auto& u : value.value("value", Json::array())) {
    rows.push_back({{"NAME", text(u.value("name", Json("")))},
                    {"USED", text(u.value("currentValue", Json("")))},
                    {"LIMIT", text(u.value("limit", Json("")))},
                    {"UNIT", text(u.value("unit", Json("")))}});
  }
  return rows;
}

}  // namespace

void registerAcrCommands(CommandTable& table) {
  table.addGroup("acr", "Manage private registries with berth container registries.");

  std::vector<OptionSpec> create = {
      registryNameOption(),
      resourceGroupOption(true),
      OptionSpec::value("--sku", "", "The SKU of the container registry.").require().oneOf(kSkus),
      OptionSpec::value("--location", "-l", "Location. Default: the resource group's location."),
      OptionSpec::value("--zone-redundancy", "", "Indicates whether zone redundancy is enabled.")
          .oneOf({"Disabled", "Enabled"}),
  };
  for (auto& o : propertyOptions()) create.push_back(std::move(o));
  table.add({.path = "acr create",
             .summary = "Create a container registry.",
             .options = std::move(create),
             .run = acrCreate,
             .tableTransform = registryTable});

  table.add({.path = "acr show",
             .summary = "Get the details of a container registry.",
             .options = {registryNameOption(), resourceGroupOption(false)},
             .run = acrShow,
             .tableTransform = registryTable});
  table.add({.path = "acr list",
             .summary = "List all container registries under the current subscription.",
             .options = {resourceGroupOption(false)},
             .run = acrList,
             .tableTransform = registryTable});

  std::vector<OptionSpec> update = {
      registryNameOption(),
      resourceGroupOption(false),
      OptionSpec::value("--sku", "", "The SKU of the container registry.").oneOf(kSkus),
  };
  for (auto& o : propertyOptions()) update.push_back(std::move(o));
  table.add({.path = "acr update",
             .summary = "Update a container registry.",
             .options = std::move(update),
             .run = acrUpdate,
             .tableTransform = registryTable});

  table.add({.path = "acr delete",
             .summary = "Delete a container registry.",
             .options = {registryNameOption(), resourceGroupOption(false),
                         OptionSpec::flag("--yes", "-y", "Do not prompt for confirmation.")},
             .run = acrDelete});
  table.add({.path = "acr check-name",
             .summary = "Checks if a container registry name is valid and available for use.",
             .options = {registryNameOption()},
             .run = acrCheckName});
  table.add({.path = "acr show-usage",
             .summary = "Get the storage usage and limits of a container registry.",
             .options = {registryNameOption(), resourceGroupOption(false)},
             .run = acrShowUsage,
             .tableTransform = usageTable});
  table.add({.path = "acr show-endpoints",
             .summary = "Display registry endpoints.",
             .options = {registryNameOption(), resourceGroupOption(false)},
             .run = acrShowEndpoints});
}

}  // namespace berth::cli
