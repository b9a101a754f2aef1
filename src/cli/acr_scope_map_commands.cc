// berth acr scope-map create | update | show | list | delete: the repository permissions that
// repository-scoped tokens carry (registries/{r}/scopeMaps).

#include <algorithm>

#include "cli/acr_token_common.h"
#include "cli/command_table.h"
#include "cli/resource_view.h"

namespace berth::cli {

Result<std::vector<std::string>> repositoryActions(
    const std::vector<std::vector<std::string>>& uses, std::string_view option) {
  std::vector<std::string> actions;
  for (const auto& use : uses) {
    if (use.size() < 2) {
      return usageError("argument " + std::string(option) +
                        ": expected a repository followed by one or more actions, e.g. " +
                        std::string(option) + " hello-world content/read content/write");
    }
    for (std::size_t i = 1; i < use.size(); ++i) {
      std::string action = "repositories/" + use[0] + "/" + use[i];
      if (std::find(actions.begin(), actions.end(), action) == actions.end()) {
        actions.push_back(std::move(action));
      }
    }
  }
  return actions;
}

std::string scopeMapPath(const FoundRegistry& registry, std::string_view name) {
  return registry.path + "/scopeMaps/" + pathSegment(name);
}

std::string tokenPath(const FoundRegistry& registry, std::string_view name) {
  return registry.path + "/tokens/" + pathSegment(name);
}

Result<Json> putScopeMap(const ManagementClient& api, const FoundRegistry& registry,
                         std::string_view name, const std::vector<std::string>& actions,
                         const std::string& description) {
  Json body = {{"properties", {{"actions", actions}, {"description", description}}}};
  return api.put(scopeMapPath(registry, name), body);
}

OptionSpec registryOption() {
  return OptionSpec::value("--registry", "-r", "The name of the container registry.").require();
}

Result<RegistryApi> registryApi(CommandContext& ctx) {
  auto found = findRegistry(ctx, registryNameArgument(ctx, "--registry"));
  if (!found.ok()) return found.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  return RegistryApi{std::move(*found), *api};
}

Result<CommandOutput> confirmAndDelete(CommandContext& ctx, const ManagementClient& api,
                                       const std::string& path, const std::string& question) {
  auto confirmed = ctx.confirm(question);
  if (!confirmed.ok()) return confirmed.error();
  if (!*confirmed) return CommandOutput();
  auto status = api.remove(path);
  if (!status.ok()) return status.error();
  return CommandOutput();
}

namespace {

// az's ScopeMap model calls properties.type typePropertiesType (the top-level type is the ARM
// resource type); keep that spelling so scripts querying it work.
Json scopeMapView(Json resource) {
  if (resource.is_object() && resource.contains("properties") &&
      resource["properties"].is_object() && resource["properties"].contains("type")) {
    resource["properties"]["typePropertiesType"] = resource["properties"]["type"];
    resource["properties"].erase("type");
  }
  return flattenResource(std::move(resource));
}

Result<CommandOutput> scopeMapCreate(CommandContext& ctx) {
  auto actions = repositoryActions(ctx.args().repeated("--repository"), "--repository");
  if (!actions.ok()) return actions.error();
  if (actions->empty()) {
    return usageError("At least one --repository with actions must be specified, e.g. "
                      "--repository hello-world content/read");
  }
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  auto result = putScopeMap(*r->api, r->registry, *ctx.args().get("--name"), *actions,
                            ctx.args().get("--description").value_or(""));
  if (!result.ok()) return result.error();
  return CommandOutput(scopeMapView(std::move(*result)));
}

Result<CommandOutput> scopeMapUpdate(CommandContext& ctx) {
  auto added = repositoryActions(ctx.args().repeated("--add-repository"), "--add-repository");
  if (!added.ok()) return added.error();
  auto removed = repositoryActions(ctx.args().repeated("--remove-repository"), "--remove-repository");
  if (!removed.ok()) return removed.error();
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  const std::string path = scopeMapPath(r->registry, *ctx.args().get("--name"));
  auto current = r->api->get(path);
  if (!current.ok()) return current.error();
  std::vector<std::string> actions;
  for (const auto& a : (*current)["properties"].value("actions", Json::array())) {
    if (a.is_string()) actions.push_back(a.get<std::string>());
  }
  for (const auto& a : *added) {
    if (std::find(actions.begin(), actions.end(), a) == actions.end()) actions.push_back(a);
  }
  std::erase_if(actions, [&](const std::string& a) {
    return std::find(removed->begin(), removed->end(), a) != removed->end();
  });
  Json props = {{"actions", actions}};
  if (auto d = ctx.args().get("--description")) props["description"] = *d;
  auto result = r->api->patch(path, Json{{"properties", props}});
  if (!result.ok()) return result.error();
  return CommandOutput(scopeMapView(std::move(*result)));
}

Result<CommandOutput> scopeMapShow(CommandContext& ctx) {
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  auto result = r->api->get(scopeMapPath(r->registry, *ctx.args().get("--name")));
  if (!result.ok()) return result.error();
  return CommandOutput(scopeMapView(std::move(*result)));
}

Result<CommandOutput> scopeMapList(CommandContext& ctx) {
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  auto result = r->api->get(r->registry.path + "/scopeMaps");
  if (!result.ok()) return result.error();
  Json list = Json::array();
  for (auto& m : (*result)["value"]) list.push_back(scopeMapView(std::move(m)));
  return CommandOutput(std::move(list));
}

Result<CommandOutput> scopeMapDelete(CommandContext& ctx) {
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  const std::string name = *ctx.args().get("--name");
  return confirmAndDelete(ctx, *r->api, scopeMapPath(r->registry, name),
                          "Are you sure you want to delete the scope map '" + name + "'?");
}

// az's scope_map_output_format.
Json scopeMapTable(const Json& value) {
  auto row = [](const Json& m) {
    return Json{{"NAME", m.value("name", "")},
                {"TYPE", m.value("typePropertiesType", "")},
                {"CREATION DATE", m.value("creationDate", "")},
                {"DESCRIPTION", m.value("description", "")}};
  };
  if (!value.is_array()) return row(value);
  Json rows = Json::array();
  for (const auto& m : value) rows.push_back(row(m));
  return rows;
}

OptionSpec nameOption() {
  return OptionSpec::value("--name", "-n", "The name of the scope map.").require();
}

}  // namespace

void registerAcrScopeMapCommands(CommandTable& table) {
  table.addGroup("acr scope-map", "Manage scope maps: the repository permissions of tokens.");
  const std::string repoHelp =
      "Repository permissions: a repository name followed by actions "
      "(content/read, content/write, content/delete, metadata/read, metadata/write). "
      "Use multiple times for several repositories.";
  table.add({.path = "acr scope-map create",
             .summary = "Create a scope map for a container registry.",
             .options = {registryOption(), nameOption(), resourceGroupOption(false),
                         OptionSpec::repeatedList("--repository", "", repoHelp),
                         OptionSpec::value("--description", "", "Description for the scope map.")},
             .run = scopeMapCreate,
             .tableTransform = scopeMapTable});
  table.add({.path = "acr scope-map update",
             .summary = "Update a scope map: add or remove repository permissions.",
             .options = {registryOption(), nameOption(), resourceGroupOption(false),
                         OptionSpec::repeatedList("--add-repository", "", repoHelp),
                         OptionSpec::repeatedList("--remove-repository", "", repoHelp),
                         OptionSpec::value("--description", "", "Description for the scope map.")},
             .run = scopeMapUpdate,
             .tableTransform = scopeMapTable});
  table.add({.path = "acr scope-map show",
             .summary = "Show details of a scope map.",
             .options = {registryOption(), nameOption(), resourceGroupOption(false)},
             .run = scopeMapShow,
             .tableTransform = scopeMapTable});
  table.add({.path = "acr scope-map list",
             .summary = "List the scope maps of a container registry (system maps included).",
             .options = {registryOption(), resourceGroupOption(false)},
             .run = scopeMapList,
             .tableTransform = scopeMapTable});
  table.add({.path = "acr scope-map delete",
             .summary = "Delete a scope map (refused while a token uses it).",
             .options = {registryOption(), nameOption(), resourceGroupOption(false),
                         OptionSpec::flag("--yes", "-y", "Do not prompt for confirmation.")},
             .run = scopeMapDelete});
}

}  // namespace berth::cli
