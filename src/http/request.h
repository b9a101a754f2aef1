#pragma once
// The request as handlers see it: no Beast types, so handler files compile quickly and stay
// independent of the transport. Views point into the session's buffers and are valid only during
// the handler call.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/result.h"
#include "http/query.h"
#include "net/connection_info.h"

namespace berth::http {

enum class Method : std::uint8_t { kGet, kHead, kPut, kPost, kPatch, kDelete, kOther };

std::string_view methodName(Method m) noexcept;

/// Pulls the request body in pieces so an upload of any size streams with flat memory.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  /// Fills up to out.size() bytes; returns 0 once the body is complete. A client that disconnects
  /// or breaks framing yields an error (kBlobUploadInvalid: the caller decides what is kept).
  virtual boost::asio::awaitable<Result<std::size_t>> read(std::span<std::byte> out) = 0;
  /// True once every body byte has been read (or there was no body).
  virtual bool done() const = 0;
};

/// Reads the whole body into memory; bodies longer than `limit` fail with `tooLarge`.
boost::asio::awaitable<Result<std::string>> readWholeBody(BodyReader& body, std::size_t limit,
                                                         Error tooLarge);

class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  /// First value of the header (case-insensitive name), empty when absent.
  virtual std::string_view get(std::string_view name) const = 0;
  /// Every value of a header that may be repeated (e.g. one Accept line per media type).
  virtual void forEach(std::string_view name,
                       const std::function<void(std::string_view)>& visit) const = 0;
};

struct Request {
  Method method = Method::kOther;
  std::string_view target;  // as sent: path?query
  std::string_view path;    // without the query
  std::string_view host;    // Host header without the port, lowercased by the server
  std::optional<std::uint64_t> contentLength;  // absent for chunked or bodiless requests
  const HeaderSource* headers = nullptr;
  BodyReader* body = nullptr;
  const net::ConnectionInfo* connection = nullptr;
  std::vector<QueryParam> query;

  std::string_view header(std::string_view name) const { return headers->get(name); }
  /// First value of a query parameter, or nullopt when absent.
  std::optional<std::string_view> queryParam(std::string_view name) const;
};

}  // namespace berth::http
