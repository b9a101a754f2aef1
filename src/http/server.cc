#include "http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/session.h"
#include "net/tls_context.h"

namespace berth::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace detail {

namespace {

/// sendfile() transfers at most this much per call. Small enough that one call does not fill the
/// socket's send buffer (4 MiB here) in one go; likely because while a call runs the socket stays
/// locked, so the client's ACKs wait in its backlog and the window opens only when the call
/// returns. A 1 GiB pull on one connection went 2,836 -> 6,000 MB/s (4 MiB -> 512 KiB slices, 21
/// interleaved pulls each; server CPU 0.37 -> 0.17 s per GiB), with 1 MiB GETs at 64 connections
/// and 200 concurrent 10 MiB pulls unchanged (docs/performance.md). It also keeps one huge blob
/// from starving its thread.
constexpr std::size_t kSendfileSlice = 512 * 1024;

/// Bodies up to this size have their header sent with MSG_MORE (see writeFileResponse).
constexpr std::size_t kCorkedHeaderMax = 4 * 1024 * 1024;

}  // namespace

template <>
asio::awaitable<bool> Session<PlainStream>::handshake() {
  co_return true;
}

template <>
void Session<PlainStream>::halfClose() {
  beast::error_code ec;
  tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
}

template <>
asio::awaitable<void> Session<PlainStream>::shutdown() {
  halfClose();
  co_return;
}

template <>
asio::awaitable<bool> Session<PlainStream>::writeFileResponse(std::string_view head, FileBody& file) {
  beast::error_code ec;
  tcp().expires_after(limits_.idleTimeout);
  auto& sock = tcp().socket();
  if (!sock.native_non_blocking()) {
    sock.native_non_blocking(true, ec);
  }
  const int out = sock.native_handle();
  const int in = file.reader->fileDescriptor();
  // For bodies up to 4 MiB the header is sent with MSG_MORE, so the kernel puts it in one segment
  // with the first bytes of the file (nginx corks for the same reason) instead of sending it
  // alone, and the client wakes once per response, not twice; the end of the first sendfile()
  // pushes everything out. Measured with wrk, 1 MiB GETs at 64 connections: 2,225 -> 3,000
  // req/s. Larger bodies send the header on its own: with MSG_MORE, 200 concurrent pulls of
  // 10 MiB took 979 ms instead of 703 (docs/performance.md).
  const bool corkHeader = in >= 0 && file.length > 0 && file.length <= kCorkedHeaderMax;
  if (!corkHeader) {
    co_await asio::async_write(stream_, asio::buffer(head.data(), head.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return false;
    }
  }
  for (std::string_view pending = corkHeader ? head : std::string_view(); !pending.empty();) {
    const ssize_t n = ::send(out, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_MORE);
    if (n > 0) {
      pending.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      co_await sock.async_wait(tcp::socket::wait_write,
                               asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return false;
      }
    } else {
      co_return false;
    }
  }
  off_t offset = static_cast<off_t>(file.offset);
  std::uint64_t remaining = file.length;
  if (in < 0) {
    // Driver without a local file: copy through a buffer.
    fileBuffer_.resize(kReadBufferBytes);
    while (remaining > 0) {
      auto n = file.reader->readAt(
          static_cast<std::uint64_t>(offset),
          std::span(fileBuffer_.data(), std::min<std::uint64_t>(remaining, fileBuffer_.size())));
      if (!n.ok() || *n == 0) {
        co_return false;
      }
      if (!co_await writeRaw(std::string_view(reinterpret_cast<const char*>(fileBuffer_.data()), *n))) {
        co_return false;
      }
      offset += static_cast<off_t>(*n);
      remaining -= *n;
    }
    co_return true;
  }
  while (remaining > 0) {
    ssize_t n = ::sendfile(out, in, &offset, std::min<std::uint64_t>(remaining, kSendfileSlice));
    if (n > 0) {
      remaining -= static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      tcp().expires_after(limits_.idleTimeout);
      co_await sock.async_wait(tcp::socket::wait_write,
                               asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return false;
      }
      continue;
    }
    // n == 0: the file is shorter than promised; the framing is already broken, so close.
    co_return false;
  }
  co_return true;
}

template class Session<PlainStream>;

}  // namespace detail

using detail::PlainStream;
using detail::Session;

struct Server::Listener {
  tcp::acceptor acceptor;
  std::shared_ptr<net::TlsContextProvider> tls;  // null: plain HTTP
};

struct Server::Worker {
  asio::io_context io{1};
  std::vector<std::unique_ptr<Listener>> listeners;
  std::thread thread;
  std::size_t connections = 0;
};

Server::Server(RequestHandler& handler, ServerLimits limits, unsigned threads, const Logger& log)
    : handler_(handler), limits_(limits), log_(log) {
  threads = std::max(1u, threads);
  for (unsigned i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>());
  }
}

Server::~Server() { stop(); }

Result<tcp::endpoint> parseListenAddress(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail(Errc::kInvalidParameter, "listen address '" + text + "' must look like [::1]:5000");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      return fail(Errc::kInvalidParameter,
                  "listen address '" + text + "' must be HOST:PORT, e.g. 127.0.0.1:5000");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  unsigned long portNumber = 0;
  auto [ptr, perr] = std::from_chars(port.data(), port.data() + port.size(), portNumber);
  if (ec || perr != std::errc{} || ptr != port.data() + port.size() || portNumber > 65535) {
    return fail(Errc::kInvalidParameter,
                "listen address '" + text + "' is not an IP address and port (e.g. 0.0.0.0:5000)");
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(portNumber));
}

Status Server::bindAll(const std::vector<std::string>& addresses,
                       const std::shared_ptr<net::TlsContextProvider>& tls,
                       std::vector<tcp::endpoint>& bound) {
  for (const auto& text : addresses) {
    auto endpoint = parseListenAddress(text);
    if (!endpoint.ok()) return endpoint.error();
    tcp::endpoint ep = *endpoint;
    for (auto& worker : workers_) {
      auto listener = std::make_unique<Listener>(Listener{tcp::acceptor(worker->io), tls});
      tcp::acceptor& acceptor = listener->acceptor;
      boost::system::error_code ec;
      acceptor.open(ep.protocol(), ec);
      if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) {
        int one = 1;
        if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
          ec.assign(errno, boost::system::system_category());
        }
      }
      if (!ec) acceptor.bind(ep, ec);
      if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        return fail(Errc::kInvalidParameter, "cannot listen on " + text + ": " + ec.message() +
                                                 " (is another process using the port?)");
      }
      // Port 0: later workers must join the port the kernel chose for the first.
      ep = acceptor.local_endpoint();
      worker->listeners.push_back(std::move(listener));
    }
    bound.push_back(ep);
  }
  return okStatus();
}

Status Server::listen(const std::vector<std::string>& addresses) {
  return bindAll(addresses, nullptr, bound_);
}

Status Server::listenTls(const std::vector<std::string>& addresses,
                         std::shared_ptr<net::TlsContextProvider> tls) {
  if (!tls) return fail(Errc::kInvalidParameter, "a TLS listener needs certificates");
  return bindAll(addresses, tls, boundTls_);
}

std::vector<tcp::endpoint> Server::boundEndpoints() const { return bound_; }
std::vector<tcp::endpoint> Server::boundTlsEndpoints() const { return boundTls_; }

namespace {

asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor, const net::TlsContextProvider* tls,
                                 RequestHandler& handler, const ServerLimits& limits,
                                 const Logger& log, std::size_t& connections) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // EMFILE and friends: back off instead of spinning.
      log.warn("accept failed: " + ec.message());
      asio::steady_timer timer(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (connections >= limits.maxConnectionsPerThread) {
      socket.close(ec);
      continue;
    }
    ++connections;
    if (tls != nullptr) {
      // Each connection pins the certificate generation current at accept time.
      detail::spawnTlsSession(std::move(socket), tls->current(), handler, limits, log, connections);
      continue;
    }
    auto executor = socket.get_executor();
    auto session = std::make_shared<Session<PlainStream>>(handler, limits, log, std::move(socket));
    asio::co_spawn(
        executor, [session]() { return session->run(); },
        [&connections](std::exception_ptr) { --connections; });
  }
}

}  // namespace

void Server::start() {
  for (auto& worker : workers_) {
    for (auto& listener : worker->listeners) {
      asio::co_spawn(worker->io,
                     acceptLoop(listener->acceptor, listener->tls.get(), handler_, limits_, log_,
                                worker->connections),
                     asio::detached);
    }
    worker->thread = std::thread([w = worker.get()] { w->io.run(); });
  }
}

void Server::stop() {
  for (auto& worker : workers_) {
    worker->io.stop();
  }
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) {
      worker->thread.join();
    }
  }
}

}  // namespace berth::http
