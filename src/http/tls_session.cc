// The TLS half of Session: handshake, blob bodies and close for beast::ssl_stream.
//
// Blob bodies cannot use sendfile(): bytes must be encrypted in user space. Kernel TLS
// (SSL_OP_ENABLE_KTLS + SSL_sendfile) would avoid that, but OpenSSL only enables it on a socket
// BIO, and Asio's SSL engine drives OpenSSL through a memory BIO pair, so SSL_sendfile is never
// available to an asio::ssl::stream (and the Debian 12 kernels we run on often lack the `tls`
// module anyway). Bodies therefore go through one buffer per connection, read with pread.

// clang-format off: <utility> must precede the Boost headers (see the comment on it).
#include <algorithm>
#include <cstring>
#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/stream_base.hpp>
// clang-format on

#include "http/session.h"
#include "net/tls_context.h"

namespace berth::http::detail {

namespace {

/// How long we wait for the client's close_notify after sending ours; a client that never
/// answers must not hold the session open for a whole idle timeout.
constexpr std::chrono::seconds kTlsShutdownTimeout{3};

}  // namespace

template <>
asio::awaitable<bool> Session<TlsStream>::handshake() {
  beast::error_code ec;
  conn_.tls = true;
  // The idle timeout bounds the handshake too: a peer that connects and says nothing (or stalls
  // mid-handshake) costs one timer, not a session forever.
  tcp().expires_after(limits_.idleTimeout);
  co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (log_.enabled(LogLevel::kDebug)) {
      log_.debug("TLS handshake with " + conn_.peer.to_string() + " failed: " + ec.message());
    }
    co_return false;
  }
  co_return true;
}

template <>
void Session<TlsStream>::halfClose() {
  // Half-closing TCP under TLS would cut off our close_notify; the client already knows where
  // the response ends (Content-Length, Connection: close).
}

template <>
asio::awaitable<void> Session<TlsStream>::shutdown() {
  beast::error_code ec;
  // After a timeout or reset the socket is gone: nothing to say goodbye on.
  if (!tcp().socket().is_open()) co_return;
  tcp().expires_after(std::min<std::chrono::seconds>(kTlsShutdownTimeout, limits_.idleTimeout));
  co_await stream_.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

template <>
asio::awaitable<bool> Session<TlsStream>::writeFileResponse(std::string_view head, FileBody& file) {
  fileBuffer_.resize(std::max(kReadBufferBytes, head.size() + kReadBufferBytes / 2));
  // The headers share the first write with the start of the body: small blobs (configs) then
  // leave in one TLS record instead of two.
  std::memcpy(fileBuffer_.data(), head.data(), head.size());
  std::size_t filled = head.size();
  std::uint64_t offset = file.offset;
  std::uint64_t remaining = file.length;
  beast::error_code ec;
  for (;;) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(remaining, fileBuffer_.size() - filled));
    if (want > 0) {
      auto n = file.reader->readAt(offset, std::span(fileBuffer_.data() + filled, want));
      // Zero bytes before the promised length: the framing is already broken, so close.
      if (!n.ok() || *n == 0) co_return false;
      filled += *n;
      offset += *n;
      remaining -= *n;
    }
    tcp().expires_after(limits_.idleTimeout);
    co_await asio::async_write(stream_, asio::buffer(fileBuffer_.data(), filled),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    if (remaining == 0) co_return true;
    filled = 0;
  }
}

template class Session<TlsStream>;

void spawnTlsSession(asio::ip::tcp::socket socket,
                     std::shared_ptr<const net::TlsContextSet> contexts, RequestHandler& handler,
                     const ServerLimits& limits, const Logger& log, std::size_t& connections) {
  auto executor = socket.get_executor();
  auto session = std::make_shared<Session<TlsStream>>(handler, limits, log, std::move(socket),
                                                      contexts->defaultContext());
  // The lambda's copy of `contexts` lives as long as the coroutine: the SNI callback may switch
  // the connection to any context of this generation, even after the provider moved on.
  asio::co_spawn(
      executor, [session, contexts]() { return session->run(); },
      [&connections](std::exception_ptr) { --connections; });
}

}  // namespace berth::http::detail
