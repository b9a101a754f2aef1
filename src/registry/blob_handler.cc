// /v2/<name>/blobs/<digest>: GET (with Range), HEAD, DELETE.

#include <charconv>

#include "http/blocking.h"
#include "registry/handler_context.h"

namespace berth::registry {

namespace {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

enum class RangeOutcome { kWhole, kPartial, kUnsatisfiable };

bool parseNumber(std::string_view s, std::uint64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
}

/// RFC 9110 single byte ranges. Multiple ranges and syntax we don't understand fall back to the
/// whole blob, as the RFC allows.
RangeOutcome parseRange(std::string_view header, std::uint64_t size, ByteRange& out) {
  if (header.empty() || !header.starts_with("bytes=") || header.find(',') != std::string_view::npos) {
    return RangeOutcome::kWhole;
  }
  std::string_view spec = header.substr(6);
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeOutcome::kWhole;
  std::string_view a = spec.substr(0, dash);
  std::string_view b = spec.substr(dash + 1);
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (a.empty()) {  // suffix: last N bytes
    if (!parseNumber(b, last)) return RangeOutcome::kWhole;
    if (last == 0 || size == 0) return RangeOutcome::kUnsatisfiable;
    out.length = std::min(last, size);
    out.first = size - out.length;
    return RangeOutcome::kPartial;
  }
  if (!parseNumber(a, first)) return RangeOutcome::kWhole;
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!parseNumber(b, last) || last < first) {
    return RangeOutcome::kWhole;
  }
  if (first >= size) return RangeOutcome::kUnsatisfiable;
  last = std::min(last, size - 1);
  out.first = first;
  out.length = last - first + 1;
  return RangeOutcome::kPartial;
}

Awaitable getBlob(HandlerContext& ctx, const Digest& digest) {
  const bool head = ctx.request.method == http::Method::kHead;
  if (head) {
    auto size = ctx.registry.statBlob(ctx.route.name, digest);
    if (!size.ok()) {
      ctx.error(size.error());
      co_return;
    }
    ctx.response.setHeader("Content-Type", "application/octet-stream");
    ctx.response.setHeader("Docker-Content-Digest", digest.str());
    ctx.response.setHeader("Accept-Ranges", "bytes");
    ctx.response.setContentLengthOnly(*size);
    co_return;
  }
  auto reader = ctx.registry.openBlob(ctx.route.name, digest);
  if (!reader.ok()) {
    ctx.error(reader.error());
    co_return;
  }
  const std::uint64_t size = (*reader)->size();
  ByteRange range{0, size};
  RangeOutcome outcome = parseRange(ctx.request.header("Range"), size, range);
  if (outcome == RangeOutcome::kUnsatisfiable) {
    ctx.error(makeError(Errc::kRangeInvalid, "requested range is outside the blob (size " +
                                                 std::to_string(size) + ")"));
    ctx.response.setHeader("Content-Range", "bytes */" + std::to_string(size));
    co_return;
  }
  ctx.response.setHeader("Content-Type", "application/octet-stream");
  ctx.response.setHeader("Docker-Content-Digest", digest.str());
  ctx.response.setHeader("Accept-Ranges", "bytes");
  ctx.response.setHeader("ETag", "\"" + digest.str() + "\"");
  if (outcome == RangeOutcome::kPartial) {
    ctx.response.status = 206;
    ctx.response.setHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                std::to_string(range.first + range.length - 1) +
                                                "/" + std::to_string(size));
  }
  ctx.response.setFileBody(http::FileBody{std::move(*reader), range.first, range.length});
}

Awaitable deleteBlob(HandlerContext& ctx, const Digest& digest) {
  auto deleted = co_await http::runBlocking(
      ctx.blocking, [&] { return ctx.registry.deleteBlob(ctx.route.name, digest); });
  if (!deleted.ok()) {
    ctx.error(deleted.error());
    co_return;
  }
  ctx.response.status = 202;
}

}  // namespace

Awaitable handleBlob(HandlerContext& ctx) {
  auto digest = Digest::parse(ctx.route.reference);
  if (!digest.ok()) {
    ctx.error(digest.error());
    co_return;
  }
  switch (ctx.request.method) {
    case http::Method::kGet:
    case http::Method::kHead: co_await getBlob(ctx, *digest); co_return;
    case http::Method::kDelete: co_await deleteBlob(ctx, *digest); co_return;
    default: ctx.error(methodNotAllowed(ctx.request.method, "blobs")); co_return;
  }
}

}  // namespace berth::registry
