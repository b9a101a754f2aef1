// berth acr audit list: the registry's audit trail (sign-in failures, denials, pushes, deletes).

#include <charconv>

#include "cli/acr_common.h"
#include "cli/command_table.h"

namespace berth::cli {
namespace {

Result<CommandOutput> listAudit(CommandContext& ctx) {
  Json body = Json::object();
  if (auto top = ctx.args().get("--top")) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(top->data(), top->data() + top->size(), n);
    if (ec != std::errc{} || end != top->data() + top->size() || n == 0) {
      return fail(Errc::kInvalidParameter, "--top must be a positive integer, got '" + *top + "'");
    }
    body["top"] = n;
  }
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto result = (*api)->post(found->path + "/listAuditEvents", &body);
  if (!result.ok()) return result.error();
  return CommandOutput(result->value("value", Json::array()));
}

Json auditRow(const Json& event) {
  auto text = [&](const char* key) {
    std::string v = event.value(key, std::string());
    return v.empty() ? std::string("-") : v;
  };
  return Json{{"TIME", text("time")},
              {"ACTION", text("action")},
              {"OUTCOME", text("outcome")},
              {"STATUS", event.value("status", 0)},
              {"PRINCIPAL", text("principal")},
              {"KIND", text("principalKind")},
              {"CLIENT", text("clientAddress")},
              {"REPOSITORY", text("repository")},
              {"REFERENCE", text("reference")}};
}

Json auditTable(const Json& value) {
  if (!value.is_array()) return auditRow(value);
  Json rows = Json::array();
  for (const auto& event : value) rows.push_back(auditRow(event));
  return rows;
}

}  // namespace

void registerAcrAuditCommands(CommandTable& table) {
  table.addGroup("acr audit", "Show who signed in, pushed and deleted, and what was refused.");
  table.add({.path = "acr audit list",
             .summary = "List a registry's audit events, newest first.",
             .options = {registryNameOption(), resourceGroupOption(false),
                         OptionSpec::value("--top", "", "Show at most this many events (default 100).")},
             .run = listAudit,
             .tableTransform = auditTable});
}

}  // namespace berth::cli
