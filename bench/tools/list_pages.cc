// list_pages: times one registry listing (tags/list or _catalog) over one keep-alive
// connection, following Link rel="next" to the end, so that the benchmark's listing rows
// measure the server and not the Python client (whose header parsing alone costs more than
// berth takes to answer a 1,000-tag page).
//
//   list_pages HOST PORT PATH OUT [--repeat N]
//
// The clock runs from sending the first request to the last byte of the last page; connecting
// happens before it starts. With --repeat N the listing runs N times on the same connection
// and every run must return the same bytes. After the clock stops, the pages of the first run
// go to OUT, each as "<length>\n<body>\n", and stdout gets one JSON line:
//   {"seconds": MEDIAN, "runs": [S1, ...], "pages": P, "bytes": BODY_BYTES}
// Any error (non-200, malformed response, closed connection, too many pages) prints one line on
// stderr and exits 1; a usage error exits 2.
//
// Self-contained (libc and libstdc++ only) so bench/run can build it with a bare g++.

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Far above any real listing: reaching it means the server's Link chain loops.
constexpr std::size_t kMaxPages = 1'000'000;
/// Bounds the buffer when a server never ends its head (or a chunk-size line).
constexpr std::size_t kMaxHeadBytes = 64 * 1024;
/// Large enough that a 10,000-tag body arrives in a few reads, not hundreds.
constexpr std::size_t kRecvBytes = 256 * 1024;
/// A server that stops answering fails the run instead of hanging it.
constexpr int kIoTimeoutSeconds = 120;

// Every error ends the program, so one exception caught in main() is the simplest carrier.
struct ToolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& message) { throw ToolError(message); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// For error messages: a server's body may hold newlines, and the error must stay one line.
std::string oneLine(std::string_view s, std::size_t limit) {
  std::string out(s.substr(0, limit));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') {
      c = ' ';
    }
  }
  return out;
}

double now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The target of a Link may be absolute (docker-registry) or a path (berth); both name the
// server we are connected to, so only the path is kept.
std::string pathOfTarget(std::string_view target) {
  constexpr std::string_view kHttp = "http://";
  if (target.size() >= kHttp.size() && equalsIgnoreCase(target.substr(0, kHttp.size()), kHttp)) {
    std::string_view rest = target.substr(kHttp.size());
    std::size_t slash = rest.find('/');
    target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  }
  if (target.empty() || target.front() != '/') {
    fail("Link target '" + oneLine(target, 200) + "' is neither a path nor an http:// URL");
  }
  for (char c : target) {
    // Would split or end the request line we build from it.
    if (c == ' ' || c == '\r' || c == '\n' || c == '\0') {
      fail("Link target '" + oneLine(target, 200) + "' holds a space or a control character");
    }
  }
  return std::string(target);
}

// One Link header value may list several links: <a>; rel="next", <b>; rel="prev".
std::optional<std::string> nextTarget(std::string_view value) {
  while (true) {
    std::size_t open = value.find('<');
    if (open == std::string_view::npos) {
      return std::nullopt;
    }
    std::size_t close = value.find('>', open);
    if (close == std::string_view::npos) {
      fail("malformed Link header: '" + oneLine(value, 200) + "'");
    }
    std::string_view target = value.substr(open + 1, close - open - 1);
    std::string_view params = value.substr(close + 1);
    std::size_t comma = params.find(',');
    value = comma == std::string_view::npos ? std::string_view() : params.substr(comma + 1);
    params = params.substr(0, comma);
    while (!params.empty()) {
      std::size_t semi = params.find(';');
      std::string_view param = trim(params.substr(0, semi));
      params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
      std::size_t eq = param.find('=');
      if (eq == std::string_view::npos || !equalsIgnoreCase(trim(param.substr(0, eq)), "rel")) {
        continue;
      }
      std::string_view rels = trim(param.substr(eq + 1));
      if (rels.size() >= 2 && rels.front() == '"' && rels.back() == '"') {
        rels = rels.substr(1, rels.size() - 2);
      }
      // rel may name several relations separated by spaces.
      while (!rels.empty()) {
        std::size_t sp = rels.find(' ');
        if (equalsIgnoreCase(rels.substr(0, sp), "next")) {
          return pathOfTarget(target);
        }
        rels = sp == std::string_view::npos ? std::string_view() : rels.substr(sp + 1);
      }
    }
  }
}

struct Page {
  std::string body;
  std::optional<std::string> next;
};

// One HTTP/1.1 connection kept alive across pages. Only framed responses (Content-Length or
// chunked) are read: a body that ends by closing the connection could not be followed by the
// next page on the same connection, which is what the benchmark compares.
class Connection {
 public:
  Connection(const std::string& host, const std::string& port) : host_header_(host + ":" + port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      fail("cannot resolve " + host_header_ + ": " + gai_strerror(rc));
    }
    std::string last_error = "no address";
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        last_error = std::strerror(errno);
        continue;
      }
      if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
        last_error = std::strerror(errno);
        close(fd);
        continue;
      }
      fd_ = fd;
    }
    freeaddrinfo(found);
    if (fd_ < 0) {
      fail("cannot connect to " + host_header_ + ": " + last_error);
    }
    // Without it, each small request can wait for the server's delayed ACK.
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{kIoTimeoutSeconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    buf_.resize(kRecvBytes);
  }
  ~Connection() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Page get(const std::string& path) {
    path_ = &path;
    std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: " + host_header_ +
        "\r\nAccept: application/json\r\nUser-Agent: berth-bench-list_pages\r\n\r\n";
    sendAll(request);
    return readResponse();
  }

 private:
  void sendAll(std::string_view data) {
    while (!data.empty()) {
      // MSG_NOSIGNAL: a server that closed the connection is an error to report, not SIGPIPE.
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        fail("GET " + *path_ + ": send failed: " + std::strerror(errno));
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::string_view pending() const { return std::string_view(buf_.data() + begin_, end_ - begin_); }

  // Reads more bytes behind the pending ones; a close or a timeout is an error because every
  // response we wait for is framed.
  void fill() {
    if (begin_ == end_) {
      begin_ = end_ = 0;
    } else if (end_ == buf_.size()) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      if (end_ == buf_.size()) {
        buf_.resize(buf_.size() * 2);
      }
    }
    while (true) {
      ssize_t n = recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
      if (n > 0) {
        end_ += static_cast<std::size_t>(n);
        return;
      }
      if (n == 0) {
        fail("GET " + *path_ + ": the server closed the connection mid-response");
      }
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        fail("GET " + *path_ + ": no answer for " + std::to_string(kIoTimeoutSeconds) + " s");
      }
      fail("GET " + *path_ + ": recv failed: " + std::strerror(errno));
    }
  }

  // Returns the bytes up to the first occurrence of delim and consumes them and delim.
  std::string_view takeUntil(std::string_view delim, std::string_view what) {
    std::size_t searched = 0;
    while (true) {
      std::string_view p = pending();
      std::size_t at = p.find(delim, searched);
      if (at != std::string_view::npos) {
        begin_ += at + delim.size();
        return p.substr(0, at);
      }
      if (p.size() > kMaxHeadBytes) {
        fail("GET " + *path_ + ": " + std::string(what) + " longer than " +
             std::to_string(kMaxHeadBytes) + " bytes");
      }
      searched = p.size() >= delim.size() ? p.size() - delim.size() + 1 : 0;
      fill();
    }
  }

  void takeInto(std::string& out, std::size_t count) {
    while (count > 0) {
      if (begin_ == end_) {
        fill();
      }
      std::size_t n = std::min(count, end_ - begin_);
      out.append(buf_.data() + begin_, n);
      begin_ += n;
      count -= n;
    }
  }

  [[noreturn]] void malformed(std::string_view why) {
    fail("GET " + *path_ + ": malformed response: " + std::string(why));
  }

  std::size_t parseSize(std::string_view digits, int base, std::string_view what) {
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      malformed(std::string(what) + " '" + oneLine(digits, 40) + "'");
    }
    return value;
  }

  void readChunked(std::string& body) {
    while (true) {
      std::string_view line = takeUntil("\r\n", "chunk-size line");
      std::size_t size = parseSize(trim(line.substr(0, line.find(';'))), 16, "chunk size");
      if (size == 0) {
        break;
      }
      takeInto(body, size);
      if (!takeUntil("\r\n", "chunk end").empty()) {
        malformed("chunk longer than its size line says");
      }
    }
    while (!takeUntil("\r\n", "trailer").empty()) {
    }
  }

  Page readResponse() {
    // Copied: fill() may move the buffer while the body is read.
    std::string head(takeUntil("\r\n\r\n", "response head"));
    std::string_view rest = head;
    std::size_t eol = rest.find("\r\n");
    std::string_view status_line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ') {
      malformed("status line '" + oneLine(status_line, 80) + "'");
    }
    int status = static_cast<int>(parseSize(status_line.substr(9, 3), 10, "status"));

    std::optional<std::size_t> length;
    bool chunked = false;
    bool closes = status_line.substr(0, 8) == "HTTP/1.0";
    std::optional<std::string> next;
    while (!rest.empty()) {
      eol = rest.find("\r\n");
      std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' ||
          line.front() == '\t') {
        malformed("header line '" + oneLine(line, 80) + "'");
      }
      std::string_view name = line.substr(0, colon);
      std::string_view value = trim(line.substr(colon + 1));
      if (equalsIgnoreCase(name, "content-length")) {
        std::size_t n = parseSize(value, 10, "Content-Length");
        if (length && *length != n) {
          malformed("two different Content-Length headers");
        }
        length = n;
      } else if (equalsIgnoreCase(name, "transfer-encoding")) {
        if (!equalsIgnoreCase(value, "chunked")) {
          malformed("Transfer-Encoding '" + oneLine(value, 80) + "' (only chunked is read)");
        }
        chunked = true;
      } else if (equalsIgnoreCase(name, "connection")) {
        if (equalsIgnoreCase(value, "close")) {
          closes = true;
        } else if (equalsIgnoreCase(value, "keep-alive")) {
          closes = false;
        }
      } else if (equalsIgnoreCase(name, "link") && !next) {
        next = nextTarget(value);
      }
    }

    Page page;
    if (chunked && length) {
      malformed("both Content-Length and chunked");
    }
    if (chunked) {
      readChunked(page.body);
    } else if (length) {
      page.body.reserve(*length);
      takeInto(page.body, *length);
    } else {
      // A body delimited by closing the connection would end the keep-alive run.
      malformed("neither Content-Length nor chunked");
    }
    if (status != 200) {
      fail("GET " + *path_ + " -> " + std::to_string(status) + ": " + oneLine(page.body, 300));
    }
    if (begin_ != end_) {
      malformed(std::to_string(end_ - begin_) + " bytes after the body");
    }
    if (closes && next) {
      fail("GET " + *path_ + ": the server closes the connection although there is a next page");
    }
    page.next = std::move(next);
    return page;
  }

  std::string host_header_;
  int fd_ = -1;
  std::vector<char> buf_;
  std::size_t begin_ = 0;  // pending bytes are buf_[begin_, end_)
  std::size_t end_ = 0;
  const std::string* path_ = nullptr;  // for error messages
};

// Kept in memory until the clock stops: writing them out would be timed as the server's work.
std::vector<std::string> listOnce(Connection& conn, const std::string& first_path,
                                  double& seconds) {
  std::vector<std::string> bodies;
  std::string path = first_path;
  double t0 = now();
  while (true) {
    Page page = conn.get(path);
    bodies.push_back(std::move(page.body));
    if (!page.next) {
      break;
    }
    if (bodies.size() >= kMaxPages) {
      fail(first_path + ": more than " + std::to_string(kMaxPages) +
           " pages; the server's Link chain loops");
    }
    path = std::move(*page.next);
  }
  seconds = now() - t0;
  return bodies;
}

void writePages(const std::string& file, const std::vector<std::string>& bodies) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  for (const std::string& body : bodies) {
    out << body.size() << '\n';
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out << '\n';
  }
  out.close();
  if (!out) {
    fail("cannot write " + file + ": " + std::strerror(errno));
  }
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  long repeat = 1;
  if (args.size() == 6 && args[4] == "--repeat") {
    char* end = nullptr;
    repeat = std::strtol(args[5].c_str(), &end, 10);
    if (*end != '\0' || repeat < 1 || repeat > 1'000'000) {
      repeat = 0;
    }
    args.resize(4);
  }
  if (args.size() != 4 || repeat < 1 || args[2].empty() || args[2].front() != '/') {
    std::fprintf(stderr, "usage: list_pages HOST PORT /PATH OUT_FILE [--repeat N]\n");
    return 2;
  }
  const std::string& path = args[2];
  Connection conn(args[0], args[1]);
  std::vector<double> runs(static_cast<std::size_t>(repeat));
  std::vector<std::string> first = listOnce(conn, path, runs[0]);
  for (std::size_t i = 1; i < runs.size(); ++i) {
    if (listOnce(conn, path, runs[i]) != first) {
      fail(path + ": run " + std::to_string(i + 1) + " returned other pages than run 1");
    }
  }
  writePages(args[3], first);

  std::size_t bytes = 0;
  for (const std::string& body : first) {
    bytes += body.size();
  }
  std::vector<double> sorted = runs;
  std::sort(sorted.begin(), sorted.end());
  double median = sorted.size() % 2 == 1
                      ? sorted[sorted.size() / 2]
                      : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
  char num[32];
  std::snprintf(num, sizeof num, "%.9f", median);
  std::string json = std::string("{\"seconds\": ") + num + ", \"runs\": [";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::snprintf(num, sizeof num, "%.9f", runs[i]);
    json += (i ? ", " : "") + std::string(num);
  }
  json += "], \"pages\": " + std::to_string(first.size()) +
          ", \"bytes\": " + std::to_string(bytes) + "}";
  std::puts(json.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "list_pages: %s\n", e.what());
    return 1;
  }
}
