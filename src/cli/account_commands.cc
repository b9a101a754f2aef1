// berth account show | list | set

#include <algorithm>
#include <cctype>

#include "cli/account_view.h"
#include "cli/command_context.h"
#include "cli/command_table.h"

namespace berth::cli {

Json accountView(const Json& subscription, bool isDefault, const std::string& username,
                 AccountField cloudField) {
  const std::string tenant = subscription.value("tenantId", std::string());
  Json out = Json::object();
  out[cloudField == AccountField::kCloudName ? "cloudName" : "environmentName"] = "berth";
  out["homeTenantId"] = tenant;
  out["id"] = subscription.value("subscriptionId", std::string());
  out["isDefault"] = isDefault;
  out["managedByTenants"] = Json::array();
  out["name"] = subscription.value("displayName", std::string());
  out["state"] = subscription.value("state", std::string("Enabled"));
  out["tenantId"] = tenant;
  out["user"] = {{"name", username}, {"type", "user"}};
  return out;
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<CommandOutput> accountShow(CommandContext& ctx) {
  auto profile = ctx.profile();
  if (!profile.ok()) return profile.error();
  auto path = ctx.subscriptionPath();
  if (!path.ok()) return path.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto sub = (*api)->get(*path);
  if (!sub.ok()) return sub.error();
  const bool isDefault =
      lower(sub->value("subscriptionId", std::string())) == lower((*profile)->subscription);
  return CommandOutput(
      accountView(*sub, isDefault, (*profile)->username, AccountField::kEnvironmentName));
}

Result<CommandOutput> accountList(CommandContext& ctx) {
  auto profile = ctx.profile();
  if (!profile.ok()) return profile.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto list = (*api)->get("/subscriptions");
  if (!list.ok()) return list.error();
  Json out = Json::array();
  for (const auto& sub : list->value("value", Json::array())) {
    const bool isDefault =
        lower(sub.value("subscriptionId", std::string())) == lower((*profile)->subscription);
    out.push_back(accountView(sub, isDefault, (*profile)->username, AccountField::kCloudName));
  }
  return CommandOutput(std::move(out));
}

Result<CommandOutput> accountSet(CommandContext& ctx) {
  auto profile = ctx.profile();
  if (!profile.ok()) return profile.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto list = (*api)->get("/subscriptions");
  if (!list.ok()) return list.error();
  std::string wanted = lower(*ctx.args().get("--subscription"));
  if (wanted.starts_with("/subscriptions/")) wanted = wanted.substr(15);
  for (const auto& sub : list->value("value", Json::array())) {
    const std::string id = sub.value("subscriptionId", std::string());
    if (lower(id) == wanted || lower(sub.value("displayName", std::string())) == wanted) {
      Profile updated = **profile;
      updated.subscription = id;
      BERTH_TRY(saveProfile(ctx.env().configDir, updated));
      return CommandOutput();
    }
  }
  return fail(Errc::kResourceNotFound, "The subscription of '" + *ctx.args().get("--subscription") +
                                           "' doesn't exist in cloud 'berth'.");
}

// az's transform_account_list.
Json accountTable(const Json& value) {
  auto row = [](const Json& a) {
    return Json{{"Name", a.value("name", std::string())},
                {"CloudName", a.value("cloudName", a.value("environmentName", std::string()))},
                {"SubscriptionId", a.value("id", std::string())},
                {"TenantId", a.value("tenantId", std::string())},
                {"State", a.value("state", std::string())},
                {"IsDefault", a.value("isDefault", false)}};
  };
  if (!value.is_array()) return row(value);
  Json rows = Json::array();
  for (const auto& a : value) rows.push_back(row(a));
  return rows;
}

}  // namespace

void registerAccountCommands(CommandTable& table) {
  table.addGroup("account", "Manage subscription information.");
  table.add({.path = "account show",
             .summary = "Get the details of a subscription.",
             .options = {},
             .run = accountShow,
             .tableTransform = accountTable});
  table.add({.path = "account list",
             .summary = "Get a list of subscriptions for the logged in account.",
             .options = {OptionSpec::flag("--all", "",
                                          "List all subscriptions (accepted; berth "
                                          "lists every subscription anyway)."),
                         OptionSpec::flag("--refresh", "",
                                          "Retrieve up-to-date subscriptions "
                                          "from the server (always done).")},
             .run = accountList,
             .tableTransform = accountTable});
  table.add({.path = "account set",
             .summary = "Set a subscription to be the current active subscription.",
             .options = {OptionSpec::value("--subscription", "-s", "Name or ID of subscription.")
                             .require()},
             .run = accountSet});
}

}  // namespace berth::cli
