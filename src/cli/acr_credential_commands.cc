// berth acr credential show | renew: the registry's admin user (adminUserEnabled must be true).

#include "cli/acr_common.h"
#include "cli/command_table.h"

namespace berth::cli {
namespace {

Result<CommandOutput> credentialCall(CommandContext& ctx, std::string_view action,
                                     const Json* body) {
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  const Json props = found->resource.value("properties", Json::object());
  if (props.is_object() && !props.value("adminUserEnabled", true)) {
    // Checked here too so the hint names the command that fixes it, as az's message does.
    return fail(Errc::kInvalidParameter, "Run 'berth acr update -n " +
                                             found->resource.value("name", std::string()) +
                                             " --admin-enabled true' to enable admin first.");
  }
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->post(found->path + "/" + std::string(action), body);
  if (!result.ok()) return result.error();
  return CommandOutput(std::move(*result));
}

// az's cred_output_format.
Json credentialTable(const Json& value) {
  auto password = [&](std::size_t i) -> std::string {
    const Json list = value.value("passwords", Json::array());
    if (!list.is_array() || i >= list.size()) return " ";
    return list[i].value("value", std::string(" "));
  };
  return Json{{"USERNAME", value.value("username", std::string(" "))},
              {"PASSWORD", password(0)},
              {"PASSWORD2", password(1)}};
}

}  // namespace

void registerAcrCredentialCommands(CommandTable& table) {
  table.addGroup("acr credential", "Manage login credentials for berth container registries.");
  table.add(
      {.path = "acr credential show",
       .summary = "Get the login credentials for a container registry.",
       .options = {registryNameOption(), resourceGroupOption(false)},
       .run = [](CommandContext& ctx) { return credentialCall(ctx, "listCredentials", nullptr); },
       .tableTransform = credentialTable});
  table.add(
      {.path = "acr credential renew",
       .summary = "Regenerate login credentials for a container registry.",
       .options = {registryNameOption(), resourceGroupOption(false),
                   OptionSpec::value("--password-name", "", "The name of password to regenerate.")
                       .require()
                       .oneOf({"password", "password2"})},
       .run =
           [](CommandContext& ctx) {
             Json body = {{"name", *ctx.args().get("--password-name")}};
             return credentialCall(ctx, "regenerateCredential", &body);
           },
       .tableTransform = credentialTable});
}

}  // namespace berth::cli
