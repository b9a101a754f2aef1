// berth login | logout: obtain a bearer token from the management API and remember it, with the
// server's data-plane facts, in the profile.

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/account_view.h"
#include "cli/command_context.h"
#include "cli/command_table.h"

namespace berth::cli {
namespace {

constexpr std::string_view kDefaultServer = "http://127.0.0.1:5001";

struct Credentials {
  std::string username;
  std::string password;
};

std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

Result<Credentials> readCredentialsFile(const std::string& file) {
  std::ifstream in(file);
  if (!in) return fail(Errc::kInvalidParameter, "cannot read the credentials file '" + file + "'");
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_object() || !doc.contains("password") || !doc["password"].is_string()) {
    return fail(
        Errc::kInvalidParameter,
        "'" + file +
            "' is not a credentials file: expected "
            "{\"username\":...,\"password\":...} like <data_dir>/operator-credentials.json");
  }
  return Credentials{doc.value("username", std::string("admin")),
                     doc["password"].get<std::string>()};
}

Result<Credentials> gatherCredentials(CommandContext& ctx) {
  const auto& args = ctx.args();
  const int sources = (args.has("--password") ? 1 : 0) + (args.has("--password-stdin") ? 1 : 0) +
                      (args.has("--credentials-file") ? 1 : 0);
  if (sources > 1) {
    return usageError(
        "argument --password/-p, --password-stdin and --credentials-file: only one "
        "may be given");
  }
  Credentials c;
  if (auto file = args.get("--credentials-file")) {
    auto read = readCredentialsFile(*file);
    if (!read.ok()) return read.error();
    c = std::move(*read);
  }
  if (auto user = args.get("--username")) c.username = *user;
  if (auto password = args.get("--password")) c.password = *password;
  if (args.has("--password-stdin")) {
    std::string line;
    std::getline(*ctx.env().in, line);
    c.password = chomp(line);
  }
  if (c.username.empty()) {
    if (sources == 0 && ctx.env().stdinIsTty && ctx.env().prompt) {
      auto answer = ctx.env().prompt("Username: ", true);
      if (answer) c.username = chomp(*answer);
    }
    if (c.username.empty()) c.username = "admin";
  }
  if (sources == 0) {
    if (!ctx.env().stdinIsTty || !ctx.env().prompt) {
      return usageError(
          "no password given: use --password, --password-stdin or "
          "--credentials-file <data_dir>/operator-credentials.json");
    }
    auto answer = ctx.env().prompt("Password: ", false);
    if (!answer) return fail(Errc::kInvalidParameter, "no password given");
    c.password = chomp(*answer);
  }
  if (c.password.empty()) return fail(Errc::kInvalidParameter, "the password is empty");
  return c;
}

std::string bareSubscriptionId(std::string id) {
  if (std::size_t slash = id.rfind('/'); slash != std::string::npos) id = id.substr(slash + 1);
  return id;
}

Result<CommandOutput> login(CommandContext& ctx) {
  std::string server(kDefaultServer);
  if (auto s = ctx.args().get("--server")) {
    server = *s;
  } else if (auto existing = loadProfile(ctx.env().configDir);
             existing.ok() && existing->has_value()) {
    server = (*existing)->server;  // re-login keeps the server chosen before
  }
  auto url = Url::parse(server);
  if (!url.ok()) return usageError("argument --server: " + url.error().message);
  auto creds = gatherCredentials(ctx);
  if (!creds.ok()) return creds.error();

  ManagementClient basic(*url, basicAuthorization(creds->username, creds->password), ctx.http());
  auto token = basic.post("/auth/token");
  if (!token.ok()) return token.error();
  if (!token->is_object() || !token->contains("accessToken") ||
      !(*token)["accessToken"].is_string()) {
    return fail(Errc::kInternal, "the server at " + url->origin() +
                                     " answered POST /auth/token without an accessToken");
  }
  Profile profile;
  profile.server = url->origin();
  profile.accessToken = (*token)["accessToken"].get<std::string>();
  profile.expiresOn = token->value("expiresOn", std::string());
  profile.username = creds->username;

  ManagementClient bearer(*url, bearerAuthorization(profile.accessToken), ctx.http());
  auto info = bearer.get("/providers/Berth.Management/info");
  if (!info.ok()) return info.error();
  profile.domain = info->value("domain", std::string());
  for (const auto& a : info->value("dataPlane", Json::array())) {
    if (a.is_string()) profile.dataPlane.push_back(a.get<std::string>());
  }
  auto subs = bearer.get("/subscriptions");
  if (!subs.ok()) return subs.error();
  const Json list = subs->value("value", Json::array());
  profile.subscription = bareSubscriptionId(info->value("defaultSubscription", std::string()));
  if (profile.subscription.empty() && !list.empty()) {
    profile.subscription = list.front().value("subscriptionId", std::string());
  }
  BERTH_TRY(saveProfile(ctx.env().configDir, profile));

  Json out = Json::array();
  for (const auto& sub : list) {
    const bool isDefault = sub.value("subscriptionId", std::string()) == profile.subscription;
    out.push_back(accountView(sub, isDefault, profile.username, AccountField::kCloudName));
  }
  return CommandOutput(std::move(out));
}

Result<CommandOutput> logout(CommandContext& ctx) {
  auto removed = removeProfile(ctx.env().configDir);
  if (!removed.ok()) return removed.error();
  if (!*removed) return fail(Errc::kResourceNotFound, "There are no active accounts.");
  return CommandOutput();
}

}  // namespace

void registerLoginCommands(CommandTable& table) {
  table.add({.path = "login",
             .summary = "Log in to a berth management API.",
             .options =
                 {
                     OptionSpec::value("--server", "",
                                       "Management API URL. Default: the "
                                       "profile's server, else " +
                                           std::string(kDefaultServer) + "."),
                     OptionSpec::value("--username", "-u", "Operator name. Default: admin."),
                     OptionSpec::value("--password", "-p",
                                       "Operator password (visible in the "
                                       "process list; prefer "
                                       "--password-stdin)."),
                     OptionSpec::flag("--password-stdin", "", "Read the password from stdin."),
                     OptionSpec::value("--credentials-file", "",
                                       "Read username and password from a JSON file such as "
                                       "the daemon's <data_dir>/operator-credentials.json."),
                 },
             .run = login,
             .longHelp = "Stores the token in $BERTH_CONFIG_DIR/profile.json (default "
                         "~/.config/berth/profile.json, mode 0600)\nand prints the "
                         "subscriptions, the default one marked isDefault."});
  table.add({.path = "logout",
             .summary = "Log out to remove access to the berth management API.",
             .options = {},
             .run = logout});
}

}  // namespace berth::cli
