// berth provider register | unregister | show | list

#include "cli/command_context.h"
#include "cli/command_table.h"

namespace berth::cli {
namespace {

Result<std::string> providerPath(CommandContext& ctx) {
  auto sub = ctx.subscriptionPath();
  if (!sub.ok()) return sub.error();
  return *sub + "/providers/" + pathSegment(*ctx.args().get("--namespace"));
}

Result<CommandOutput> providerAction(CommandContext& ctx, std::string_view action) {
  auto path = providerPath(ctx);
  if (!path.ok()) return path.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->post(*path + "/" + std::string(action));
  if (!result.ok()) return result.error();
  return CommandOutput();  // az prints nothing; `provider show` reports the state
}

Result<CommandOutput> providerShow(CommandContext& ctx) {
  auto path = providerPath(ctx);
  if (!path.ok()) return path.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->get(*path);
  if (!result.ok()) return result.error();
  return CommandOutput(std::move(*result));
}

Result<CommandOutput> providerList(CommandContext& ctx) {
  auto sub = ctx.subscriptionPath();
  if (!sub.ok()) return sub.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->get(*sub + "/providers");
  if (!result.ok()) return result.error();
  return CommandOutput(result->value("value", Json::array()));
}

Json providerTable(const Json& value) {
  Json rows = Json::array();
  auto row = [](const Json& p) {
    return Json{
        {"Namespace", p.value("namespace", std::string())},
        {"RegistrationPolicy", p.value("registrationPolicy", std::string("RegistrationRequired"))},
        {"RegistrationState", p.value("registrationState", std::string())}};
  };
  if (value.is_array()) {
    for (const auto& p : value) rows.push_back(row(p));
    return rows;
  }
  return row(value);
}

OptionSpec namespaceOption() {
  return OptionSpec::value("--namespace", "-n", "The resource namespace, aka 'provider'.")
      .require();
}

}  // namespace

void registerProviderCommands(CommandTable& table) {
  table.addGroup("provider", "Manage resource providers.");
  const std::vector<OptionSpec> actionOptions = {
      namespaceOption(),
      OptionSpec::flag("--wait", "",
                       "Wait for the registration to finish (berth registers at "
                       "once)."),
      OptionSpec::flag("--consent-to-permissions", "", "Accepted for az compatibility."),
  };
  table.add({.path = "provider register",
             .summary = "Register a provider.",
             .options = actionOptions,
             .run = [](CommandContext& ctx) { return providerAction(ctx, "register"); }});
  table.add({.path = "provider unregister",
             .summary = "Unregister a provider.",
             .options = {namespaceOption(),
                         OptionSpec::flag("--wait", "", "Wait for the unregistration to finish.")},
             .run = [](CommandContext& ctx) { return providerAction(ctx, "unregister"); }});
  table.add({.path = "provider show",
             .summary = "Gets the specified resource provider.",
             .options = {namespaceOption()},
             .run = providerShow,
             .tableTransform = providerTable});
  table.add({.path = "provider list",
             .summary = "Gets all resource providers for a subscription.",
             .options = {},
             .run = providerList,
             .tableTransform = providerTable});
}

}  // namespace berth::cli
