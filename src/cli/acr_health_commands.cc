// berth acr check-health: the connectivity checks az runs, one step at a time, each failure
// reported with a stable error code and a hint.

#include <ostream>

#include "cli/acr_common.h"
#include "cli/command_table.h"
#include "cli/registry_client.h"
#include "cli/version.h"

namespace berth::cli {
namespace {

struct HealthError {
  std::string code;  // stable, as az's: CONNECTIVITY_DNS_ERROR, ...
  std::string message;
  std::string hint;
};

class HealthReport {
 public:
  HealthReport(CommandContext& ctx, bool ignoreErrors) : ctx_(ctx), ignore_(ignoreErrors) {}

  void ok(const std::string& line) {
    if (!ctx_.globals().onlyShowErrors) *ctx_.env().err << line << "\n";
  }

  /// Records a failed step. Without --ignore-errors the check stops with this error.
  Status error(HealthError e) {
    const std::string text =
        "An error occurred: " + e.code + ". " + e.message + (e.hint.empty() ? "" : " " + e.hint);
    ++errors_;
    if (!ignore_) return fail(Errc::kUnavailable, text, e.code);
    *ctx_.env().err << "ERROR: " << text << "\n";
    return okStatus();
  }

  void finish() {
    if (!ctx_.globals().onlyShowErrors) {
      *ctx_.env().err << "\nPlease refer to docs/cli.md (section check-health) for more "
                         "information.\n";
    }
  }

 private:
  CommandContext& ctx_;
  bool ignore_;
  int errors_ = 0;
};

Status checkRegistry(CommandContext& ctx, HealthReport& report, const std::string& name) {
  auto found = findRegistry(ctx, name);
  if (!found.ok()) {
    return report.error({"CONNECTIVITY_REGISTRY_NOT_FOUND",
                         "Registry '" + name + "' was not found: " + found.error().message,
                         "Please check the name and the subscription ('berth acr list')."});
  }
  auto profile = ctx.profile();
  if (!profile.ok()) return profile.error();
  const std::string loginServer = loginServerOf(found->resource, (*profile)->domain);

  auto route = routeToLoginServer(loginServer, **profile);
  const std::string host = loginServer.substr(
      0, loginServer.rfind(':') == std::string::npos ? loginServer.size() : loginServer.rfind(':'));
  if (!route.ok()) {
    return report.error(
        {"CONNECTIVITY_DNS_ERROR", "DNS lookup to " + host + " failed.", route.error().message});
  }
  if (route->resolvedAddress) {
    report.ok("DNS lookup to " + host + " at IP " + *route->resolvedAddress + " : OK");
  } else {
    BERTH_TRY(report.error(
        {"CONNECTIVITY_DNS_ERROR", "DNS lookup to " + host + " failed.",
         "Clients need the login server's name to resolve to a data-plane address (configure "
         "DNS or /etc/hosts); berth's CLI falls back to " +
             route->endpoint.connectHost + ":" + std::to_string(route->endpoint.port) + "."}));
  }

  RegistryClient client(*route, ctx.http());
  const std::string challenge = "http://" + route->endpoint.effectiveHost() + "/v2/";
  auto ping = client.ping();
  if (!ping.ok()) {
    return report.error(
        {"CONNECTIVITY_CHALLENGE_ERROR",
         "Challenge endpoint " + challenge + " could not be reached: " + ping.error().message,
         "Please check that 'berth serve' is running and that this machine can "
         "reach its data plane."});
  }
  if (ping->status == 200) {
    report.ok("Challenge endpoint " + challenge + " : OK");
    return okStatus();
  }
  if (ping->status != 401) {
    return report.error(
        {"CONNECTIVITY_CHALLENGE_ERROR",
         "Challenge endpoint " + challenge + " answered HTTP " + std::to_string(ping->status) + ".",
         ping->status == 404   ? "The data plane does not serve this login server."
         : ping->status == 403 ? "The registry's network rules deny this client."
                               : "Please check the registry's state with 'berth acr show'."});
  }
  report.ok("Challenge endpoint " + challenge + " : OK");
  const std::string challengeHeader = ping->header("WWW-Authenticate").value_or("");
  if (challengeHeader.rfind("Bearer", 0) == 0) {
    auto refresh = client.exchangeToken((*profile)->accessToken);
    if (!refresh.ok()) {
      return report.error({"CONNECTIVITY_REFRESH_TOKEN_ERROR",
                           "Fetch refresh token for registry '" + loginServer + "' failed.",
                           refresh.error().message});
    }
    report.ok("Fetch refresh token for registry '" + loginServer + "' : OK");
    auto access = client.fetchAccessToken(*refresh);
    if (!access.ok()) {
      return report.error({"CONNECTIVITY_ACCESS_TOKEN_ERROR",
                           "Fetch access token for registry '" + loginServer + "' failed.",
                           access.error().message});
    }
    report.ok("Fetch access token for registry '" + loginServer + "' : OK");
  }
  return okStatus();
}

Result<CommandOutput> checkHealth(CommandContext& ctx) {
  HealthReport report(ctx, ctx.args().has("--ignore-errors"));
  report.ok("berth CLI version: " + std::string(kBerthVersion));
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto info = (*api)->get("/providers/Berth.Management/info");
  if (!info.ok()) {
    BERTH_TRY(report.error({"CONNECTIVITY_MANAGEMENT_ERROR",
                            "The management API at " + (*api)->server().origin() +
                                " did not answer: " + info.error().message,
                            "Please check 'berth serve' and run 'berth login'."}));
  } else {
    report.ok("Management API " + (*api)->server().origin() + " (berth " +
              info->value("version", std::string("?")) + ") : OK");
  }
  if (auto name = ctx.args().get("--name")) {
    BERTH_TRY(checkRegistry(ctx, report, registryNameArgument(ctx)));
  }
  report.finish();
  return CommandOutput();
}

}  // namespace

void registerAcrHealthCommands(CommandTable& table) {
  table.add({.path = "acr check-health",
             .summary = "Gets health information on the environment and optionally a target "
                        "registry.",
             .options = {OptionSpec::value("--name", "-n", "The name of the container registry."),
                         OptionSpec::flag("--ignore-errors", "",
                                          "Provide all health checks, "
                                          "even if errors are found."),
                         OptionSpec::flag("--yes", "-y", "Do not prompt for confirmation.")},
             .run = checkHealth});
}

}  // namespace berth::cli
