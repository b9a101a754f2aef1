#pragma once
// Internal to http/: one connection's request loop, generic over the stream so plain HTTP and
// TLS share every line of parsing and response framing while each keeps its own fast path for
// blob bodies (sendfile for plain, a reused buffer through SSL for TLS). A template, not a
// virtual stream: the plain path pays nothing per byte for TLS existing.
//
// Stream-specific members (handshake, writeFileResponse, shutdown) are specialized once per
// stream: plain ones in server.cc, TLS ones in tls_session.cc.

// clang-format off: <utility> must precede the Boost headers (see the comment on it).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
// clang-format on

#include "common/log.h"
#include "http/server.h"
#include "net/connection_info.h"

namespace berth::net {
class TlsContextSet;
}

namespace berth::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// Large enough to keep a 10 GbE link busy per syscall, small enough to stay in L2.
constexpr std::size_t kReadBufferBytes = 64 * 1024;

/// How long a connection that was answered before its request body was read keeps reading (and
/// discarding) what the client still sends. Closing a socket with unread bytes makes the kernel
/// send a reset, which can destroy our response in the client's receive buffer before the client
/// reads it: the client then sees "connection reset" instead of our 401/416. Bounded so a client
/// that streams forever costs at most this long.
constexpr std::chrono::seconds kLingerTime{5};

Method toMethod(bhttp::verb v);
std::string_view reasonPhrase(int status);
void appendNumber(std::string& out, std::uint64_t v);
/// The Host header without its port, lowercased (into `storage` only when it had capitals).
std::string_view stripPortAndLower(std::string_view host, std::string& storage);

using Parser = bhttp::request_parser<bhttp::buffer_body>;

class BeastHeaders final : public HeaderSource {
 public:
  explicit BeastHeaders(const bhttp::fields& f) : fields_(f) {}
  std::string_view get(std::string_view name) const override {
    auto it = fields_.find(name);
    return it == fields_.end() ? std::string_view{} : it->value();
  }
  void forEach(std::string_view name,
               const std::function<void(std::string_view)>& visit) const override {
    auto range = fields_.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) visit(it->value());
  }

 private:
  const bhttp::fields& fields_;
};

/// True for the ways a client ends a connection that are not worth an error response.
inline bool quietClose(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == beast::error::timeout || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted ||
         // A TLS client that closes TCP without close_notify: harmless with HTTP framing.
         ec == asio::ssl::error::stream_truncated;
}

/// One connection: reads requests in a loop and writes responses.
template <typename Stream>
class Session {
 public:
  /// `streamArgs` construct the stream in place (an SSL stream is not cheaply movable).
  template <typename... StreamArgs>
  Session(RequestHandler& handler, const ServerLimits& limits, const Logger& log,
          StreamArgs&&... streamArgs)
      : stream_(std::forward<StreamArgs>(streamArgs)...),
        handler_(handler),
        limits_(limits),
        log_(log) {}

  asio::awaitable<void> run();

 private:
  class Body;
  // Stream-specific: TLS handshake (plain: nothing), blob bodies, orderly close.
  asio::awaitable<bool> handshake();
  asio::awaitable<bool> writeFileResponse(std::string_view head, FileBody& file);
  asio::awaitable<void> shutdown();
  /// Plain: shutdown(SHUT_WR), so the client sees the end of our answer at once. TLS: nothing
  /// (the close_notify follows in shutdown()).
  void halfClose();

  asio::awaitable<void> discardUnreadBody();

  asio::awaitable<bool> serveOne();
  asio::awaitable<bool> writeResponse(Response& response, bool keepAlive, bool head);
  asio::awaitable<bool> writeRaw(std::string_view bytes);
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  Stream stream_;
  RequestHandler& handler_;
  const ServerLimits& limits_;
  const Logger& log_;
  beast::flat_buffer buffer_;
  net::ConnectionInfo conn_;
  bool http10_ = false;  // the current request is HTTP/1.0
  /// The connection closes after a request whose body was not (fully) read.
  bool unreadBody_ = false;
  std::string head_;
  std::string hostStorage_;
  Response response_;
  /// Blob bytes that cannot go out with sendfile pass through here; allocated on first use and
  /// kept for the connection's next responses.
  std::vector<std::byte> fileBuffer_;
};

template <typename Stream>
class Session<Stream>::Body final : public BodyReader {
 public:
  Body(Session& s, Parser& p, bool expectContinue)
      : s_(s), p_(p), expectContinue_(expectContinue) {
    // A body with a Content-Length is read straight from the stream into the caller's buffer:
    // no copy through Beast's buffer and parser, and as many bytes per syscall as the caller can
    // take. Chunked bodies go through the parser, which removes the framing.
    if (!p.is_done() && !p.chunked()) {
      if (auto length = p.content_length()) {
        direct_ = true;
        remaining_ = *length;
      }
    }
  }

  asio::awaitable<Result<std::size_t>> read(std::span<std::byte> out) override {
    if (done() || out.empty()) {
      co_return std::size_t{0};
    }
    if (expectContinue_) {
      // The client holds the body back until told to go on; say so only once we want it.
      expectContinue_ = false;
      if (!co_await s_.writeRaw("HTTP/1.1 100 Continue\r\n\r\n")) {
        co_return fail(Errc::kBlobUploadInvalid, "the client closed the connection");
      }
    }
    if (direct_) {
      co_return co_await readDirect(out);
    }
    auto& body = p_.get().body();
    body.data = out.data();
    body.size = out.size();
    beast::error_code ec;
    s_.tcp().expires_after(s_.limits_.idleTimeout);
    co_await bhttp::async_read(s_.stream_, s_.buffer_, p_,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec == bhttp::error::need_buffer) {
      ec = {};
    }
    std::size_t got = out.size() - body.size;
    body.data = nullptr;
    body.size = 0;
    if (ec) {
      co_return brokenBody(ec);
    }
    co_return got;
  }

  bool done() const override { return direct_ ? remaining_ == 0 : p_.is_done(); }
  bool broken() const { return broken_; }

 private:
  asio::awaitable<Result<std::size_t>> readDirect(std::span<std::byte> out) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), remaining_));
    // Bytes that arrived with the header are already in the session's buffer.
    if (s_.buffer_.size() > 0) {
      const std::size_t n = asio::buffer_copy(asio::buffer(out.data(), want), s_.buffer_.data());
      s_.buffer_.consume(n);
      remaining_ -= n;
      co_return n;
    }
    beast::error_code ec;
    s_.tcp().expires_after(s_.limits_.idleTimeout);
    // Never past this body's end: the next request's bytes stay in the socket.
    const std::size_t n = co_await s_.stream_.async_read_some(
        asio::buffer(out.data(), want), asio::redirect_error(asio::use_awaitable, ec));
    remaining_ -= n;
    if (ec) {
      co_return brokenBody(ec);
    }
    co_return n;
  }

  Error brokenBody(const beast::error_code& ec) {
    broken_ = true;
    return makeError(Errc::kBlobUploadInvalid,
                     "the request body ended early or was malformed: " + ec.message() +
                         "; nothing past the last complete chunk was kept");
  }

  Session& s_;
  Parser& p_;
  bool expectContinue_;
  bool broken_ = false;
  bool direct_ = false;
  std::uint64_t remaining_ = 0;
};

template <typename Stream>
asio::awaitable<void> Session<Stream>::run() {
  beast::error_code ec;
  auto& sock = tcp().socket();
  auto peer = sock.remote_endpoint(ec);
  auto local = sock.local_endpoint(ec);
  conn_.peer = peer.address();
  conn_.peerPort = peer.port();
  conn_.local = local.address();
  conn_.localPort = local.port();
  sock.set_option(asio::ip::tcp::no_delay(true), ec);
  buffer_.reserve(kReadBufferBytes);
  try {
    if (co_await handshake()) {
      while (co_await serveOne()) {
      }
      if (unreadBody_) {
        co_await discardUnreadBody();
      }
    }
    co_await shutdown();
  } catch (const std::exception& e) {
    log_.error(std::string("connection aborted by an unexpected error: ") + e.what());
  }
  tcp().close();
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::serveOne() {
  Parser parser;
  parser.header_limit(static_cast<std::uint32_t>(limits_.maxHeaderBytes));
  // Handlers stream bodies and enforce their own limits. Not boost::none: Beast 1.74 compares
  // "len > body_limit_" against the empty optional, which is always true.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  beast::error_code ec;
  tcp().expires_after(limits_.idleTimeout);
  co_await bhttp::async_read_header(stream_, buffer_, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (quietClose(ec)) {
      co_return false;
    }
    // A framing error: answer once, then close (we cannot find the next request boundary).
    unreadBody_ = true;
    response_.reset();
    writeRegistryError(response_, ec == bhttp::error::header_limit
                                      ? makeError(Errc::kHeadersTooLarge,
                                                  "request headers exceed the configured limit "
                                                  "(limits.max_header_bytes)")
                                      : makeError(Errc::kRequestInvalid,
                                                  "malformed HTTP request: " + ec.message()));
    co_await writeResponse(response_, false, false);
    co_return false;
  }

  auto& msg = parser.get();
  BeastHeaders headers(msg.base());
  Request req;
  req.method = toMethod(msg.method());
  req.target = msg.target();
  std::size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.host = stripPortAndLower(headers.get("Host"), hostStorage_);
  req.headers = &headers;
  req.connection = &conn_;
  if (auto len = parser.content_length()) {
    req.contentLength = *len;
  }
  const bool expectContinue =
      beast::iequals(headers.get("Expect"), "100-continue") && !parser.is_done();
  Body body(*this, parser, expectContinue);
  req.body = &body;
  const bool head = req.method == Method::kHead;

  response_.reset();
  response_.omitBody = head;
  if (q != std::string_view::npos) {
    auto query = parseQuery(req.target.substr(q + 1));
    if (!query.ok()) {
      unreadBody_ = !parser.is_done();
      writeRegistryError(response_, query.error());
      co_await writeResponse(response_, false, head);
      co_return false;
    }
    req.query = std::move(*query);
  }
  co_await handler_.handle(req, response_);

  http10_ = msg.version() == 10;
  bool keepAlive = msg.keep_alive() && !body.broken();
  if (!body.done()) {
    // The handler answered without consuming the body (an error before reading it): closing is
    // cheaper and safer than draining an upload we already refused.
    keepAlive = false;
    unreadBody_ = !body.broken();
  }
  co_return co_await writeResponse(response_, keepAlive, head) && keepAlive;
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::discardUnreadBody() {
  halfClose();
  buffer_.clear();
  fileBuffer_.resize(kReadBufferBytes);
  // One deadline for the whole loop, not per read: a trickling client cannot extend it.
  tcp().expires_after(kLingerTime);
  beast::error_code ec;
  while (!ec) {
    co_await stream_.async_read_some(asio::buffer(fileBuffer_.data(), fileBuffer_.size()),
                                     asio::redirect_error(asio::use_awaitable, ec));
  }
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::writeRaw(std::string_view bytes) {
  beast::error_code ec;
  tcp().expires_after(limits_.idleTimeout);
  co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::writeResponse(Response& response, bool keepAlive,
                                                     bool head) {
  head_.clear();
  head_.append("HTTP/1.1 ");
  appendNumber(head_, static_cast<std::uint64_t>(response.status));
  head_.push_back(' ');
  head_.append(reasonPhrase(response.status));
  head_.append("\r\n");
  head_.append(response.headerBlock());
  if (response.status != 204 && !(response.status >= 100 && response.status < 200)) {
    head_.append("Content-Length: ");
    appendNumber(head_, response.contentLength());
    head_.append("\r\n");
  }
  if (!keepAlive) {
    head_.append("Connection: close\r\n");
  } else if (http10_) {
    // HTTP/1.0 closes by default; a 1.0 client that asked to keep the connection (ab -k) waits
    // for this header before it sends the next request.
    head_.append("Connection: keep-alive\r\n");
  }
  head_.append("\r\n");

  FileBody* file = head || response.omitBody ? nullptr : response.fileBody();
  if (file != nullptr) {
    co_return co_await writeFileResponse(head_, *file);
  }
  std::string_view body = head || response.omitBody ? std::string_view{} : response.memoryBody();
  beast::error_code ec;
  tcp().expires_after(limits_.idleTimeout);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head_.data(), head_.size()),
                                            asio::buffer(body.data(), body.size())};
  co_await asio::async_write(stream_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

// Defined in server.cc.
template <>
asio::awaitable<bool> Session<PlainStream>::handshake();
template <>
asio::awaitable<bool> Session<PlainStream>::writeFileResponse(std::string_view head,
                                                              FileBody& file);
template <>
asio::awaitable<void> Session<PlainStream>::shutdown();
template <>
void Session<PlainStream>::halfClose();

// Defined in tls_session.cc.
template <>
asio::awaitable<bool> Session<TlsStream>::handshake();
template <>
asio::awaitable<bool> Session<TlsStream>::writeFileResponse(std::string_view head, FileBody& file);
template <>
asio::awaitable<void> Session<TlsStream>::shutdown();
template <>
void Session<TlsStream>::halfClose();

/// Starts a TLS session on an accepted socket with the given context generation (tls_session.cc).
/// `connections` is the worker's counter, decremented when the session ends.
void spawnTlsSession(asio::ip::tcp::socket socket,
                     std::shared_ptr<const net::TlsContextSet> contexts, RequestHandler& handler,
                     const ServerLimits& limits, const Logger& log, std::size_t& connections);

}  // namespace berth::http::detail
