#pragma once
// Client of a registry's data plane (the OCI distribution API at its login server), as the
// `acr repository` commands use it: catalog and tag listings following Link pagination, manifest
// HEAD/GET/DELETE, config blobs.
//
// Routing: the login server's name is used when DNS resolves it; otherwise requests go to the
// profile's first data-plane address with `Host: <login server>`, which is how the daemon tells
// its registries apart. Identity: the signed-in operator's management token is exchanged for a
// registry refresh token (POST /oauth2/exchange), which then goes with every request as Basic
// credentials of the refresh-token user.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/http_client.h"
#include "cli/output/output_format.h"
#include "cli/profile.h"
#include "common/result.h"

namespace berth::cli {

/// The username that goes with a registry refresh token.
inline constexpr std::string_view kRegistryRefreshTokenUser = "00000000-0000-0000-0000-000000000000";

struct DataPlaneRoute {
  Endpoint endpoint;
  std::string loginServer;
  /// The address the login server's name resolved to; nullopt when it did not resolve and the
  /// route goes through a data-plane address instead.
  std::optional<std::string> resolvedAddress;
};

/// First address getaddrinfo gives for `host`, as text; nullopt when it does not resolve.
std::optional<std::string> resolveHost(const std::string& host);

/// Port: the login server's own if it has one, else the first data-plane address's (the daemon
/// serves every registry on that listener), else the scheme's default.
Result<DataPlaneRoute> routeToLoginServer(const std::string& loginServer, const Profile& profile);

struct ManifestHead {
  std::string digest;
  std::string mediaType;
  std::int64_t size = -1;
};

class RegistryClient {
 public:
  RegistryClient(DataPlaneRoute route, const HttpClient& http)
      : route_(std::move(route)), http_(&http) {}

  /// Repository names, following Link pagination; at most `limit` when given.
  Result<std::vector<std::string>> repositories(std::optional<std::size_t> limit);
  Result<std::vector<std::string>> tags(const std::string& repository);
  Result<ManifestHead> headManifest(const std::string& repository, const std::string& reference);
  /// The manifest document (any OCI/Docker manifest or index type) and its head facts.
  Result<std::pair<ManifestHead, Json>> getManifest(const std::string& repository,
                                                    const std::string& reference);
  Result<Json> getJsonBlob(const std::string& repository, const std::string& digest);
  /// DELETE by digest or tag. A manifest already gone is not an error when `missingOk`.
  Status deleteManifest(const std::string& repository, const std::string& reference,
                        bool missingOk = false);

  /// POST /oauth2/exchange: the registry refresh token for a management API bearer token.
  Result<std::string> exchangeToken(const std::string& managementToken);
  /// GET /oauth2/token as the refresh token's identity (no scope): proves the token server works.
  Result<std::string> fetchAccessToken(const std::string& refreshToken);
  /// Exchanges the token and sends the refresh token with every later request.
  Status signIn(const std::string& managementToken);

  /// GET /v2/ -- the challenge endpoint check-health probes.
  Result<HttpResponse> ping();

  const DataPlaneRoute& route() const { return route_; }

 private:
  Result<HttpResponse> send(std::string_view method, std::string target,
                            std::string_view accept = {});
  Result<std::vector<std::string>> paginate(std::string target, std::string_view field,
                                            std::optional<std::size_t> limit);
  Error failure(const HttpResponse& response, std::string_view what) const;

  DataPlaneRoute route_;
  const HttpClient* http_;
  std::string authorization_;  // empty until signIn()
};

/// "repo:tag", "repo@sha256:..." or "repo" (tag latest) split into repository and reference.
struct ImageReference {
  std::string repository;
  std::string reference;  // tag or digest
  bool isDigest = false;
};
Result<ImageReference> parseImageReference(std::string_view text);

/// The `created` time of an image (its config's), or of the first image of an index; null when
/// the registry does not say.
Json imageCreatedTime(RegistryClient& client, const std::string& repository, const Json& manifest);

}  // namespace berth::cli
