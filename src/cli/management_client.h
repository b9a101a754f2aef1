#pragma once
// Client of berth's management API (docs/management-api.md): JSON in and out, ARM-style errors
// turned into the one line az prints, transport failures into advice about the server.

#include <optional>
#include <string>
#include <string_view>

#include "cli/http_client.h"
#include "cli/output/output_format.h"
#include "common/result.h"

namespace berth::cli {

struct ApiResponse {
  int status = 0;
  Json body;  // null when the response had no body
};

class ManagementClient {
 public:
  /// `authorization` is the whole header value ("Bearer ..." or "Basic ...").
  ManagementClient(Url server, std::string authorization, const HttpClient& http)
      : server_(std::move(server)), authorization_(std::move(authorization)), http_(&http) {}

  /// Any 2xx is success. Otherwise the error is "(<code>) <message>" from the body's
  /// {"error":{code,message}} -- what az prints after "ERROR: " -- with Error::detail = code and
  /// Errc following the status (404 kResourceNotFound, 409 kConflict, ...).
  Result<ApiResponse> call(std::string_view method, std::string_view path,
                           const Json* body = nullptr) const;

  Result<Json> get(std::string_view path) const;
  Result<Json> put(std::string_view path, const Json& body) const;
  Result<Json> patch(std::string_view path, const Json& body) const;
  Result<Json> post(std::string_view path, const Json* body = nullptr) const;
  /// DELETE; returns the status (200, or 204 when there was nothing to delete).
  Result<int> remove(std::string_view path) const;

  const Url& server() const { return server_; }

 private:
  Url server_;
  std::string authorization_;
  const HttpClient* http_;
};

/// Percent-encodes one path segment (a resource name typed by the user).
std::string pathSegment(std::string_view text);

/// The management error code of a failed call (Error::detail), e.g. "ResourceNotFound".
inline bool hasApiCode(const Error& e, std::string_view code) { return e.detail == code; }

}  // namespace berth::cli
