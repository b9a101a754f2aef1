// Content discovery: tags/list, _catalog and referrers.

#include <nlohmann/json.hpp>

#include "registry/handler_context.h"
#include "registry/manifest_parser.h"

namespace berth::registry {

namespace {

/// Tags and repository names are restricted to [A-Za-z0-9._/-] by their grammars, so they are
/// written into JSON without escaping (the listing of 10,000 tags is a hot path).
void appendStringArray(std::string& out, const std::vector<std::string>& items) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    out.append(items[i]);
    out.push_back('"');
  }
  out.push_back(']');
}

void setNextLink(HandlerContext& ctx, std::string_view path, const Page& page,
                 std::optional<std::size_t> n) {
  if (!page.more || page.items.empty()) return;
  std::string link = "<";
  link.append(path);
  link.append("?last=");
  link.append(page.items.back());
  link.append("&n=");
  link.append(std::to_string(*n));
  link.append(">; rel=\"next\"");
  ctx.response.setHeader("Link", link);
}

bool readOnly(HandlerContext& ctx, std::string_view what) {
  if (ctx.request.method == http::Method::kGet || ctx.request.method == http::Method::kHead) {
    return true;
  }
  ctx.error(methodNotAllowed(ctx.request.method, what));
  return false;
}

}  // namespace

Awaitable handleTags(HandlerContext& ctx) {
  if (!readOnly(ctx, "tags/list")) co_return;
  auto n = pageSize(ctx.request);
  if (!n.ok()) {
    ctx.error(n.error());
    co_return;
  }
  auto page = ctx.registry.listTags(ctx.route.name, *n, ctx.request.queryParam("last").value_or(""));
  if (!page.ok()) {
    ctx.error(page.error());
    co_return;
  }
  std::string body;
  body.reserve(32 + ctx.route.name.size() + page->items.size() * 24);
  body.append("{\"name\":\"");
  body.append(ctx.route.name);
  body.append("\",\"tags\":");
  appendStringArray(body, page->items);
  body.push_back('}');
  setNextLink(ctx, "/v2/" + std::string(ctx.route.name) + "/tags/list", *page, *n);
  ctx.response.setBody(std::move(body), "application/json");
}

Awaitable handleCatalog(HandlerContext& ctx) {
  if (!readOnly(ctx, "_catalog")) co_return;
  auto n = pageSize(ctx.request);
  if (!n.ok()) {
    ctx.error(n.error());
    co_return;
  }
  Page page = ctx.registry.listRepositories(*n, ctx.request.queryParam("last").value_or(""));
  std::string body = "{\"repositories\":";
  appendStringArray(body, page.items);
  body.push_back('}');
  setNextLink(ctx, "/v2/_catalog", page, *n);
  ctx.response.setBody(std::move(body), "application/json");
}

Awaitable handleReferrers(HandlerContext& ctx) {
  if (!readOnly(ctx, "referrers")) co_return;
  auto digest = Digest::parse(ctx.route.reference);
  if (!digest.ok()) {
    ctx.error(digest.error());
    co_return;
  }
  std::string artifactType(ctx.request.queryParam("artifactType").value_or(""));
  auto found = ctx.registry.referrers(ctx.route.name, *digest, artifactType);
  nlohmann::json manifests = nlohmann::json::array();
  if (found.ok()) {
    for (const ManifestPtr& m : *found) {
      nlohmann::json descriptor = {{"mediaType", m->mediaType},
                                   {"digest", m->digest.str()},
                                   {"size", m->bytes->size()}};
      if (!m->artifactType.empty()) descriptor["artifactType"] = m->artifactType;
      auto parsed = parseManifest(m->mediaType, *m->bytes);
      if (parsed.ok() && !parsed->annotationsJson.empty()) {
        auto annotations = nlohmann::json::parse(parsed->annotationsJson, nullptr, false);
        if (!annotations.is_discarded()) descriptor["annotations"] = std::move(annotations);
      }
      manifests.push_back(std::move(descriptor));
    }
  } else if (found.error().code != Errc::kNameUnknown) {
    // An unknown repository simply has no referrers: the spec wants an empty index, not 404.
    ctx.error(found.error());
    co_return;
  }
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", std::string(media_types::kOciIndex)},
                          {"manifests", std::move(manifests)}};
  if (!artifactType.empty()) {
    ctx.response.setHeader("OCI-Filters-Applied", "artifactType");
  }
  ctx.response.setBody(index.dump(), media_types::kOciIndex);
}

}  // namespace berth::registry
