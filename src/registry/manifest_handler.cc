// /v2/<name>/manifests/<reference>: GET, HEAD, PUT, DELETE.

#include "common/reference.h"
#include "http/blocking.h"
#include "registry/handler_context.h"
#include "registry/manifest_parser.h"

namespace berth::registry {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// True when the client's Accept headers allow `mediaType` (no Accept at all allows anything).
bool acceptable(const http::Request& request, std::string_view mediaType) {
  bool any = false;
  bool allowed = false;
  request.headers->forEach("Accept", [&](std::string_view value) {
    while (!value.empty()) {
      std::size_t comma = value.find(',');
      std::string_view item = trim(value.substr(0, comma));
      value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
      item = trim(item.substr(0, item.find(';')));
      if (item.empty()) continue;
      any = true;
      if (item == mediaType || item == "*/*" || item == "application/*") allowed = true;
    }
  });
  return !any || allowed;
}

Awaitable getManifest(HandlerContext& ctx) {
  auto manifest = ctx.registry.getManifest(ctx.route.name, ctx.route.reference);
  if (!manifest.ok()) {
    ctx.error(manifest.error());
    co_return;
  }
  const ManifestEntry& m = **manifest;
  if (!acceptable(ctx.request, m.mediaType)) {
    ctx.error(makeError(Errc::kManifestUnknown,
                        "the manifest is " + m.mediaType +
                            ", which the request's Accept header does not allow",
                        m.digest.str()));
    co_return;
  }
  ctx.response.setHeader("Docker-Content-Digest", m.digest.str());
  ctx.response.setHeader("ETag", "\"" + m.digest.str() + "\"");
  ctx.response.setSharedBody(m.bytes, m.mediaType);
}

Awaitable putManifest(HandlerContext& ctx) {
  const std::size_t limit = ctx.registry.limits().maxManifestBytes;
  if (ctx.request.contentLength && *ctx.request.contentLength > limit) {
    ctx.error(makeError(Errc::kManifestTooLarge,
                        "manifest is larger than the registry accepts (limits.max_manifest_bytes = " +
                            std::to_string(limit) + ")"));
    co_return;
  }
  auto body = co_await http::readWholeBody(
      *ctx.request.body, limit,
      makeError(Errc::kManifestTooLarge,
                "manifest is larger than the registry accepts (limits.max_manifest_bytes = " +
                    std::to_string(limit) + ")"));
  if (!body.ok()) {
    ctx.error(body.error());
    co_return;
  }
  std::string contentType(ctx.request.header("Content-Type"));
  auto put = co_await http::runBlocking(ctx.blocking, [&] {
    return ctx.registry.putManifest(ctx.route.name, ctx.route.reference, contentType,
                                    std::move(*body));
  });
  if (!put.ok()) {
    ctx.error(put.error());
    co_return;
  }
  ctx.response.status = 201;
  ctx.response.setHeader("Location", "/v2/" + std::string(ctx.route.name) + "/manifests/" +
                                         put->digest.str());
  ctx.response.setHeader("Docker-Content-Digest", put->digest.str());
  if (put->subject) {
    ctx.response.setHeader("OCI-Subject", put->subject->str());
  }
}

Awaitable deleteManifest(HandlerContext& ctx) {
  auto deleted = co_await http::runBlocking(ctx.blocking, [&] {
    return ctx.registry.deleteManifest(ctx.route.name, ctx.route.reference);
  });
  if (!deleted.ok()) {
    ctx.error(deleted.error());
    co_return;
  }
  ctx.response.status = 202;
}

}  // namespace

Awaitable handleManifest(HandlerContext& ctx) {
  switch (ctx.request.method) {
    case http::Method::kGet:
    case http::Method::kHead: co_await getManifest(ctx); co_return;
    case http::Method::kPut: co_await putManifest(ctx); co_return;
    case http::Method::kDelete: co_await deleteManifest(ctx); co_return;
    default: ctx.error(methodNotAllowed(ctx.request.method, "manifests")); co_return;
  }
}

}  // namespace berth::registry
