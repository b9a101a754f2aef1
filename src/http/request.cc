#include "http/request.h"

namespace berth::http {

std::string_view methodName(Method m) noexcept {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPut: return "PUT";
    case Method::kPost: return "POST";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kOther: break;
  }
  return "OTHER";
}

std::optional<std::string_view> Request::queryParam(std::string_view name) const {
  return findParam(query, name);
}

boost::asio::awaitable<Result<std::string>> readWholeBody(BodyReader& body, std::size_t limit,
                                                         Error tooLarge) {
  std::string out;
  std::size_t used = 0;
  while (!body.done()) {
    if (out.size() - used < 16 * 1024) {
      if (out.size() > limit) {
        co_return tooLarge;
      }
      out.resize(std::max<std::size_t>(out.size() * 2, 64 * 1024));
    }
    auto n = co_await body.read(
        std::span<std::byte>(reinterpret_cast<std::byte*>(out.data()) + used, out.size() - used));
    if (!n.ok()) {
      co_return n.error();
    }
    if (*n == 0) {
      break;
    }
    used += *n;
    if (used > limit) {
      co_return tooLarge;
    }
  }
  out.resize(used);
  // The buffer grew in 64 KiB steps; callers keep the string (a manifest stays in the index for
  // the registry's lifetime), so give the slack back.
  out.shrink_to_fit();
  co_return out;
}

}  // namespace berth::http
