#pragma once
// Test-only: a tiny HTTP/1.1 server on 127.0.0.1:<ephemeral> that answers each request with a
// handler's canned response and records what it received, so client code is tested over a real
// socket without the daemon.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
// GCC 12 with -fsanitize reports a false maybe-uninitialized inside Beast's request parser.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace berth::cli::testing {

struct SeenRequest {
  std::string method;
  std::string target;
  std::string host;
  std::string authorization;
  std::string body;
};

struct CannedResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class TestHttpServer {
 public:
  using Handler = std::function<CannedResponse(const SeenRequest&)>;

  explicit TestHttpServer(Handler handler)
      : handler_(std::move(handler)),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }

  ~TestHttpServer() {
    stopping_ = true;
    boost::system::error_code ec;
    // Wake the blocking accept with a throwaway connection.
    boost::asio::io_context wake;
    boost::asio::ip::tcp::socket s(wake);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<SeenRequest> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void serve() {
    namespace http = boost::beast::http;
    while (!stopping_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      SeenRequest seen{std::string(req.method_string()), std::string(req.target()),
                       std::string(req[http::field::host]),
                       std::string(req[http::field::authorization]), req.body()};
      {
        std::lock_guard lock(mutex_);
        seen_.push_back(seen);
      }
      CannedResponse canned = handler_(seen);
      http::response<http::string_body> res{static_cast<http::status>(canned.status), 11};
      for (const auto& [k, v] : canned.headers) res.set(k, v);
      if (!res.count(http::field::content_type))
        res.set(http::field::content_type, "application/json");
      res.body() = canned.body;
      res.prepare_payload();
      if (req.method() == http::verb::head) {
        res.content_length(canned.body.size());
        http::response<http::empty_body> head{res.result(), 11};
        for (const auto& f : res) head.set(f.name_string(), f.value());
        http::serializer<false, http::empty_body> sr{head};
        sr.split(true);
        http::write_header(socket, sr, ec);
      } else {
        http::write(socket, res, ec);
      }
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  Handler handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<SeenRequest> seen_;
  std::thread thread_;
};

}  // namespace berth::cli::testing
