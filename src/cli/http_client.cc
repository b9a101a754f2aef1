#include "cli/http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/base64.h"

namespace berth::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kDebugBodyLimit = 4096;  // keeps --debug readable on large listings

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::uint16_t defaultPort(Scheme s) { return s == Scheme::kHttps ? 443 : 80; }
std::string_view schemeName(Scheme s) { return s == Scheme::kHttps ? "https" : "http"; }

std::string hostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

Error transportError(std::string message, std::string_view kind) {
  return makeError(Errc::kUnavailable, std::move(message), std::string(kind));
}

void traceRequest(std::ostream& out, const Endpoint& ep, const HttpRequest& req) {
  out << "DEBUG: Request URL: '" << schemeName(ep.scheme) << "://" << ep.effectiveHost()
      << req.target << "'";
  if (!ep.hostHeader.empty()) out << " (connecting to " << ep.connectHost << ":" << ep.port << ")";
  out << "\nDEBUG: Request method: '" << req.method << "'\nDEBUG: Request headers:\n";
  for (const auto& h : req.headers) {
    const bool secret = iequals(h.name, "Authorization");
    out << "DEBUG:     '" << h.name << "': '" << (secret ? "*****" : h.value) << "'\n";
  }
  if (!req.body.empty()) out << "DEBUG: Request body:\nDEBUG: " << redactSecrets(req.body) << "\n";
}

void traceResponse(std::ostream& out, const HttpResponse& res) {
  out << "DEBUG: Response status: " << res.status << "\nDEBUG: Response headers:\n";
  for (const auto& h : res.headers) {
    out << "DEBUG:     '" << h.name << "': '" << h.value << "'\n";
  }
  if (!res.body.empty()) {
    std::string body = redactSecrets(res.body);
    if (body.size() > kDebugBodyLimit) body = body.substr(0, kDebugBodyLimit) + "...";
    out << "DEBUG: Response content:\nDEBUG: " << body << "\n";
  }
}

// Drives one asynchronous step to completion; the tcp_stream's expiry turns a hang into
// beast::error::timeout, which sync Beast calls cannot do.
template <typename Start>
boost::system::error_code runStep(asio::io_context& ioc, Start start) {
  boost::system::error_code result = asio::error::would_block;
  start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

/// Writes the request and reads the response on a connected (and, for TLS, handshaken) stream.
template <typename Stream>
Result<HttpResponse> talk(asio::io_context& ioc, Stream& stream, const HttpOptions& options,
                          const Endpoint& ep, const HttpRequest& request, const std::string& where) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  req.set(bhttp::field::host, ep.effectiveHost());
  req.set(bhttp::field::user_agent, "berth-cli");
  for (const auto& h : request.headers) req.set(h.name, h.value);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    req.body() = request.body;
    req.prepare_payload();
  }
  beast::get_lowest_layer(stream).expires_after(options.requestTimeout);
  auto ec = runStep(ioc, [&](auto handler) { bhttp::async_write(stream, req, std::move(handler)); });
  if (ec == beast::error::timeout) {
    return transportError("timed out sending the request to " + where, kTimedOut);
  }
  if (ec) return transportError("sending the request to " + where + " failed: " + ec.message(), {});

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.maxBodyBytes);
  parser.skip(request.method == "HEAD");  // a HEAD response announces a body it does not send
  ec = runStep(
      ioc, [&](auto handler) { bhttp::async_read(stream, buffer, parser, std::move(handler)); });
  if (ec == beast::error::timeout) {
    return transportError("timed out waiting for " + where + " to answer", kTimedOut);
  }
  if (ec)
    return transportError("reading the response from " + where + " failed: " + ec.message(), {});

  auto& msg = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(msg.result_int());
  out.reason = std::string(msg.reason());
  for (const auto& field : msg) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body = std::move(msg.body());
  return out;
}

/// The name the server's certificate must carry: the Host we address, without its port.
std::string certificateName(const Endpoint& ep) {
  std::string host = ep.hostHeader.empty() ? ep.connectHost : ep.hostHeader;
  if (host.starts_with('[')) return host.substr(1, host.find(']') - 1);
  if (std::count(host.begin(), host.end(), ':') == 1) host = host.substr(0, host.find(':'));
  return host;
}

Result<HttpResponse> exchange(const HttpOptions& options, const Endpoint& ep,
                              const HttpRequest& request) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto addresses = resolver.resolve(ep.connectHost, std::to_string(ep.port), ec);
  if (ec) {
    return transportError("cannot resolve '" + ep.connectHost + "': " + ec.message(),
                          kResolveFailed);
  }
  const std::string where = hostForUrl(ep.connectHost) + ":" + std::to_string(ep.port);
  auto connect = [&](beast::tcp_stream& tcpStream) -> Status {
    tcpStream.expires_after(options.connectTimeout);
    auto connected = runStep(
        ioc, [&](auto handler) { tcpStream.async_connect(addresses, std::move(handler)); });
    if (connected == beast::error::timeout) {
      return transportError("timed out connecting to " + where, kTimedOut);
    }
    if (connected) {
      return transportError("cannot connect to " + where + ": " + connected.message(),
                            kConnectFailed);
    }
    return okStatus();
  };

  if (ep.scheme == Scheme::kHttp) {
    beast::tcp_stream stream(ioc);
    BERTH_TRY(connect(stream));
    auto out = talk(ioc, stream, options, ep, request, where);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return out;
  }

  // HTTPS: the system's trust store, or the PEM bundle named by REQUESTS_CA_BUNDLE (as az reads
  // it), e.g. berth's local CA; the certificate must name the host we address.
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_peer);
  if (options.caBundle.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(options.caBundle, ec);
    if (ec) {
      return transportError("cannot read the CA bundle " + options.caBundle + ": " + ec.message(),
                            {});
    }
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
  const std::string name = certificateName(ep);
  boost::system::error_code ipError;
  asio::ip::make_address(name, ipError);
  if (ipError) SSL_set_tlsext_host_name(stream.native_handle(), name.c_str());  // SNI: names only
  stream.set_verify_callback(asio::ssl::host_name_verification(name));
  BERTH_TRY(connect(beast::get_lowest_layer(stream)));
  beast::get_lowest_layer(stream).expires_after(options.connectTimeout);
  ec = runStep(ioc, [&](auto handler) {
    stream.async_handshake(asio::ssl::stream_base::client, std::move(handler));
  });
  if (ec) {
    // Not kConnectFailed: the server is there, the certificate (or protocol) is the problem.
    return transportError("TLS with " + where + " failed: " + ec.message() +
                              "; if the server uses berth's local CA, set "
                              "REQUESTS_CA_BUNDLE=<data_dir>/tls/ca.pem (now: " +
                              (options.caBundle.empty() ? std::string("the system's trust store")
                                                        : options.caBundle) +
                              ")",
                          {});
  }
  auto out = talk(ioc, stream, options, ep, request, where);
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  return out;
}

}  // namespace

Result<std::pair<std::string, std::uint16_t>> splitHostPort(std::string_view text,
                                                            std::uint16_t fallbackPort) {
  std::string host;
  std::string_view rest;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return fail(Errc::kInvalidParameter, "'" + std::string(text) + "': unterminated '['");
    }
    host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
  } else {
    std::size_t colon = text.rfind(':');
    host = std::string(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
  }
  if (host.empty()) return fail(Errc::kInvalidParameter, "'" + std::string(text) + "' has no host");
  std::uint16_t port = fallbackPort;
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6 ||
        !std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail(Errc::kInvalidParameter, "'" + std::string(text) + "' has an invalid port");
    }
    unsigned long p = std::stoul(std::string(rest.substr(1)));
    if (p == 0 || p > 65535) {
      return fail(Errc::kInvalidParameter, "'" + std::string(text) + "' has an invalid port");
    }
    port = static_cast<std::uint16_t>(p);
  }
  return std::make_pair(std::move(host), port);
}

Result<Url> Url::parse(std::string_view text) {
  Url url;
  std::string_view rest = text;
  if (std::size_t sep = rest.find("://"); sep != std::string_view::npos) {
    std::string_view scheme = rest.substr(0, sep);
    if (iequals(scheme, "http")) {
      url.scheme = Scheme::kHttp;
    } else if (iequals(scheme, "https")) {
      url.scheme = Scheme::kHttps;
    } else {
      return fail(Errc::kInvalidParameter,
                  "'" + std::string(text) + "' is not an http:// or https:// URL");
    }
    rest = rest.substr(sep + 3);
  }
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) {
    return fail(Errc::kInvalidParameter, "'" + std::string(text) +
                                             "': put credentials in --username/--password, "
                                             "not in the URL");
  }
  auto hostPort = splitHostPort(authority, defaultPort(url.scheme));
  if (!hostPort.ok()) {
    return fail(Errc::kInvalidParameter, "invalid server URL " + hostPort.error().message);
  }
  url.host = hostPort->first;
  url.port = hostPort->second;
  if (end != std::string_view::npos) {
    std::string_view target = rest.substr(end);
    if (std::size_t hash = target.find('#'); hash != std::string_view::npos) {
      target = target.substr(0, hash);
    }
    url.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  }
  return url;
}

std::string Url::origin() const {
  return std::string(schemeName(scheme)) + "://" + hostForUrl(host) + ":" + std::to_string(port);
}

void HttpRequest::setHeader(std::string name, std::string value) {
  std::erase_if(headers, [&](const HttpHeader& h) { return iequals(h.name, name); });
  headers.push_back({std::move(name), std::move(value)});
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return std::nullopt;
}

Endpoint Endpoint::of(const Url& url) { return Endpoint{url.scheme, url.host, url.port, {}}; }

std::string Endpoint::effectiveHost() const {
  if (!hostHeader.empty()) return hostHeader;
  std::string host = hostForUrl(connectHost);
  if (port != defaultPort(scheme)) host += ":" + std::to_string(port);
  return host;
}

std::string Endpoint::describe(std::string_view target) const {
  std::string out = std::string(schemeName(scheme)) + "://" + effectiveHost() + std::string(target);
  if (!hostHeader.empty()) {
    out += " via " + hostForUrl(connectHost) + ":" + std::to_string(port);
  }
  return out;
}

Result<HttpResponse> HttpClient::send(const Endpoint& endpoint, const HttpRequest& request) const {
  if (options_.debug != nullptr) traceRequest(*options_.debug, endpoint, request);
  try {
    auto response = exchange(options_, endpoint, request);
    if (options_.debug != nullptr) {
      if (response.ok()) {
        traceResponse(*options_.debug, *response);
      } else {
        *options_.debug << "DEBUG: Request failed: " << response.error().message << "\n";
      }
    }
    return response;
  } catch (const std::exception& e) {
    // Beast and Asio allocate and may throw (e.g. a malformed response); turn it into a value.
    return transportError(
        "HTTP request to " + endpoint.describe(request.target) + " failed: " + e.what(), {});
  }
}

Errc errcForHttpStatus(int status) {
  switch (status) {
    case 400:
      return Errc::kInvalidParameter;
    case 401:
      return Errc::kUnauthorized;
    case 403:
      return Errc::kDenied;
    case 404:
      return Errc::kResourceNotFound;
    case 405:
      return Errc::kMethodNotAllowed;
    case 409:
      return Errc::kConflict;
    case 412:
      return Errc::kPreconditionFailed;
    default:
      return status >= 500 ? Errc::kUnavailable : Errc::kInternal;
  }
}

std::string basicAuthorization(std::string_view user, std::string_view password) {
  std::string pair(user);
  pair += ':';
  pair += password;
  return "Basic " + base64Encode(pair);
}

std::string bearerAuthorization(std::string_view token) { return "Bearer " + std::string(token); }

std::string redactSecrets(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return std::string(body);
  static constexpr std::string_view kSecretKeys[] = {
      "accessToken", "refreshToken", "access_token", "refresh_token", "token", "password"};
  // Iterative walk: a hostile server's deep document must not recurse us off the stack.
  std::vector<std::pair<nlohmann::json*, bool>> stack{{&doc, false}};
  while (!stack.empty()) {
    auto [node, inPasswords] = stack.back();
    stack.pop_back();
    if (node->is_object()) {
      for (auto it = node->begin(); it != node->end(); ++it) {
        const bool secret = std::find(std::begin(kSecretKeys), std::end(kSecretKeys), it.key()) !=
                                std::end(kSecretKeys) ||
                            (inPasswords && it.key() == "value");
        if (secret && it->is_string()) {
          *it = "*****";
        } else {
          stack.emplace_back(&*it, it.key() == "passwords");
        }
      }
    } else if (node->is_array()) {
      for (auto& item : *node) stack.emplace_back(&item, inPasswords);
    }
  }
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace berth::cli
