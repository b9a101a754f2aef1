// Content discovery: tags/list, _catalog and referrers.

#include <nlohmann/json.hpp>

#include "registry/handler_context.h"
#include "registry/manifest_parser.h"

namespace berth::registry {

namespace {

/// Writes the names of a listing page as a JSON array, straight from the index. Tags and
/// repository names are restricted to [A-Za-z0-9._/-] by their grammars, so they need no escaping.
class NameArrayWriter {
 public:
  explicit NameArrayWriter(std::string& out) : out_(out) { out_.push_back('['); }

  void operator()(std::string_view name) {
    if (count_++ > 0) out_.push_back(',');
    out_.push_back('"');
    lastAt_ = out_.size();
    out_.append(name);
    out_.push_back('"');
  }

  /// Closes the array; returns the last name written (for the Link header), empty if none.
  std::string finish() {
    std::string last = count_ > 0 ? out_.substr(lastAt_, out_.size() - lastAt_ - 1) : std::string();
    out_.push_back(']');
    return last;
  }

 private:
  std::string& out_;
  std::size_t count_ = 0;
  std::size_t lastAt_ = 0;
};

void setNextLink(HandlerContext& ctx, std::string_view path, bool more, std::string_view last,
                 std::size_t n) {
  if (!more || last.empty()) return;
  std::string link = "<";
  link.append(path);
  link.append("?last=");
  link.append(last);
  link.append("&n=");
  link.append(std::to_string(n));
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
  std::string body;
  body.append("{\"name\":\"");
  body.append(ctx.route.name);
  body.append("\",\"tags\":");
  NameArrayWriter tags(body);
  auto more = ctx.registry.visitTags(ctx.route.name, *n,
                                     ctx.request.queryParam("last").value_or(""), std::ref(tags));
  if (!more.ok()) {
    ctx.error(more.error());
    co_return;
  }
  std::string last = tags.finish();
  body.push_back('}');
  if (*n) setNextLink(ctx, "/v2/" + std::string(ctx.route.name) + "/tags/list", *more, last, **n);
  ctx.response.setBody(std::move(body), "application/json");
}

Awaitable handleCatalog(HandlerContext& ctx) {
  if (!readOnly(ctx, "_catalog")) co_return;
  auto n = pageSize(ctx.request);
  if (!n.ok()) {
    ctx.error(n.error());
    co_return;
  }
  std::string body = "{\"repositories\":";
  NameArrayWriter repositories(body);
  bool more = ctx.registry.visitRepositories(*n, ctx.request.queryParam("last").value_or(""),
                                             std::ref(repositories));
  std::string last = repositories.finish();
  body.push_back('}');
  if (*n) setNextLink(ctx, "/v2/_catalog", more, last, **n);
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
