#pragma once
// The HTTP/1.1 server: one io_context per worker thread, each with its own SO_REUSEPORT acceptor,
// so connections are spread by the kernel and no request ever takes a cross-thread lock in the
// transport. Sessions are coroutines; bodies stream through BodyReader; file bodies go out with
// sendfile() on plain listeners and through a reused buffer on TLS listeners.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/log.h"
#include "common/result.h"
#include "http/request.h"
#include "http/response.h"

namespace berth::net {
class TlsContextProvider;
}

namespace berth::http {

struct ServerLimits {
  /// Bounds the request line plus headers; larger requests get 431 before any handler runs.
  std::size_t maxHeaderBytes = 64 * 1024;
  /// A connection that sends nothing for this long (between requests or inside a body) is closed.
  std::chrono::seconds idleTimeout{60};
  /// Upper bound on simultaneously open connections per worker thread.
  std::size_t maxConnectionsPerThread = 10000;
};

/// The one pipeline a surface (registry API, management API) implements.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  /// Fills `response`; must not throw (the session's catch-all turns escapes into a 500).
  virtual boost::asio::awaitable<void> handle(Request& request, Response& response) = 0;
};

class Server {
 public:
  Server(RequestHandler& handler, ServerLimits limits, unsigned threads, const Logger& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds every listen address ("host:port", port 0 picks a free one) on every worker; fails
  /// with a message naming the address when it cannot be bound.
  Status listen(const std::vector<std::string>& addresses);
  /// The same for HTTPS: connections handshake (TLS 1.2+, ALPN http/1.1) within
  /// limits.idleTimeout, with the certificate `tls` selects by SNI at that moment. Each call may
  /// pass its own provider, e.g. one certificate per listener.
  Status listenTls(const std::vector<std::string>& addresses,
                   std::shared_ptr<net::TlsContextProvider> tls);
  /// Plain HTTP addresses actually bound (resolves port 0).
  std::vector<boost::asio::ip::tcp::endpoint> boundEndpoints() const;
  /// TLS addresses actually bound.
  std::vector<boost::asio::ip::tcp::endpoint> boundTlsEndpoints() const;
  /// Starts the worker threads; returns immediately.
  void start();
  /// Stops accepting and closes connections; joins the workers.
  void stop();

 private:
  struct Listener;
  struct Worker;
  Status bindAll(const std::vector<std::string>& addresses,
                 const std::shared_ptr<net::TlsContextProvider>& tls,
                 std::vector<boost::asio::ip::tcp::endpoint>& bound);

  RequestHandler& handler_;
  ServerLimits limits_;
  const Logger& log_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<boost::asio::ip::tcp::endpoint> bound_;
  std::vector<boost::asio::ip::tcp::endpoint> boundTls_;
};

/// Splits "host:port" / "[v6]:port"; fails with kInvalidParameter naming the text.
Result<boost::asio::ip::tcp::endpoint> parseListenAddress(const std::string& text);

}  // namespace berth::http
