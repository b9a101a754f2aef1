#include "registry/token_endpoint.h"

#include <nlohmann/json.hpp>

#include "auth/authorization_header.h"
#include "common/rfc3339.h"
#include "http/blocking.h"
#include "http/query.h"

namespace berth::registry {

namespace {

/// Token requests are a few hundred bytes; a bound keeps a hostile client from using memory.
constexpr std::size_t kMaxFormBytes = 64 * 1024;


bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Error invalidRequest(std::string message) {
  return makeError(Errc::kRequestInvalid, std::move(message));
}

std::string scopeText(const std::vector<auth::Scope>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out.push_back(' ');
    out += auth::formatScope(s);
  }
  return out;
}

}  // namespace

bool isTokenEndpointPath(std::string_view path) { return path.starts_with("/oauth2/"); }

boost::asio::awaitable<void> TokenEndpoint::handle(http::Request& request,
                                                   http::Response& response,
                                                   const RegistryDirectory::Snapshot& snapshot,
                                                   const ServedRegistry& served) {
  const auth::RegistryAccessPolicy& policy = *served.access;
  const bool exchange = request.path == "/oauth2/exchange";
  if (!exchange && request.path != "/oauth2/token") {
    http::writeRegistryError(response, makeError(Errc::kRouteUnknown,
                                                 "the token server has /oauth2/token and "
                                                 "/oauth2/exchange only"));
    co_return;
  }
  const bool post = request.method == http::Method::kPost;
  if (!(post || (!exchange && request.method == http::Method::kGet))) {
    http::writeRegistryError(response, makeError(Errc::kMethodNotAllowed,
                                                 std::string(http::methodName(request.method)) +
                                                     " is not supported on " +
                                                     std::string(request.path)));
    co_return;
  }

  // Parameters: the query for GET, the urlencoded form for POST.
  std::vector<http::QueryParam> form;
  if (post) {
    auto body = co_await http::readWholeBody(*request.body, kMaxFormBytes,
                                             invalidRequest("the token request form is larger "
                                                            "than 64 KiB"));
    if (!body.ok()) {
      http::writeRegistryError(response, body.error());
      co_return;
    }
    auto parsed = http::parseQuery(*body);
    if (!parsed.ok()) {
      http::writeRegistryError(response, invalidRequest("the token request form is malformed: " +
                                                        parsed.error().message));
      co_return;
    }
    form = std::move(*parsed);
  }
  const std::vector<http::QueryParam>& params = post ? form : request.query;

  if (auto service = http::findParam(params, "service"); service && !equalsIgnoreCase(*service, policy.loginServer)) {
    http::writeRegistryError(response, invalidRequest("service '" + std::string(service->substr(0, 128)) +
                                                      "' is not this registry; use '" +
                                                      policy.loginServer + "'"));
    co_return;
  }

  const std::string client = rateLimitKey(request.connection);
  if (const std::int64_t retry = auth_.limiter.retryAfter(client); retry > 0) {
    writeThrottled(response, retry);
    co_return;
  }
  const auth::Authenticator& authn = auth_.authenticator;
  std::string reason;
  auto refuse = [&](std::string principal, const Error& error) {
    const std::int64_t retry = auth_.limiter.recordFailure(client);
    recordAudit(auth_, request, policy,
                {.principal = std::move(principal), .principalKind = "unknown", .action = "token", .outcome = retry > 0 ? "throttled" : "failure", .status = retry > 0 ? 429 : 401, .detail = reason});
    if (retry > 0) {
      writeThrottled(response, retry);
    } else {
      http::writeRegistryError(response, error);
      response.setHeader("WWW-Authenticate", "Basic realm=\"" + policy.loginServer + "\"");
    }
  };
  const Error badCredentials = makeError(Errc::kUnauthorized,
                                         "authentication failed: the credentials are invalid or "
                                         "expired");

  if (exchange) {
    if (http::findParam(params, "grant_type").value_or("") != "access_token") {
      http::writeRegistryError(response, invalidRequest("grant_type must be 'access_token'"));
      co_return;
    }
    std::string managementToken(http::findParam(params, "access_token").value_or(""));
    if (managementToken.empty()) {
      http::writeRegistryError(response, invalidRequest("access_token is required"));
      co_return;
    }
    auto identity = co_await http::runBlocking(
        blocking_, [&] { return authn.verifyManagementToken(managementToken, &reason); });
    if (!identity.ok()) {
      refuse("", badCredentials);
      co_return;
    }
    auto refresh = authn.issueRefreshToken(*identity, policy);
    if (!refresh.ok()) {
      http::writeRegistryError(response, refresh.error());
      co_return;
    }
    recordAudit(auth_, request, policy,
                {.principal = *identity, .principalKind = "identity", .action = "token", .outcome = "success", .status = 200, .detail = "refresh token issued"});
    response.setBody(nlohmann::json{{"refresh_token", refresh->token}}.dump(), "application/json");
    co_return;
  }

  // Who is asking.
  auth::Principal principal = auth::Principal::anonymous();
  bool identified = false;
  if (post) {
    const std::string grantType(http::findParam(params, "grant_type").value_or(""));
    if (grantType == "password") {
      std::string username(http::findParam(params, "username").value_or(""));
      std::string password(http::findParam(params, "password").value_or(""));
      auto p = co_await http::runBlocking(blocking_, [&] {
        return authn.authenticatePassword(policy, *snapshot.roles, username, password, &reason);
      });
      if (!p.ok()) {
        refuse(username.substr(0, 64), badCredentials);
        co_return;
      }
      principal = std::move(*p);
    } else if (grantType == "refresh_token") {
      auto p = authn.verifyRefreshToken(policy, *snapshot.roles,
                                        http::findParam(params, "refresh_token").value_or(""), &reason);
      if (!p.ok()) {
        refuse("", badCredentials);
        co_return;
      }
      principal = std::move(*p);
    } else {
      http::writeRegistryError(response,
                               invalidRequest("grant_type must be 'password' or 'refresh_token'"));
      co_return;
    }
    identified = true;
  } else {
    auth::Authorization credentials = auth::parseAuthorization(request.header("Authorization"));
    switch (credentials.kind) {
      case auth::Authorization::Kind::kNone: break;
      case auth::Authorization::Kind::kBasic: {
        // Cached like Basic on /v2/: a cluster's nodes asking for tokens with one pull secret
        // cost one scrypt hash, not one each.
        auto cached = co_await principalForBasic(auth_, blocking_, snapshot, policy,
                                                 request.header("Authorization"), credentials,
                                                 reason);
        if (!cached.ok()) {
          refuse(credentials.username.substr(0, 64), badCredentials);
          co_return;
        }
        principal = *(*cached)->principal;
        identified = true;
        break;
      }
      case auth::Authorization::Kind::kBearer:
      case auth::Authorization::Kind::kMalformed:
        reason = "the token endpoint takes Basic credentials";
        refuse("", badCredentials);
        co_return;
    }
  }
  if (!identified && !policy.registry.anonymousPullEnabled) {
    http::writeRegistryError(response,
                             makeError(Errc::kUnauthorized,
                                       "authentication required: this registry does not allow "
                                       "anonymous pull; log in first"));
    response.setHeader("WWW-Authenticate", "Basic realm=\"" + policy.loginServer + "\"");
    co_return;
  }

  // What they ask for.
  std::vector<auth::Scope> requested;
  for (const auto& p : params) {
    if (p.name != "scope") continue;
    auto scopes = auth::parseScopeList(p.value);
    if (!scopes.ok()) {
      http::writeRegistryError(response, invalidRequest(scopes.error().message));
      co_return;
    }
    requested.insert(requested.end(), scopes->begin(), scopes->end());
    if (requested.size() > auth::kMaxScopes) {
      http::writeRegistryError(response, invalidRequest("at most " + std::to_string(auth::kMaxScopes) +
                                                        " scopes may be requested at once"));
      co_return;
    }
  }

  auto issued = authn.issueAccessToken(principal, policy, requested);
  if (!issued.ok()) {
    http::writeRegistryError(response, issued.error());
    co_return;
  }
  nlohmann::json body = {{"access_token", issued->token},
                         {"expires_in", issued->lifetimeSeconds},
                         {"issued_at", formatRfc3339(issued->issuedAt)}};
  if (post) {
    body["scope"] = scopeText(issued->access.scopes);
  } else {
    body["token"] = issued->token;  // the Docker token spec's name; OAuth2 clients read access_token
  }
  const bool offline = http::findParam(params, post ? "access_type" : "offline_token").value_or("") ==
                       (post ? "offline" : "true");
  if (offline && principal.kind == auth::PrincipalKind::kIdentity) {
    auto refresh = authn.issueRefreshToken(principal.name, policy);
    if (refresh.ok()) body["refresh_token"] = refresh->token;
  }
  response.setBody(body.dump(), "application/json");
}

}  // namespace berth::registry
