#include "cli/text_encoding.h"
#include "cli/registry_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <set>

#include "cli/command.h"

namespace berth::cli {
namespace {

constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";
/// Page size asked of _catalog and tags/list; the registry may return fewer and a Link.
constexpr std::size_t kPageSize = 100;
/// Stops a registry whose Link never ends (or loops) from keeping the CLI busy forever.
constexpr std::size_t kMaxPages = 100000;

// The path and query of a Link header's rel="next" target; absolute URLs keep only those, since
// the route (address and Host) stays the login server's.
std::optional<std::string> nextLink(const HttpResponse& res) {
  auto link = res.header("Link");
  if (!link) return std::nullopt;
  std::size_t open = link->find('<');
  std::size_t close = link->find('>', open);
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  if (link->find("rel=\"next\"", close) == std::string::npos &&
      link->find("rel=next", close) == std::string::npos) {
    return std::nullopt;
  }
  std::string target = link->substr(open + 1, close - open - 1);
  if (std::size_t scheme = target.find("://"); scheme != std::string::npos) {
    std::size_t path = target.find('/', scheme + 3);
    target = path == std::string::npos ? "/" : target.substr(path);
  }
  if (!target.starts_with('/')) return std::nullopt;
  return target;
}

/// Repository names, tags and digests keep their separators in request paths.
constexpr std::string_view kPathKeep = "/:";

}  // namespace

std::optional<std::string> resolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  char text[INET6_ADDRSTRLEN] = {};
  const void* addr = nullptr;
  if (result->ai_family == AF_INET) {
    addr = &reinterpret_cast<const sockaddr_in*>(result->ai_addr)->sin_addr;
  } else if (result->ai_family == AF_INET6) {
    addr = &reinterpret_cast<const sockaddr_in6*>(result->ai_addr)->sin6_addr;
  }
  std::optional<std::string> out;
  if (addr != nullptr && ::inet_ntop(result->ai_family, addr, text, sizeof text) != nullptr) {
    out = text;
  }
  ::freeaddrinfo(result);
  return out;
}

Result<DataPlaneRoute> routeToLoginServer(const std::string& loginServer, const Profile& profile) {
  std::optional<std::pair<std::string, std::uint16_t>> dataPlane;
  if (!profile.dataPlane.empty()) {
    auto parsed = splitHostPort(profile.dataPlane.front(), 80);
    if (!parsed.ok()) {
      return fail(Errc::kInvalidParameter, "the profile's data-plane address " +
                                               parsed.error().message +
                                               "; run 'berth login' again");
    }
    dataPlane = *parsed;
  }
  const bool hasPort = loginServer.find(':') != std::string::npos;
  auto named = splitHostPort(loginServer, dataPlane ? dataPlane->second : 80);
  if (!named.ok()) return fail(Errc::kInvalidParameter, "login server " + named.error().message);
  DataPlaneRoute route;
  route.loginServer = loginServer;
  route.resolvedAddress = resolveHost(named->first);
  if (route.resolvedAddress) {
    route.endpoint = Endpoint{Scheme::kHttp, named->first, named->second, {}};
    return route;
  }
  if (!dataPlane) {
    return fail(Errc::kUnavailable, "The login server '" + loginServer +
                                        "' does not resolve and the profile lists no data-plane "
                                        "address to reach it through; run 'berth login' again.");
  }
  route.endpoint = Endpoint{Scheme::kHttp, dataPlane->first, dataPlane->second,
                            hasPort ? loginServer : named->first};
  return route;
}

Result<HttpResponse> RegistryClient::send(std::string_view method, std::string target,
                                          std::string_view accept) {
  HttpRequest req;
  req.method = std::string(method);
  req.target = std::move(target);
  if (!accept.empty()) req.setHeader("Accept", std::string(accept));
  if (!authorization_.empty()) req.setHeader("Authorization", authorization_);
  auto res = http_->send(route_.endpoint, req);
  if (!res.ok()) {
    return fail(Errc::kUnavailable,
                "Could not reach the login server " + route_.endpoint.describe(req.target) + " (" +
                    res.error().message + ").",
                res.error().detail);
  }
  return res;
}

Result<std::string> RegistryClient::exchangeToken(const std::string& managementToken) {
  HttpRequest req;
  req.method = "POST";
  req.target = "/oauth2/exchange";
  req.setHeader("Content-Type", "application/x-www-form-urlencoded");
  req.setHeader("Accept", "application/json");
  req.body = "grant_type=access_token&service=" + percentEncode(route_.loginServer) +
             "&access_token=" + percentEncode(managementToken);
  auto res = http_->send(route_.endpoint, req);
  if (!res.ok()) {
    return fail(Errc::kUnavailable, "Could not reach the login server " +
                                        route_.endpoint.describe(req.target) + " (" +
                                        res.error().message + ").",
                res.error().detail);
  }
  if (res->status != 200) return failure(*res, "exchanging the signed-in account's token");
  auto doc = nlohmann::json::parse(res->body, nullptr, false);
  if (!doc.is_object() || !doc.contains("refresh_token") || !doc["refresh_token"].is_string() ||
      doc["refresh_token"].get<std::string>().empty()) {
    return fail(Errc::kInternal, route_.loginServer +
                                     " answered POST /oauth2/exchange without a refresh_token",
                "200");
  }
  return doc["refresh_token"].get<std::string>();
}

Result<std::string> RegistryClient::fetchAccessToken(const std::string& refreshToken) {
  HttpRequest req;
  req.target = "/oauth2/token?service=" + percentEncode(route_.loginServer);
  req.setHeader("Authorization", basicAuthorization(kRegistryRefreshTokenUser, refreshToken));
  req.setHeader("Accept", "application/json");
  auto res = http_->send(route_.endpoint, req);
  if (!res.ok()) return fail(Errc::kUnavailable, res.error().message);
  if (res->status != 200) return failure(*res, "fetching an access token");
  auto doc = nlohmann::json::parse(res->body, nullptr, false);
  if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string()) {
    return fail(Errc::kInternal, route_.loginServer + " answered /oauth2/token without an access_token");
  }
  return doc["access_token"].get<std::string>();
}

Status RegistryClient::signIn(const std::string& managementToken) {
  auto refresh = exchangeToken(managementToken);
  if (!refresh.ok()) return refresh.error();
  authorization_ = basicAuthorization(kRegistryRefreshTokenUser, *refresh);
  return okStatus();
}

Error RegistryClient::failure(const HttpResponse& res, std::string_view what) const {
  auto doc = nlohmann::json::parse(res.body, nullptr, false);
  if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array() &&
      !doc["errors"].empty() && doc["errors"][0].is_object()) {
    const auto& e = doc["errors"][0];
    std::string code = e.value("code", std::string("UNKNOWN"));
    return makeError(
        errcForHttpStatus(res.status),
        "(" + code + ") " + e.value("message", std::string()) + " (" + std::string(what) + ")",
        code);
  }
  std::string message = std::string(what) + ": " + route_.loginServer + " answered HTTP " +
                        std::to_string(res.status);
  if (res.status == 401) message += "; run 'berth login' again (the session may have expired)";
  return makeError(errcForHttpStatus(res.status), message, {});
}

Result<std::vector<std::string>> RegistryClient::paginate(std::string target,
                                                          std::string_view field,
                                                          std::optional<std::size_t> limit) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t page = 0; page < kMaxPages; ++page) {
    if (!seen.insert(target).second) break;  // a Link back to a page already read
    auto res = send("GET", target, "application/json");
    if (!res.ok()) return res.error();
    if (res->status != 200) return failure(*res, "GET " + target);
    auto doc = nlohmann::json::parse(res->body, nullptr, false);
    if (!doc.is_object()) {
      return fail(Errc::kInternal,
                  "GET " + target + " on " + route_.loginServer + " did not return a JSON object");
    }
    auto items = doc.find(field);
    if (items != doc.end() && items->is_array()) {
      for (const auto& item : *items) {
        if (item.is_string()) out.push_back(item.get<std::string>());
        if (limit && out.size() >= *limit) return out;
      }
    }
    auto next = nextLink(*res);
    if (!next) break;
    target = *next;
  }
  return out;
}

Result<std::vector<std::string>> RegistryClient::repositories(std::optional<std::size_t> limit) {
  return paginate("/v2/_catalog?n=" + std::to_string(kPageSize), "repositories", limit);
}

Result<std::vector<std::string>> RegistryClient::tags(const std::string& repository) {
  return paginate("/v2/" + percentEncode(repository, kPathKeep) + "/tags/list?n=" + std::to_string(kPageSize),
                  "tags", std::nullopt);
}

Result<ManifestHead> RegistryClient::headManifest(const std::string& repository,
                                                  const std::string& reference) {
  const std::string target =
      "/v2/" + percentEncode(repository, kPathKeep) + "/manifests/" + percentEncode(reference, kPathKeep);
  auto res = send("HEAD", target, kManifestAccept);
  if (!res.ok()) return res.error();
  if (res->status != 200) {
    if (res->status == 404 && res->body.empty()) {
      return makeError(Errc::kResourceNotFound,
                       "(MANIFEST_UNKNOWN) manifest '" + repository + ":" + reference +
                           "' is not found in " + route_.loginServer,
                       "MANIFEST_UNKNOWN");
    }
    return failure(*res, "HEAD " + target);
  }
  ManifestHead head;
  head.digest = res->header("Docker-Content-Digest").value_or("");
  head.mediaType = res->header("Content-Type").value_or("");
  if (auto length = res->header("Content-Length")) {
    try {
      head.size = std::stoll(*length);
    } catch (const std::exception&) {
      head.size = -1;
    }
  }
  return head;
}

Result<std::pair<ManifestHead, Json>> RegistryClient::getManifest(const std::string& repository,
                                                                  const std::string& reference) {
  const std::string target =
      "/v2/" + percentEncode(repository, kPathKeep) + "/manifests/" + percentEncode(reference, kPathKeep);
  auto res = send("GET", target, kManifestAccept);
  if (!res.ok()) return res.error();
  if (res->status != 200) return failure(*res, "GET " + target);
  ManifestHead head;
  head.digest = res->header("Docker-Content-Digest").value_or("");
  head.mediaType = res->header("Content-Type").value_or("");
  head.size = static_cast<std::int64_t>(res->body.size());
  Json doc = Json::parse(res->body, nullptr, false);
  if (doc.is_discarded()) doc = nullptr;
  return std::make_pair(std::move(head), std::move(doc));
}

Result<Json> RegistryClient::getJsonBlob(const std::string& repository, const std::string& digest) {
  const std::string target =
      "/v2/" + percentEncode(repository, kPathKeep) + "/blobs/" + percentEncode(digest, kPathKeep);
  auto res = send("GET", target);
  if (!res.ok()) return res.error();
  if (res->status != 200) return failure(*res, "GET " + target);
  Json doc = Json::parse(res->body, nullptr, false);
  if (doc.is_discarded()) doc = nullptr;
  return doc;
}

Status RegistryClient::deleteManifest(const std::string& repository, const std::string& reference,
                                      bool missingOk) {
  const std::string target =
      "/v2/" + percentEncode(repository, kPathKeep) + "/manifests/" + percentEncode(reference, kPathKeep);
  auto res = send("DELETE", target);
  if (!res.ok()) return res.error();
  if (res->status == 202 || res->status == 200 || res->status == 204) return okStatus();
  if (res->status == 404 && missingOk) return okStatus();
  return failure(*res, "DELETE " + target);
}

Result<HttpResponse> RegistryClient::ping() { return send("GET", "/v2/"); }

Result<ImageReference> parseImageReference(std::string_view text) {
  ImageReference out;
  if (std::size_t at = text.find('@'); at != std::string_view::npos) {
    out.repository = std::string(text.substr(0, at));
    out.reference = std::string(text.substr(at + 1));
    out.isDigest = true;
  } else {
    std::size_t slash = text.rfind('/');
    std::size_t colon = text.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
      out.repository = std::string(text.substr(0, colon));
      out.reference = std::string(text.substr(colon + 1));
    } else {
      out.repository = std::string(text);
      out.reference = "latest";
    }
  }
  if (out.repository.empty() || out.reference.empty()) {
    return usageError("argument --image/-t: '" + std::string(text) +
                      "' is not an image reference (repository:tag or repository@digest)");
  }
  return out;
}

Json imageCreatedTime(RegistryClient& client, const std::string& repository, const Json& manifest) {
  if (!manifest.is_object()) return nullptr;
  if (manifest.contains("manifests") && manifest["manifests"].is_array()) {
    for (const auto& child : manifest["manifests"]) {
      const std::string digest = child.value("digest", std::string());
      if (digest.empty()) continue;
      auto inner = client.getManifest(repository, digest);
      if (!inner.ok()) return nullptr;
      return imageCreatedTime(client, repository,
                              inner->second.is_object() && inner->second.contains("manifests")
                                  ? Json()  // no nesting beyond one level
                                  : inner->second);
    }
    return nullptr;
  }
  if (!manifest.contains("config") || !manifest["config"].is_object()) return nullptr;
  const std::string digest = manifest["config"].value("digest", std::string());
  if (digest.empty()) return nullptr;
  auto config = client.getJsonBlob(repository, digest);
  if (!config.ok() || !config->is_object() || !config->contains("created")) return nullptr;
  return (*config)["created"];
}

}  // namespace berth::cli
