// berth group create | show | delete | list | exists | update. Resource groups keep `properties`
// nested, as az prints them.

#include "cli/command_context.h"
#include "cli/command_table.h"
#include "cli/resource_view.h"

namespace berth::cli {
namespace {

Result<std::string> groupPath(CommandContext& ctx) {
  auto sub = ctx.subscriptionPath();
  if (!sub.ok()) return sub.error();
  return *sub + "/resourcegroups/" + pathSegment(*ctx.args().get("--name"));
}

Result<CommandOutput> groupCreate(CommandContext& ctx) {
  auto path = groupPath(ctx);
  if (!path.ok()) return path.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  Json body = {{"location", *ctx.args().get("--location")}};
  body["tags"] = parseTags(ctx.args().list("--tags").value_or(std::vector<std::string>{}));
  if (auto managedBy = ctx.args().get("--managed-by")) body["managedBy"] = *managedBy;
  auto result = (*api)->put(*path, body);
  if (!result.ok()) return result.error();
  return CommandOutput(std::move(*result));
}

Result<CommandOutput> groupShow(CommandContext& ctx) {
  auto path = groupPath(ctx);
  if (!path.ok()) return path.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->get(*path);
  if (!result.ok()) return result.error();
  return CommandOutput(std::move(*result));
}

Result<CommandOutput> groupDelete(CommandContext& ctx) {
  auto path = groupPath(ctx);
  if (!path.ok()) return path.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto confirmed = ctx.confirm("Are you sure you want to perform this operation?");
  if (!confirmed.ok()) return confirmed.error();
  if (!*confirmed) return CommandOutput();
  auto status = (*api)->remove(*path);
  if (!status.ok()) return status.error();
  return CommandOutput();
}

Result<CommandOutput> groupList(CommandContext& ctx) {
  auto sub = ctx.subscriptionPath();
  if (!sub.ok()) return sub.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->get(*sub + "/resourcegroups");
  if (!result.ok()) return result.error();
  Json groups = result->value("value", Json::array());
  if (auto tag = ctx.args().get("--tag")) {
    // az's --tag filter: "k=v" matches that value, "k" any group carrying the tag.
    std::size_t eq = tag->find('=');
    const std::string key = tag->substr(0, eq);
    Json kept = Json::array();
    for (const auto& g : groups) {
      const Json tags = g.value("tags", Json::object());
      if (!tags.is_object() || !tags.contains(key)) continue;
      if (eq != std::string::npos && tags[key] != tag->substr(eq + 1)) continue;
      kept.push_back(g);
    }
    groups = std::move(kept);
  }
  return CommandOutput(std::move(groups));
}

Result<CommandOutput> groupExists(CommandContext& ctx) {
  auto path = groupPath(ctx);
  if (!path.ok()) return path.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->get(*path);
  if (result.ok()) return CommandOutput(Json(true));
  if (result.error().code == Errc::kResourceNotFound) return CommandOutput(Json(false));
  return result.error();
}

// az's generic --set: "a.b=value", the value parsed as JSON when it is JSON, else a string.
Status applySet(Json& target, const std::string& assignment) {
  std::size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return usageError("argument --set: expected KEY=VALUE, got '" + assignment + "'");
  }
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  Json value = Json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;
  Json* node = &target;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = path.find('.', start);
    std::string key =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) return usageError("argument --set: empty name in '" + path + "'");
    if (!node->is_object()) {
      return fail(Errc::kInvalidParameter, "Couldn't find '" + key + "' in '" + path + "'.");
    }
    if (dot == std::string::npos) {
      (*node)[key] = std::move(value);
      return okStatus();
    }
    if (!node->contains(key) || (*node)[key].is_null()) (*node)[key] = Json::object();
    node = &(*node)[key];
    start = dot + 1;
  }
}

Result<CommandOutput> groupUpdate(CommandContext& ctx) {
  auto path = groupPath(ctx);
  if (!path.ok()) return path.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto current = (*api)->get(*path);
  if (!current.ok()) return current.error();
  Json updated = *current;
  if (auto tags = ctx.args().list("--tags")) updated["tags"] = parseTags(*tags);
  for (const auto& assignment : ctx.args().list("--set").value_or(std::vector<std::string>{})) {
    BERTH_TRY(applySet(updated, assignment));
  }
  // PATCH only what changed, so a concurrent update of another field is not overwritten.
  Json patch = Json::object();
  for (auto it = updated.begin(); it != updated.end(); ++it) {
    if (!current->contains(it.key()) || (*current)[it.key()] != it.value()) {
      patch[it.key()] = it.value();
    }
  }
  if (patch.empty()) return CommandOutput(std::move(*current));
  auto result = (*api)->patch(*path, patch);
  if (!result.ok()) return result.error();
  return CommandOutput(std::move(*result));
}

Json groupTable(const Json& value) {
  auto row = [](const Json& g) {
    Json props = g.value("properties", Json::object());
    return Json{{"Name", g.value("name", std::string())},
                {"Location", g.value("location", std::string())},
                {"Status", props.is_object() ? props.value("provisioningState", std::string())
                                             : std::string()}};
  };
  if (!value.is_array()) return row(value);
  Json rows = Json::array();
  for (const auto& g : value) rows.push_back(row(g));
  return rows;
}

OptionSpec nameOption() {
  return OptionSpec::value("--name", "-n", "Name of resource group.").require();
}

}  // namespace

void registerGroupCommands(CommandTable& table) {
  table.addGroup("group", "Manage resource groups and template deployments.");
  table.add({.path = "group create",
             .summary = "Create a new resource group.",
             .options = {nameOption(),
                         OptionSpec::value("--location", "-l", "Location, e.g. eastus.").require(),
                         OptionSpec::list("--tags", "",
                                          "Space-separated tags: key[=value] "
                                          "[key[=value] ...]. Use \"\" to clear "
                                          "existing tags."),
                         OptionSpec::value("--managed-by", "",
                                           "The ID of the resource that "
                                           "manages this resource group.")},
             .run = groupCreate});
  table.add({.path = "group show",
             .summary = "Gets a resource group.",
             .options = {nameOption()},
             .run = groupShow,
             .tableTransform = groupTable});
  table.add(
      {.path = "group delete",
       .summary = "Delete a resource group and everything in it.",
       .options = {nameOption(), OptionSpec::flag("--yes", "-y", "Do not prompt for confirmation."),
                   OptionSpec::flag("--no-wait", "",
                                    "Do not wait for the long-running "
                                    "operation to finish (berth deletes "
                                    "at once).")},
       .run = groupDelete});
  table.add({.path = "group list",
             .summary = "List resource groups.",
             .options = {OptionSpec::value("--tag", "", "A single tag in 'key[=value]' format.")},
             .run = groupList,
             .tableTransform = groupTable});
  table.add({.path = "group exists",
             .summary = "Check if a resource group exists.",
             .options = {nameOption()},
             .run = groupExists});
  table.add({.path = "group update",
             .summary = "Update a resource group.",
             .options = {nameOption(),
                         OptionSpec::list("--tags", "",
                                          "Space-separated tags: key[=value] "
                                          "[key[=value] ...]. Use \"\" to clear "
                                          "existing tags."),
                         OptionSpec::list("--set", "",
                                          "Update an object by specifying a "
                                          "property path and value to set, e.g. "
                                          "tags.env=prod.")},
             .run = groupUpdate,
             .tableTransform = groupTable});
}

}  // namespace berth::cli
