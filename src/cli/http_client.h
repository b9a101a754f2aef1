#pragma once
// A blocking HTTP/1.1 client for the CLI: one connection per request, bounded in time, errors as
// values. Beast stays inside http_client.cc so the command files compile without it.
//
// https:// goes through an ssl_stream over the same tcp_stream: the peer is verified against the
// system's trust store or HttpOptions::caBundle (REQUESTS_CA_BUNDLE), for the name in
// Endpoint::hostHeader (also sent as SNI); nothing above this header knows the difference.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::cli {

enum class Scheme { kHttp, kHttps };

struct Url {
  Scheme scheme = Scheme::kHttp;
  std::string host;  // IPv6 literals without brackets
  std::uint16_t port = 80;
  std::string target = "/";  // path and query, always starting with '/'

  /// "http[s]://host[:port][/path]". Errors name the URL.
  static Result<Url> parse(std::string_view text);
  /// "http://host:port" with the port always written, for messages and the profile.
  std::string origin() const;
};

/// "host:port" or "[v6]:port" -> host and port; without a port, `defaultPort`.
Result<std::pair<std::string, std::uint16_t>> splitHostPort(std::string_view text,
                                                            std::uint16_t defaultPort);

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<HttpHeader> headers;
  std::string body;

  /// Replaces any header of the same name (case-insensitive).
  void setHeader(std::string name, std::string value);
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<HttpHeader> headers;
  std::string body;

  /// First header of that name, case-insensitive.
  std::optional<std::string> header(std::string_view name) const;
};

/// Where a request goes: the address to connect to, and the Host header to send. They differ when
/// a registry's login server is reached through the daemon's data-plane address.
struct Endpoint {
  Scheme scheme = Scheme::kHttp;
  std::string connectHost;
  std::uint16_t port = 80;
  std::string hostHeader;  // empty: connectHost, with ":port" unless the scheme's default

  static Endpoint of(const Url& url);
  std::string effectiveHost() const;
  /// For messages: "http://<Host header><target>", plus " via <address>" when they differ.
  std::string describe(std::string_view target) const;
};

struct HttpOptions {
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds requestTimeout{60000};
  /// Bounds what a response may make us buffer; registries answer JSON and manifests here.
  std::size_t maxBodyBytes = 64 * 1024 * 1024;
  /// PEM file of CAs trusted for https:// (REQUESTS_CA_BUNDLE); empty: the system's store.
  std::string caBundle;
  /// --debug: requests and responses are traced here, secrets masked.
  std::ostream* debug = nullptr;
};

/// Failure kinds a caller may turn into advice (Error::detail of send()'s errors).
inline constexpr std::string_view kConnectFailed = "connect";
inline constexpr std::string_view kResolveFailed = "resolve";
inline constexpr std::string_view kTimedOut = "timeout";

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {}) : options_(options) {}

  /// Any HTTP status is a successful result; errors are transport failures only, with Errc
  /// kUnavailable and detail kConnectFailed / kResolveFailed / kTimedOut or empty.
  Result<HttpResponse> send(const Endpoint& endpoint, const HttpRequest& request) const;

  const HttpOptions& options() const { return options_; }

 private:
  HttpOptions options_;
};

/// The error code for an HTTP error status a server answered with.
Errc errcForHttpStatus(int status);

std::string basicAuthorization(std::string_view user, std::string_view password);
std::string bearerAuthorization(std::string_view token);

/// A JSON body with secrets (tokens, passwords) replaced by "*****", for --debug traces.
std::string redactSecrets(std::string_view body);

}  // namespace berth::cli
