// berth acr repository list | show-tags | show | delete | untag: the registry's content, read
// and changed through its data plane (OCI distribution API) like az does.

#include <algorithm>
#include <map>
#include <set>

#include "cli/acr_common.h"
#include "cli/command_table.h"
#include "cli/registry_client.h"

namespace berth::cli {
namespace {

// berth has no per-image locks; every operation is allowed (az's changeableAttributes shape).
Json changeableAttributes() {
  return Json{{"deleteEnabled", true},
              {"listEnabled", true},
              {"readEnabled", true},
              {"writeEnabled", true}};
}

Result<RegistryClient> openRegistry(CommandContext& ctx) {
  auto found = findRegistry(ctx, registryNameArgument(ctx));
  if (!found.ok()) return found.error();
  auto profile = ctx.profile();
  if (!profile.ok()) return profile.error();
  auto route = routeToLoginServer(loginServerOf(found->resource, (*profile)->domain), **profile);
  if (!route.ok()) return route.error();
  RegistryClient client(std::move(*route), ctx.http());
  BERTH_TRY(client.signIn((*profile)->accessToken));
  return client;
}

Result<std::optional<std::size_t>> topOption(CommandContext& ctx) {
  auto text = ctx.args().get("--top");
  if (!text) return std::optional<std::size_t>();
  try {
    std::size_t used = 0;
    long long v = std::stoll(*text, &used);
    if (used == text->size() && v > 0) return std::optional<std::size_t>(v);
  } catch (const std::exception&) {
  }
  return usageError("argument --top: invalid int value: '" + *text + "'");
}

Result<CommandOutput> repositoryList(CommandContext& ctx) {
  auto top = topOption(ctx);
  if (!top.ok()) return top.error();
  auto client = openRegistry(ctx);
  if (!client.ok()) return client.error();
  auto repos = client->repositories(*top);
  if (!repos.ok()) return repos.error();
  return CommandOutput(Json(*repos));
}

struct TagDetail {
  std::string name;
  std::string digest;
  Json created;
};

Result<TagDetail> tagDetail(RegistryClient& client, const std::string& repo,
                            const std::string& tag) {
  auto manifest = client.getManifest(repo, tag);
  if (!manifest.ok()) return manifest.error();
  return TagDetail{tag, manifest->first.digest, imageCreatedTime(client, repo, manifest->second)};
}

Json tagView(const TagDetail& t) {
  return Json{{"changeableAttributes", changeableAttributes()},
              {"createdTime", t.created},
              {"digest", t.digest},
              {"lastUpdateTime", t.created},
              {"name", t.name},
              {"signed", false}};
}

Result<CommandOutput> repositoryShowTags(CommandContext& ctx) {
  auto top = topOption(ctx);
  if (!top.ok()) return top.error();
  auto client = openRegistry(ctx);
  if (!client.ok()) return client.error();
  const std::string repo = *ctx.args().get("--repository");
  auto tags = client->tags(repo);
  if (!tags.ok()) return tags.error();
  const auto orderby = ctx.args().get("--orderby");
  const bool detail = ctx.args().has("--detail");
  if (!orderby && !detail) {
    if (*top && tags->size() > **top) tags->resize(**top);
    return CommandOutput(Json(*tags));
  }
  // Ordering by time needs each tag's image config: the distribution API has no tag timestamps.
  std::vector<TagDetail> details;
  for (const auto& tag : *tags) {
    auto d = tagDetail(*client, repo, tag);
    if (!d.ok()) return d.error();
    details.push_back(std::move(*d));
  }
  if (orderby) {
    const bool descending = *orderby == "time_desc";
    // RFC 3339 times in one zone order as text; tags without a time sort as oldest.
    std::stable_sort(details.begin(), details.end(), [&](const TagDetail& a, const TagDetail& b) {
      const std::string ta = a.created.is_string() ? a.created.get<std::string>() : "";
      const std::string tb = b.created.is_string() ? b.created.get<std::string>() : "";
      return descending ? ta > tb : ta < tb;
    });
  }
  if (*top && details.size() > **top) details.resize(**top);
  Json out = Json::array();
  for (const auto& d : details) out.push_back(detail ? tagView(d) : Json(d.name));
  return CommandOutput(std::move(out));
}

// Every tag of `repo` with the digest it points to.
Result<std::vector<std::pair<std::string, std::string>>> taggedDigests(RegistryClient& client,
                                                                       const std::string& repo) {
  auto tags = client.tags(repo);
  if (!tags.ok()) return tags.error();
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& tag : *tags) {
    auto head = client.headManifest(repo, tag);
    if (!head.ok()) {
      if (head.error().code == Errc::kResourceNotFound) continue;  // untagged meanwhile
      return head.error();
    }
    out.emplace_back(tag, head->digest);
  }
  return out;
}

Result<CommandOutput> showRepository(RegistryClient& client, const std::string& repo) {
  auto tagged = taggedDigests(client, repo);
  if (!tagged.ok()) return tagged.error();
  std::set<std::string> digests;
  for (const auto& [tag, digest] : *tagged) digests.insert(digest);
  Json oldest, newest;
  for (const auto& digest : digests) {
    auto manifest = client.getManifest(repo, digest);
    if (!manifest.ok()) continue;
    Json created = imageCreatedTime(client, repo, manifest->second);
    if (!created.is_string()) continue;
    if (oldest.is_null() || created.get<std::string>() < oldest.get<std::string>())
      oldest = created;
    if (newest.is_null() || created.get<std::string>() > newest.get<std::string>())
      newest = created;
  }
  return CommandOutput(Json{{"changeableAttributes", changeableAttributes()},
                            {"createdTime", oldest},
                            {"imageName", repo},
                            {"lastUpdateTime", newest},
                            {"manifestCount", digests.size()},
                            {"registry", client.route().loginServer},
                            {"tagCount", tagged->size()}});
}

Result<CommandOutput> showImage(RegistryClient& client, const ImageReference& image) {
  auto manifest = client.getManifest(image.repository, image.reference);
  if (!manifest.ok()) return manifest.error();
  const auto& [head, doc] = *manifest;
  Json created = imageCreatedTime(client, image.repository, doc);
  if (!image.isDigest) {
    return CommandOutput(tagView(TagDetail{image.reference, head.digest, created}));
  }
  Json out = {{"changeableAttributes", changeableAttributes()},
              {"createdTime", created},
              {"digest", head.digest.empty() ? image.reference : head.digest},
              {"lastUpdateTime", created},
              {"mediaType", head.mediaType}};
  if (doc.is_object() && doc.contains("config") && doc["config"].is_object()) {
    std::int64_t size = doc["config"].value("size", std::int64_t{0});
    for (const auto& layer : doc.value("layers", Json::array())) {
      size += layer.value("size", std::int64_t{0});
    }
    out["configMediaType"] = doc["config"].value("mediaType", std::string());
    out["imageSize"] = size;
    auto config = client.getJsonBlob(image.repository, doc["config"].value("digest", ""));
    if (config.ok() && config->is_object()) {
      out["architecture"] = config->value("architecture", Json());
      out["os"] = config->value("os", Json());
    }
  }
  auto tagged = taggedDigests(client, image.repository);
  if (!tagged.ok()) return tagged.error();
  Json tags = Json::array();
  for (const auto& [tag, digest] : *tagged) {
    if (digest == out["digest"]) tags.push_back(tag);
  }
  out["tags"] = std::move(tags);
  return CommandOutput(std::move(out));
}

Result<CommandOutput> repositoryShow(CommandContext& ctx) {
  const auto repo = ctx.args().get("--repository");
  const auto image = ctx.args().get("--image");
  if (repo.has_value() == image.has_value()) {
    return usageError("Usage error: Please specify either --image or --repository.");
  }
  auto client = openRegistry(ctx);
  if (!client.ok()) return client.error();
  if (repo) return showRepository(*client, *repo);
  auto ref = parseImageReference(*image);
  if (!ref.ok()) return ref.error();
  return showImage(*client, *ref);
}

Result<CommandOutput> repositoryDelete(CommandContext& ctx) {
  const auto repo = ctx.args().get("--repository");
  const auto image = ctx.args().get("--image");
  if (repo.has_value() == image.has_value()) {
    return usageError("Usage error: Please specify either --image or --repository.");
  }
  auto client = openRegistry(ctx);
  if (!client.ok()) return client.error();
  if (repo) {
    auto tagged = taggedDigests(*client, *repo);
    if (!tagged.ok()) return tagged.error();
    auto confirmed = ctx.confirm("This operation will delete the repository '" + *repo +
                                 "' and all the images it contains. Are you sure you want to "
                                 "continue?");
    if (!confirmed.ok()) return confirmed.error();
    if (!*confirmed) return CommandOutput();
    std::set<std::string> digests;
    for (const auto& [tag, digest] : *tagged) digests.insert(digest);
    // Missing is fine: deleting an index may already have taken a manifest it referenced.
    for (const auto& digest : digests) BERTH_TRY(client->deleteManifest(*repo, digest, true));
    return CommandOutput();
  }
  auto ref = parseImageReference(*image);
  if (!ref.ok()) return ref.error();
  auto head = client->headManifest(ref->repository, ref->reference);
  if (!head.ok()) return head.error();
  const std::string digest = head->digest.empty() ? ref->reference : head->digest;
  auto tagged = taggedDigests(*client, ref->repository);
  if (!tagged.ok()) return tagged.error();
  std::string images;
  for (const auto& [tag, d] : *tagged) {
    if (d == digest) images += (images.empty() ? "'" : ", '") + ref->repository + ":" + tag + "'";
  }
  auto confirmed =
      ctx.confirm("This operation will delete the manifest '" + digest + "'" +
                  (images.empty() ? std::string() : " and all the following images: " + images) +
                  ". Are you sure you want to continue?");
  if (!confirmed.ok()) return confirmed.error();
  if (!*confirmed) return CommandOutput();
  BERTH_TRY(client->deleteManifest(ref->repository, digest));
  return CommandOutput();
}

Result<CommandOutput> repositoryUntag(CommandContext& ctx) {
  auto ref = parseImageReference(*ctx.args().get("--image"));
  if (!ref.ok()) return ref.error();
  if (ref->isDigest) {
    return usageError("argument --image/-t: untag needs repository:tag, not a digest");
  }
  auto client = openRegistry(ctx);
  if (!client.ok()) return client.error();
  BERTH_TRY(client->deleteManifest(ref->repository, ref->reference));
  return CommandOutput();
}

OptionSpec imageOption(bool required) {
  OptionSpec o = OptionSpec::value("--image", "-t",
                                   "The name of the image: repository:tag or "
                                   "repository@digest.");
  o.required = required;
  return o;
}

}  // namespace

void registerAcrRepositoryCommands(CommandTable& table) {
  table.addGroup("acr repository",
                 "Manage repositories (image names) for berth container "
                 "registries.");
  const OptionSpec repository =
      OptionSpec::value("--repository", "", "The name of the repository.");
  const OptionSpec yes = OptionSpec::flag("--yes", "-y", "Do not prompt for confirmation.");
  table.add({.path = "acr repository list",
             .summary = "List repositories in a container registry.",
             .options = {registryNameOption(), resourceGroupOption(false),
                         OptionSpec::value("--top", "",
                                           "Limit the number of items in the "
                                           "results.")},
             .run = repositoryList});
  table.add({.path = "acr repository show-tags",
             .summary = "Show tags for a repository in a container registry.",
             .options = {registryNameOption(), resourceGroupOption(false),
                         OptionSpec(repository).require(),
                         OptionSpec::value("--top", "",
                                           "Limit the number of items in the "
                                           "results."),
                         OptionSpec::value("--orderby", "", "Order the items in the results.")
                             .oneOf({"time_asc", "time_desc"}),
                         OptionSpec::flag("--detail", "", "Show detailed information.")},
             .run = repositoryShowTags});
  table.add({.path = "acr repository show",
             .summary = "Get the attributes of a repository or image in a container registry.",
             .options = {registryNameOption(), resourceGroupOption(false), repository,
                         imageOption(false)},
             .run = repositoryShow});
  table.add({.path = "acr repository delete",
             .summary = "Delete a repository or image in a container registry.",
             .options = {registryNameOption(), resourceGroupOption(false), repository,
                         imageOption(false), yes},
             .run = repositoryDelete});
  table.add({.path = "acr repository untag",
             .summary = "Untag an image in a container registry.",
             .options = {registryNameOption(), resourceGroupOption(false), imageOption(true)},
             .run = repositoryUntag});
}

}  // namespace berth::cli
