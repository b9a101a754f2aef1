#include "http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace berth::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

/// Large enough to keep a 10 GbE link busy per syscall, small enough to stay in L2.
constexpr std::size_t kReadBufferBytes = 64 * 1024;
/// sendfile() transfers at most this much per call so one huge blob cannot starve its thread.
constexpr std::size_t kSendfileSlice = 4 * 1024 * 1024;

Method toMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get: return Method::kGet;
    case bhttp::verb::head: return Method::kHead;
    case bhttp::verb::put: return Method::kPut;
    case bhttp::verb::post: return Method::kPost;
    case bhttp::verb::patch: return Method::kPatch;
    case bhttp::verb::delete_: return Method::kDelete;
    default: return Method::kOther;
  }
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

void appendNumber(std::string& out, std::uint64_t v) {
  char digits[24];
  auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), v);
  out.append(digits, static_cast<std::size_t>(end - digits));
}

std::string_view stripPortAndLower(std::string_view host, std::string& storage) {
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else {
    std::size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) {
      host = host.substr(0, colon);
    }
  }
  if (std::any_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    storage.assign(host);
    for (char& c : storage) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return storage;
  }
  return host;
}

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

/// One connection: reads requests in a loop and writes responses.
class Session {
 public:
  Session(tcp::socket socket, RequestHandler& handler, const ServerLimits& limits, const Logger& log)
      : stream_(std::move(socket)), handler_(handler), limits_(limits), log_(log) {}

  asio::awaitable<void> run();

 private:
  class Body;
  asio::awaitable<bool> serveOne();
  asio::awaitable<bool> writeResponse(Response& response, bool keepAlive, bool head);
  asio::awaitable<bool> sendFile(FileBody& file);
  asio::awaitable<bool> writeRaw(std::string_view bytes);

  beast::tcp_stream stream_;
  RequestHandler& handler_;
  const ServerLimits& limits_;
  const Logger& log_;
  beast::flat_buffer buffer_;
  net::ConnectionInfo conn_;
  std::string head_;
  std::string hostStorage_;
  Response response_;
};

class Session::Body final : public BodyReader {
 public:
  Body(Session& s, Parser& p, bool expectContinue) : s_(s), p_(p), expectContinue_(expectContinue) {}

  asio::awaitable<Result<std::size_t>> read(std::span<std::byte> out) override {
    if (p_.is_done() || out.empty()) {
      co_return std::size_t{0};
    }
    if (expectContinue_) {
      // The client holds the body back until told to go on; say so only once we want it.
      expectContinue_ = false;
      if (!co_await s_.writeRaw("HTTP/1.1 100 Continue\r\n\r\n")) {
        co_return fail(Errc::kBlobUploadInvalid, "the client closed the connection");
      }
    }
    auto& body = p_.get().body();
    body.data = out.data();
    body.size = out.size();
    beast::error_code ec;
    s_.stream_.expires_after(s_.limits_.idleTimeout);
    co_await bhttp::async_read(s_.stream_, s_.buffer_, p_,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec == bhttp::error::need_buffer) {
      ec = {};
    }
    std::size_t got = out.size() - body.size;
    body.data = nullptr;
    body.size = 0;
    if (ec) {
      broken_ = true;
      co_return fail(Errc::kBlobUploadInvalid,
                     "the request body ended early or was malformed: " + ec.message() +
                         "; nothing past the last complete chunk was kept");
    }
    co_return got;
  }

  bool done() const override { return p_.is_done(); }
  bool broken() const { return broken_; }

 private:
  Session& s_;
  Parser& p_;
  bool expectContinue_;
  bool broken_ = false;
};

asio::awaitable<void> Session::run() {
  beast::error_code ec;
  auto& sock = stream_.socket();
  auto peer = sock.remote_endpoint(ec);
  auto local = sock.local_endpoint(ec);
  conn_.peer = peer.address();
  conn_.peerPort = peer.port();
  conn_.local = local.address();
  conn_.localPort = local.port();
  sock.set_option(tcp::no_delay(true), ec);
  buffer_.reserve(kReadBufferBytes);
  try {
    while (co_await serveOne()) {
    }
  } catch (const std::exception& e) {
    log_.error(std::string("connection aborted by an unexpected error: ") + e.what());
  }
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
}

asio::awaitable<bool> Session::serveOne() {
  Parser parser;
  parser.header_limit(static_cast<std::uint32_t>(limits_.maxHeaderBytes));
  // Handlers stream bodies and enforce their own limits. Not boost::none: Beast 1.74 compares
  // "len > body_limit_" against the empty optional, which is always true.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  beast::error_code ec;
  stream_.expires_after(limits_.idleTimeout);
  co_await bhttp::async_read_header(stream_, buffer_, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      co_return false;
    }
    // A framing error: answer once, then close (we cannot find the next request boundary).
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
      writeRegistryError(response_, query.error());
      co_await writeResponse(response_, false, head);
      co_return false;
    }
    req.query = std::move(*query);
  }
  co_await handler_.handle(req, response_);

  bool keepAlive = msg.keep_alive() && !body.broken();
  if (!parser.is_done()) {
    // The handler answered without consuming the body (an error before reading it): closing is
    // cheaper and safer than draining an upload we already refused.
    keepAlive = false;
  }
  co_return co_await writeResponse(response_, keepAlive, head) && keepAlive;
}

asio::awaitable<bool> Session::writeRaw(std::string_view bytes) {
  beast::error_code ec;
  stream_.expires_after(limits_.idleTimeout);
  co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<bool> Session::writeResponse(Response& response, bool keepAlive, bool head) {
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
  }
  head_.append("\r\n");

  FileBody* file = head || response.omitBody ? nullptr : response.fileBody();
  std::string_view body = head || response.omitBody ? std::string_view{} : response.memoryBody();
  beast::error_code ec;
  stream_.expires_after(limits_.idleTimeout);
  if (file == nullptr) {
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head_.data(), head_.size()),
                                              asio::buffer(body.data(), body.size())};
    co_await asio::async_write(stream_, buffers, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }
  co_await asio::async_write(stream_, asio::buffer(head_.data(), head_.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return false;
  }
  co_return co_await sendFile(*file);
}

asio::awaitable<bool> Session::sendFile(FileBody& file) {
  auto& sock = stream_.socket();
  if (!sock.native_non_blocking()) {
    beast::error_code ec;
    sock.native_non_blocking(true, ec);
  }
  const int out = sock.native_handle();
  const int in = file.reader->fileDescriptor();
  off_t offset = static_cast<off_t>(file.offset);
  std::uint64_t remaining = file.length;
  if (in < 0) {
    // Driver without a local file: copy through a buffer.
    std::vector<std::byte> chunk(kReadBufferBytes);
    while (remaining > 0) {
      auto n = file.reader->readAt(static_cast<std::uint64_t>(offset),
                                   std::span(chunk.data(), std::min<std::uint64_t>(remaining, chunk.size())));
      if (!n.ok() || *n == 0) {
        co_return false;
      }
      if (!co_await writeRaw(std::string_view(reinterpret_cast<const char*>(chunk.data()), *n))) {
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
      beast::error_code ec;
      stream_.expires_after(limits_.idleTimeout);
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

}  // namespace

struct Server::Worker {
  asio::io_context io{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
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

Status Server::listen(const std::vector<std::string>& addresses) {
  for (const auto& text : addresses) {
    auto endpoint = parseListenAddress(text);
    if (!endpoint.ok()) return endpoint.error();
    tcp::endpoint ep = *endpoint;
    for (auto& worker : workers_) {
      auto acceptor = std::make_unique<tcp::acceptor>(worker->io);
      boost::system::error_code ec;
      acceptor->open(ep.protocol(), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) {
        int one = 1;
        if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
          ec.assign(errno, boost::system::system_category());
        }
      }
      if (!ec) acceptor->bind(ep, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        return fail(Errc::kInvalidParameter, "cannot listen on " + text + ": " + ec.message() +
                                                 " (is another process using the port?)");
      }
      // Port 0: later workers must join the port the kernel chose for the first.
      ep = acceptor->local_endpoint();
      worker->acceptors.push_back(std::move(acceptor));
    }
    bound_.push_back(ep);
  }
  return okStatus();
}

std::vector<tcp::endpoint> Server::boundEndpoints() const { return bound_; }

namespace {

asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor, RequestHandler& handler,
                                 const ServerLimits& limits, const Logger& log, std::size_t& connections) {
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
    auto executor = socket.get_executor();
    auto session = std::make_shared<Session>(std::move(socket), handler, limits, log);
    asio::co_spawn(
        executor, [session]() { return session->run(); },
        [&connections](std::exception_ptr) { --connections; });
  }
}

}  // namespace

void Server::start() {
  for (auto& worker : workers_) {
    for (auto& acceptor : worker->acceptors) {
      asio::co_spawn(worker->io, acceptLoop(*acceptor, handler_, limits_, log_, worker->connections),
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
