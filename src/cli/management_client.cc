#include "cli/text_encoding.h"
#include "cli/management_client.h"

namespace berth::cli {
namespace {

// The API accepts and ignores api-version (docs/management-api.md); az always sends one, and
// sending it keeps berth honest about accepting it.
std::string_view apiVersionFor(std::string_view path) {
  return path.find("Microsoft.ContainerRegistry") != std::string_view::npos ? "2023-07-01"
                                                                            : "2022-09-01";
}

Error apiError(const HttpResponse& res) {
  auto doc = nlohmann::json::parse(res.body, nullptr, false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    const auto& e = doc["error"];
    std::string code = e.value("code", std::string("Error"));
    std::string message = e.value("message", std::string());
    std::string text = "(" + code + ") " + message;
    if (res.status == 401) text += " Please run 'berth login' to sign in again.";
    return makeError(errcForHttpStatus(res.status), std::move(text), code);
  }
  // msrest's wording for an error without an ARM body.
  return makeError(errcForHttpStatus(res.status),
                   "Operation returned an invalid status code '" +
                       (res.reason.empty() ? std::to_string(res.status) : res.reason) + "'",
                   {});
}

}  // namespace

std::string pathSegment(std::string_view text) { return percentEncode(text, "()"); }

Result<ApiResponse> ManagementClient::call(std::string_view method, std::string_view path,
                                           const Json* body) const {
  HttpRequest req;
  req.method = std::string(method);
  req.target = std::string(path);
  if (path.starts_with("/subscriptions") && path.find("api-version=") == std::string_view::npos) {
    req.target += (path.find('?') == std::string_view::npos ? "?" : "&");
    req.target += "api-version=" + std::string(apiVersionFor(path));
  }
  req.setHeader("Authorization", authorization_);
  req.setHeader("Accept", "application/json");
  if (body != nullptr) {
    req.setHeader("Content-Type", "application/json");
    req.body = body->dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  auto res = http_->send(Endpoint::of(server_), req);
  if (!res.ok()) {
    const Error& e = res.error();
    if (e.detail == kConnectFailed || e.detail == kResolveFailed || e.detail == kTimedOut) {
      return fail(Errc::kUnavailable,
                  "Could not reach the berth management API at " + server_.origin() + " (" +
                      e.message +
                      "). Is 'berth serve' running there? To use another server, run "
                      "'berth login --server URL'.",
                  e.detail);
    }
    return fail(Errc::kUnavailable, "Request to the berth management API at " + server_.origin() +
                                        " failed: " + e.message);
  }
  if (res->status < 200 || res->status > 299) return apiError(*res);
  ApiResponse out;
  out.status = res->status;
  if (!res->body.empty()) {
    out.body = Json::parse(res->body, nullptr, false);
    if (out.body.is_discarded()) {
      return fail(Errc::kInternal, "The management API at " + server_.origin() + " answered " +
                                       req.method + " " + std::string(path) +
                                       " with a body that is not JSON");
    }
  }
  return out;
}

Result<Json> ManagementClient::get(std::string_view path) const {
  auto r = call("GET", path);
  if (!r.ok()) return r.error();
  return std::move(r->body);
}

Result<Json> ManagementClient::put(std::string_view path, const Json& body) const {
  auto r = call("PUT", path, &body);
  if (!r.ok()) return r.error();
  return std::move(r->body);
}

Result<Json> ManagementClient::patch(std::string_view path, const Json& body) const {
  auto r = call("PATCH", path, &body);
  if (!r.ok()) return r.error();
  return std::move(r->body);
}

Result<Json> ManagementClient::post(std::string_view path, const Json* body) const {
  auto r = call("POST", path, body);
  if (!r.ok()) return r.error();
  return std::move(r->body);
}

Result<int> ManagementClient::remove(std::string_view path) const {
  auto r = call("DELETE", path);
  if (!r.ok()) return r.error();
  return r->status;
}

}  // namespace berth::cli
