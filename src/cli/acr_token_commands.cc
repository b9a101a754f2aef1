// berth acr token create | update | show | list | delete and acr token credential generate |
// delete: repository-scoped tokens (registries/{r}/tokens) and their two passwords.

#include <chrono>
#include <ctime>

#include "cli/acr_token_common.h"
#include "cli/command_table.h"
#include "cli/profile.h"
#include "cli/resource_view.h"
#include "common/rfc3339.h"

namespace berth::cli {
namespace {

constexpr std::int64_t kSecondsPerDay = 24 * 3600;

std::string formatUtc(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// --expiration-in-days N or --expiration ISO as the expiry the API takes; empty for none.
Result<std::string> expiryArgument(const ParsedOptions& args) {
  auto days = args.get("--expiration-in-days");
  auto at = args.get("--expiration");
  if (days && at) {
    return usageError("usage error: --expiration and --expiration-in-days are mutually exclusive");
  }
  if (days) {
    char* end = nullptr;
    const long n = std::strtol(days->c_str(), &end, 10);
    if (days->empty() || *end != '\0' || n <= 0 || n > 36500) {
      return usageError("argument --expiration-in-days: expected a positive number of days, got '" +
                        *days + "'");
    }
    return formatUtc(std::chrono::system_clock::now() + std::chrono::seconds(n * kSecondsPerDay));
  }
  if (at) {
    // The server reads it with the same parser, so what passes here passes there.
    if (!parseRfc3339(*at, "--expiration").ok()) {
      return usageError("argument --expiration: expected a UTC date-time such as "
                        "2026-12-31T00:00:00Z, got '" + *at + "'");
    }
    return *at;
  }
  return std::string();
}

/// POST registries/{r}/generateCredentials for the token; `which` empty = both passwords.
Result<Json> generateCredentials(const ManagementClient& api, const FoundRegistry& registry,
                                 std::string_view token, std::string_view which,
                                 const std::string& expiry) {
  Json body = {{"tokenId", tokenPath(registry, token)}};
  if (!which.empty()) body["name"] = std::string(which);
  if (!expiry.empty()) body["expiry"] = expiry;
  return api.post(registry.path + "/generateCredentials", &body);
}

Result<CommandOutput> tokenCreate(CommandContext& ctx) {
  const std::string name = *ctx.args().get("--name");
  auto scopeMap = ctx.args().get("--scope-map");
  auto actions = repositoryActions(ctx.args().repeated("--repository"), "--repository");
  if (!actions.ok()) return actions.error();
  if (scopeMap && !actions->empty()) {
    return usageError("usage error: --scope-map and --repository are mutually exclusive");
  }
  if (!scopeMap && actions->empty()) {
    return usageError("usage error: specify --scope-map, or --repository with actions");
  }
  auto expiry = expiryArgument(ctx.args());
  if (!expiry.ok()) return expiry.error();
  const bool passwords = !ctx.args().has("--no-passwords");
  if (!passwords && !expiry->empty()) {
    return usageError("usage error: --expiration applies to generated passwords; drop "
                      "--no-passwords or the expiration");
  }
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  const FoundRegistry& found = r->registry;
  std::string mapName = scopeMap.value_or(name + "-scope-map");
  if (!scopeMap) {
    // Like az: a map named after the token; never silently replace one someone else uses.
    auto existing = r->api->get(scopeMapPath(found, mapName));
    if (existing.ok()) {
      return fail(Errc::kConflict, "The scope map '" + mapName +
                                       "' already exists; pass --scope-map " + mapName +
                                       " to use it, or choose another token name.");
    }
    if (!hasApiCode(existing.error(), "ResourceNotFound")) return existing.error();
    auto made = putScopeMap(*r->api, found, mapName, *actions, "Token " + name + " scope map");
    if (!made.ok()) return made.error();
  }
  Json props = {{"scopeMapId", scopeMapPath(found, mapName)},
                {"status", ctx.args().get("--status").value_or("enabled")}};
  auto token = r->api->put(tokenPath(found, name), Json{{"properties", props}});
  if (!token.ok()) return token.error();
  Json out = std::move(*token);
  if (passwords) {
    auto creds = generateCredentials(*r->api, found, name, "", *expiry);
    if (!creds.ok()) return creds.error();
    out["properties"]["credentials"]["username"] = creds->value("username", name);
    out["properties"]["credentials"]["passwords"] = creds->value("passwords", Json::array());
    auto profile = ctx.profile();
    const std::string domain = profile.ok() ? (*profile)->domain : std::string();
    ctx.warn("Please store your generated credentials safely; the passwords cannot be shown "
             "again. Sign in with: docker login " +
             loginServerOf(found.resource, domain) + " -u " + name + " -p <password>");
  }
  return CommandOutput(flattenResource(std::move(out)));
}

Result<CommandOutput> tokenUpdate(CommandContext& ctx) {
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  Json props = Json::object();
  if (auto map = ctx.args().get("--scope-map")) props["scopeMapId"] = scopeMapPath(r->registry, *map);
  if (auto status = ctx.args().get("--status")) props["status"] = *status;
  if (props.empty()) return usageError("usage error: specify --scope-map and/or --status");
  auto result = r->api->patch(tokenPath(r->registry, *ctx.args().get("--name")),
                              Json{{"properties", props}});
  if (!result.ok()) return result.error();
  return CommandOutput(flattenResource(std::move(*result)));
}

Result<CommandOutput> tokenShow(CommandContext& ctx) {
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  auto result = r->api->get(tokenPath(r->registry, *ctx.args().get("--name")));
  if (!result.ok()) return result.error();
  return CommandOutput(flattenResource(std::move(*result)));
}

Result<CommandOutput> tokenList(CommandContext& ctx) {
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  auto result = r->api->get(r->registry.path + "/tokens");
  if (!result.ok()) return result.error();
  return CommandOutput(flattenResourceList(*result));
}

Result<CommandOutput> tokenDelete(CommandContext& ctx) {
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  const std::string name = *ctx.args().get("--name");
  return confirmAndDelete(ctx, *r->api, tokenPath(r->registry, name),
                          "Are you sure you want to delete the token '" + name + "'?");
}

/// "password1", "password2", or "" for both, from --password1/--password2.
std::string passwordChoice(const ParsedOptions& args) {
  const bool one = args.has("--password1");
  const bool two = args.has("--password2");
  if (one == two) return "";
  return one ? "password1" : "password2";
}

Result<CommandOutput> credentialGenerate(CommandContext& ctx) {
  auto expiry = expiryArgument(ctx.args());
  if (!expiry.ok()) return expiry.error();
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  auto result = generateCredentials(*r->api, r->registry, *ctx.args().get("--name"),
                                    passwordChoice(ctx.args()), *expiry);
  if (!result.ok()) return result.error();
  return CommandOutput(std::move(*result));
}

Result<CommandOutput> credentialDelete(CommandContext& ctx) {
  const std::string which = passwordChoice(ctx.args());
  if (!ctx.args().has("--password1") && !ctx.args().has("--password2")) {
    return usageError("usage error: specify --password1, --password2 or both");
  }
  auto r = registryApi(ctx);
  if (!r.ok()) return r.error();
  const std::string path = tokenPath(r->registry, *ctx.args().get("--name"));
  auto token = r->api->get(path);
  if (!token.ok()) return token.error();
  Json keep = Json::array();
  const Json credentials = (*token)["properties"].value("credentials", Json::object());
  for (const auto& p : credentials.value("passwords", Json::array())) {
    const std::string name = p.value("name", "");
    if (!which.empty() && name != which) keep.push_back({{"name", name}});
  }
  auto result = r->api->patch(
      path, Json{{"properties", {{"credentials", {{"passwords", std::move(keep)}}}}}});
  if (!result.ok()) return result.error();
  return CommandOutput(flattenResource(std::move(*result)));
}

// az's token_output_format.
Json tokenTable(const Json& value) {
  auto row = [](const Json& t) {
    std::string map = t.value("scopeMapId", "");
    map = map.substr(map.rfind('/') + 1);
    std::string expiry[2] = {" ", " "};
    const Json credentials = t.value("credentials", Json::object());
    for (const auto& p : credentials.value("passwords", Json::array())) {
      const int i = p.value("name", "") == "password2" ? 1 : 0;
      expiry[i] = p.value("expiry", std::string("Never"));
    }
    return Json{{"NAME", t.value("name", "")},
                {"SCOPE MAP", map},
                {"PASSWORD1 EXPIRY", expiry[0]},
                {"PASSWORD2 EXPIRY", expiry[1]},
                {"STATUS", t.value("status", "")},
                {"PROVISIONING STATE", t.value("provisioningState", "")},
                {"CREATION DATE", t.value("creationDate", "")}};
  };
  if (!value.is_array()) return row(value);
  Json rows = Json::array();
  for (const auto& t : value) rows.push_back(row(t));
  return rows;
}

OptionSpec nameOption() {
  return OptionSpec::value("--name", "-n", "The name of the token.").require();
}

std::vector<OptionSpec> expiryOptions() {
  return {OptionSpec::value("--expiration-in-days", "",
                            "Number of days for which the passwords are valid. Default: never "
                            "expire."),
          OptionSpec::value("--expiration", "",
                            "UTC time when the passwords expire, e.g. 2026-12-31T00:00:00Z.")};
}

std::vector<OptionSpec> withExpiry(std::vector<OptionSpec> options) {
  for (auto& o : expiryOptions()) options.push_back(std::move(o));
  return options;
}

}  // namespace

void registerAcrTokenCommands(CommandTable& table) {
  table.addGroup("acr token", "Manage tokens for a container registry.");
  table.addGroup("acr token credential", "Manage the passwords of a token.");
  const auto status = [] {
    return OptionSpec::value("--status", "", "The status of the token.")
        .oneOf({"enabled", "disabled"});
  };
  table.add(
      {.path = "acr token create",
       .summary = "Create a token associated with a scope map, and generate its passwords.",
       .options = withExpiry(
           {registryOption(), nameOption(), resourceGroupOption(false),
            OptionSpec::value("--scope-map", "", "The name of the scope map the token uses."),
            OptionSpec::repeatedList(
                "--repository", "",
                "Repository permissions (a repository followed by actions such as "
                "content/read); creates the scope map '<token>-scope-map'. Repeatable."),
            status(),
            OptionSpec::flag("--no-passwords", "", "Do not generate passwords.")}),
       .run = tokenCreate,
       .tableTransform = tokenTable});
  table.add({.path = "acr token update",
             .summary = "Update a token: its scope map or status.",
             .options = {registryOption(), nameOption(), resourceGroupOption(false),
                         OptionSpec::value("--scope-map", "", "The name of the scope map to use."),
                         status()},
             .run = tokenUpdate,
             .tableTransform = tokenTable});
  table.add({.path = "acr token show",
             .summary = "Show details of a token (never its passwords).",
             .options = {registryOption(), nameOption(), resourceGroupOption(false)},
             .run = tokenShow,
             .tableTransform = tokenTable});
  table.add({.path = "acr token list",
             .summary = "List the tokens of a container registry.",
             .options = {registryOption(), resourceGroupOption(false)},
             .run = tokenList,
             .tableTransform = tokenTable});
  table.add({.path = "acr token delete",
             .summary = "Delete a token and its passwords.",
             .options = {registryOption(), nameOption(), resourceGroupOption(false),
                         OptionSpec::flag("--yes", "-y", "Do not prompt for confirmation.")},
             .run = tokenDelete});
  const auto passwordFlags = [](std::string what) {
    return std::vector<OptionSpec>{
        OptionSpec::flag("--password1", "", "Only " + what + " password1."),
        OptionSpec::flag("--password2", "", "Only " + what + " password2.")};
  };
  std::vector<OptionSpec> generate = {registryOption(), nameOption(), resourceGroupOption(false)};
  for (auto& o : passwordFlags("generate")) generate.push_back(std::move(o));
  table.add({.path = "acr token credential generate",
             .summary = "Generate passwords for a token (shown once).",
             .options = withExpiry(std::move(generate)),
             .run = credentialGenerate});
  std::vector<OptionSpec> remove = {registryOption(), nameOption(), resourceGroupOption(false)};
  for (auto& o : passwordFlags("delete")) remove.push_back(std::move(o));
  table.add({.path = "acr token credential delete",
             .summary = "Delete a password of a token.",
             .options = std::move(remove),
             .run = credentialDelete});
}

}  // namespace berth::cli
