// berth acr login: as az acr login does, trade the signed-in operator's management token for a
// registry refresh token (POST /oauth2/exchange on the login server) and store it where docker,
// podman, skopeo and buildah read credentials; or print it (--expose-token); or store given
// credentials after checking them (--username/--password). When the exchange is refused and the
// registry's admin user is enabled, the admin credentials are stored instead, with a warning.

#include <unistd.h>

#include <cstdlib>
#include <ostream>

#include "cli/acr_common.h"
#include "cli/command_table.h"
#include "cli/registry_auth_files.h"
#include "cli/registry_client.h"

namespace berth::cli {
namespace {

struct LoginCredentials {
  std::string username;
  std::string password;
};

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

/// GET /oauth2/token with the given Basic credentials: accepted (200), or why not.
Status verifyCredentials(const DataPlaneRoute& route, const HttpClient& http,
                         const LoginCredentials& creds) {
  HttpRequest req;
  // Form encoding: everything but the unreserved characters percent-encoded, as pathSegment does.
  req.target = "/oauth2/token?service=" + pathSegment(route.loginServer);
  req.setHeader("Authorization", basicAuthorization(creds.username, creds.password));
  req.setHeader("Accept", "application/json");
  auto res = http.send(route.endpoint, req);
  if (!res.ok()) {
    return fail(Errc::kUnavailable,
                "Could not reach the login server " + route.endpoint.describe(req.target) + " (" +
                    res.error().message + "). Is 'berth serve' running?",
                res.error().detail);
  }
  if (res->status == 200) return okStatus();
  std::string message = "Login to " + route.loginServer + " was refused: " + dataPlaneReason(*res);
  if (res->status == 429) {
    message += "; too many failed attempts, retry after " +
               res->header("Retry-After").value_or("a few") + " seconds";
  }
  return fail(res->status == 403 ? Errc::kDenied : Errc::kUnauthorized, message + ".");
}

/// Whether a failed exchange was the registry saying no (then the admin user may stand in), as
/// opposed to not reaching it or an answer without a token.
bool isRefusal(const Error& e) {
  if (e.code == Errc::kUnavailable) {
    return !e.detail.empty() && e.detail != kConnectFailed && e.detail != kResolveFailed &&
           e.detail != kTimedOut;
  }
  return e.detail != "200";  // RegistryClient's "answered 200 without a refresh_token"
}

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

  LoginCredentials creds;
  if (*given) {
    BERTH_TRY(verifyCredentials(*route, ctx.http(), **given));
    creds = std::move(**given);
  } else {
    RegistryClient registry(*route, ctx.http());
    auto refresh = registry.exchangeToken((*profile)->accessToken);
    if (refresh.ok()) {
      if (exposeToken) {
        ctx.warn(
            "You can perform manual login using the provided access token below, for "
            "example: 'docker login " +
            loginServer + " -u " + std::string(kRegistryRefreshTokenUser) + " -p <accessToken>'");
        return CommandOutput(Json{{"accessToken", *refresh}, {"loginServer", loginServer}});
      }
      creds = {std::string(kRegistryRefreshTokenUser), std::move(*refresh)};
    } else {
      // Not reaching the registry, or a reply that makes no sense, is not a refusal.
      if (!isRefusal(refresh.error())) return refresh.error();
      const Json props = found->resource.value("properties", Json::object());
      const bool adminEnabled = props.is_object() && props.value("adminUserEnabled", false);
      const std::string name = found->resource.value("name", std::string());
      if (exposeToken || !adminEnabled) {
        std::string message =
            "Login to " + loginServer + " was refused: " + refresh.error().message + ".";
        if (!exposeToken) {
          message += " The admin user of '" + name +
                     "' is disabled, so there is nothing to fall back to: log in with "
                     "--username/--password, or enable it with 'berth acr update -n " +
                     name + " --admin-enabled true'.";
        }
        return makeError(refresh.error().code, std::move(message), refresh.error().detail);
      }
      ctx.warn("Unable to get a refresh token for " + loginServer + ": " + refresh.error().message +
               ". Logging in with the admin user's credentials.");
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
