// berth acr login: as az acr login does, trade the signed-in operator's management token for a
// registry refresh token (POST /oauth2/exchange on the login server) and store it where docker,
// podman, skopeo and buildah read credentials; or print it (--expose-token); or store given
// credentials after checking them (--username/--password). When the exchange is refused and the
// registry's admin user is enabled, the admin credentials are stored instead, with a warning.

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>

#include "cli/acr_common.h"
#include "cli/command_table.h"
#include "cli/registry_auth_files.h"
#include "cli/registry_client.h"

namespace berth::cli {
namespace {

/// The username that tells the registry "the password is a refresh token", as in ACR.
constexpr std::string_view kRefreshTokenUser = "00000000-0000-0000-0000-000000000000";

struct LoginCredentials {
  std::string username;
  std::string password;
};

/// application/x-www-form-urlencoded value: percent-encoding everything but the unreserved
/// characters (what pathSegment does) is valid here too.
std::string formEncode(std::string_view text) { return pathSegment(text); }

/// "(CODE) message" from a distribution error body, else "HTTP <status>".
std::string dataPlaneReason(const HttpResponse& res) {
  auto doc = nlohmann::json::parse(res.body, nullptr, false);
  if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array() &&
      !doc["errors"].empty() && doc["errors"][0].is_object()) {
    const auto& e = doc["errors"][0];
    std::string text = "(" + e.value("code", std::string("UNKNOWN")) + ")";
    if (std::string message = e.value("message", std::string()); !message.empty()) {
      text += " " + message;
    }
    return text;
  }
  std::string text = "HTTP " + std::to_string(res.status);
  if (!res.reason.empty()) text += " " + res.reason;
  return text;
}

/// A refusal by the registry, as opposed to not reaching it: Error::detail carries the status.
Error refused(const std::string& loginServer, const HttpResponse& res) {
  std::string message = "Login to " + loginServer + " was refused: " + dataPlaneReason(res);
  if (res.status == 429) {
    message += "; too many failed attempts, retry after " +
               res.header("Retry-After").value_or("a few") + " seconds";
  }
  const Errc code = res.status == 401   ? Errc::kUnauthorized
                    : res.status == 403 ? Errc::kDenied
                                        : Errc::kUnavailable;
  return makeError(code, message + ".", std::to_string(res.status));
}

/// An error from refused(): the registry answered with an error status.
bool isRefusal(const Error& e) {
  return e.detail.size() == 3 && (e.detail[0] == '4' || e.detail[0] == '5') &&
         std::all_of(e.detail.begin(), e.detail.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class LoginServerClient {
 public:
  LoginServerClient(DataPlaneRoute route, const HttpClient& http)
      : route_(std::move(route)), http_(&http) {}

  /// POST /oauth2/exchange with the management token; the refresh token it returns.
  Result<std::string> exchange(const std::string& managementToken) {
    HttpRequest req;
    req.method = "POST";
    req.target = "/oauth2/exchange";
    req.setHeader("Content-Type", "application/x-www-form-urlencoded");
    req.setHeader("Accept", "application/json");
    req.body = "grant_type=access_token&service=" + formEncode(route_.loginServer) +
               "&access_token=" + formEncode(managementToken);
    auto res = send(req);
    if (!res.ok()) return res.error();
    if (res->status != 200) return refused(route_.loginServer, *res);
    auto doc = nlohmann::json::parse(res->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("refresh_token") || !doc["refresh_token"].is_string() ||
        doc["refresh_token"].get<std::string>().empty()) {
      return makeError(
          Errc::kInternal,
          route_.loginServer + " answered POST /oauth2/exchange without a refresh_token", "200");
    }
    return doc["refresh_token"].get<std::string>();
  }

  /// GET /oauth2/token with Basic credentials: accepted (200) or refused.
  Status verify(const LoginCredentials& creds) {
    HttpRequest req;
    req.target = "/oauth2/token?service=" + formEncode(route_.loginServer);
    req.setHeader("Authorization", basicAuthorization(creds.username, creds.password));
    req.setHeader("Accept", "application/json");
    auto res = send(req);
    if (!res.ok()) return res.error();
    if (res->status != 200) return refused(route_.loginServer, *res);
    return okStatus();
  }

 private:
  Result<HttpResponse> send(const HttpRequest& req) {
    auto res = http_->send(route_.endpoint, req);
    if (!res.ok()) {
      return fail(Errc::kUnavailable,
                  "Could not reach the login server " + route_.endpoint.describe(req.target) +
                      " (" + res.error().message + "). Is 'berth serve' running?",
                  res.error().detail);
    }
    return res;
  }

  DataPlaneRoute route_;
  const HttpClient* http_;
};

/// --username/--password, the password prompted for on a terminal when only the name is given.
Result<std::optional<LoginCredentials>> givenCredentials(CommandContext& ctx) {
  auto user = ctx.args().get("--username");
  auto password = ctx.args().get("--password");
  if (!user && !password) return std::optional<LoginCredentials>{};
  if (ctx.args().has("--expose-token")) {
    return usageError("`--expose-token` cannot be combined with `--username` or `--password`.");
  }
  if (!user) return usageError("argument --password/-p: --username/-u is required with it");
  if (!password) {
    if (!ctx.env().stdinIsTty || !ctx.env().prompt) {
      return usageError("argument --username/-u: no password given; use --password/-p");
    }
    auto answer = ctx.env().prompt("Password: ", false);
    if (!answer || answer->empty()) return fail(Errc::kInvalidParameter, "the password is empty");
    password = *answer;
  }
  return std::optional<LoginCredentials>(LoginCredentials{*user, *password});
}

/// The admin user's first password (listCredentials), for the fallback az also makes.
Result<LoginCredentials> adminCredentials(CommandContext& ctx, const FoundRegistry& found) {
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto creds = (*api)->post(found.path + "/listCredentials");
  if (!creds.ok()) return creds.error();
  const Json passwords = creds->value("passwords", Json::array());
  if (!passwords.is_array() || passwords.empty() || !passwords[0].is_object()) {
    return fail(Errc::kInternal, "listCredentials returned no password");
  }
  return LoginCredentials{creds->value("username", found.resource.value("name", std::string())),
                          passwords[0].value("value", std::string())};
}

const char* env(const char* name) { return std::getenv(name); }

/// Writes the credentials to docker's config and to the containers auth file, both prepared
/// before either is written so a malformed file changes nothing.
Status storeCredentials(CommandContext& ctx, const std::string& loginServer,
                        const LoginCredentials& creds) {
  const auto dockerFile = dockerConfigFile(env("DOCKER_CONFIG"), env("HOME"));
  const char* explicitAuthFile = env("REGISTRY_AUTH_FILE");
  const auto containersFile =
      containersAuthFile(explicitAuthFile, env("XDG_RUNTIME_DIR"), ::getuid());
  auto docker = prepareAuthFileUpdate(dockerFile, loginServer, creds.username, creds.password);
  if (!docker.ok()) return docker.error();
  auto containers =
      prepareAuthFileUpdate(containersFile, loginServer, creds.username, creds.password);
  if (!containers.ok()) return containers.error();
  BERTH_TRY(writeAuthFile(*docker));
  if (docker->path != containers->path) {
    auto written = writeAuthFile(*containers);
    if (!written.ok()) {
      // The default location may not be writable for this user (no XDG_RUNTIME_DIR); docker's
      // login stands. A file the user named is another matter.
      if (explicitAuthFile != nullptr && *explicitAuthFile != '\0') return written;
      ctx.warn("podman, skopeo and buildah will not see this login: " + written.error().message +
               " (set REGISTRY_AUTH_FILE to choose another file)");
    }
  }
  for (const auto& note : docker->notes) ctx.warn(note);
  for (const auto& note : containers->notes) ctx.warn(note);
  return okStatus();
}

Result<CommandOutput> acrLogin(CommandContext& ctx) {
  auto given = givenCredentials(ctx);
  if (!given.ok()) return given.error();
  const bool exposeToken = ctx.args().has("--expose-token");
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  auto profile = ctx.profile();
  if (!profile.ok()) return profile.error();
  const std::string loginServer = loginServerOf(found->resource, (*profile)->domain);
  auto route = routeToLoginServer(loginServer, **profile);
  if (!route.ok()) return route.error();
  LoginServerClient registry(*route, ctx.http());

  LoginCredentials creds;
  if (*given) {
    BERTH_TRY(registry.verify(**given));
    creds = std::move(**given);
  } else {
    auto refresh = registry.exchange((*profile)->accessToken);
    if (refresh.ok()) {
      if (exposeToken) {
        ctx.warn(
            "You can perform manual login using the provided access token below, for "
            "example: 'docker login " +
            loginServer + " -u " + std::string(kRefreshTokenUser) + " -p <accessToken>'");
        return CommandOutput(Json{{"accessToken", *refresh}, {"loginServer", loginServer}});
      }
      creds = {std::string(kRefreshTokenUser), std::move(*refresh)};
    } else {
      // Not reaching the registry, or a reply that makes no sense, is not a refusal.
      if (!isRefusal(refresh.error())) return refresh.error();
      const Json props = found->resource.value("properties", Json::object());
      const bool adminEnabled = props.is_object() && props.value("adminUserEnabled", false);
      const std::string name = found->resource.value("name", std::string());
      if (exposeToken || !adminEnabled) {
        std::string message = refresh.error().message;
        if (!exposeToken) {
          message += " The admin user of '" + name +
                     "' is disabled, so there is nothing to fall back to: log in with "
                     "--username/--password, or enable it with 'berth acr update -n " +
                     name + " --admin-enabled true'.";
        }
        return makeError(refresh.error().code, std::move(message), refresh.error().detail);
      }
      ctx.warn("Unable to get a refresh token for " + loginServer + ": " + refresh.error().message +
               " Logging in with the admin user's credentials.");
      auto admin = adminCredentials(ctx, *found);
      if (!admin.ok()) return admin.error();
      creds = std::move(*admin);
    }
  }
  BERTH_TRY(storeCredentials(ctx, loginServer, creds));
  ctx.out() << "Login Succeeded\n";
  return CommandOutput();
}

}  // namespace

void registerAcrLoginCommands(CommandTable& table) {
  table.add(
      {.path = "acr login",
       .summary = "Log in to a berth container registry.",
       .options = {registryNameOption(), resourceGroupOption(false),
                   OptionSpec::value("--username", "-u",
                                     "The username used to log into a container registry (the "
                                     "registry's name for the admin user, or a token's name)."),
                   OptionSpec::value("--password", "-p",
                                     "The password used to log into a container registry."),
                   OptionSpec::flag("--expose-token", "-t",
                                    "Expose a refresh token instead of storing it for docker and "
                                    "podman.")},
       .run = acrLogin,
       .longHelp =
           "Without --username, exchanges the signed-in account's token for a registry refresh "
           "token\n(user 00000000-0000-0000-0000-000000000000) and stores it in "
           "$DOCKER_CONFIG/config.json\n(default ~/.docker/config.json) and in the containers "
           "auth file ($REGISTRY_AUTH_FILE, else\n$XDG_RUNTIME_DIR/containers/auth.json, else "
           "/run/containers/<uid>/auth.json), mode 0600.\nWhen the exchange is refused and the "
           "admin user is enabled, stores the admin credentials."});
}

}  // namespace berth::cli
