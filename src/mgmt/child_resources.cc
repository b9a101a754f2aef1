// ControlPlane: what scope maps and tokens share as child resources of a registry — finding the
// registry and the child, writing under etag guards, listing.

#include "mgmt/arm_path.h"
#include "mgmt/control_plane.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {

namespace {

std::string_view nounOf(std::string_view type) {
  return type == kScopeMapType ? "scope map" : "token";
}

std::string childSegment(std::string_view type) {
  return type == kScopeMapType ? "scopeMaps" : "tokens";
}

}  // namespace

Result<metadata::ResourceRow> ControlPlane::requireRegistry(const RegistryAddress& reg) {
  auto group = requireGroup(reg.sub, reg.rg);
  if (!group.ok()) return group.error();
  auto row = resources_.getResource(toLower(registryId(reg.sub, reg.rg, reg.name)));
  if (!row.ok() && row.error().code == Errc::kResourceNotFound) {
    return fail(Errc::kResourceNotFound, "The Resource 'Microsoft.ContainerRegistry/registries/" +
                                             std::string(reg.name) + "' under resource group '" +
                                             std::string(reg.rg) + "' was not found.");
  }
  return row;
}

Result<metadata::ResourceRow> ControlPlane::requireChild(const metadata::ResourceRow& registry,
                                                         std::string_view type,
                                                         std::string_view name) {
  auto row = resources_.getResource(registry.key + "/" + toLower(childSegment(type)) + "/" +
                                    toLower(name));
  if (!row.ok() && row.error().code == Errc::kResourceNotFound) {
    return fail(Errc::kResourceNotFound, "The " + std::string(nounOf(type)) + " '" +
                                             std::string(name) + "' was not found in registry '" +
                                             registry.name + "'.");
  }
  return row;
}

Result<std::optional<metadata::ResourceRow>> ControlPlane::childToDelete(
    const metadata::ResourceRow& registry, std::string_view type, std::string_view name,
    const Precondition& pre) {
  auto row = requireChild(registry, type, name);
  if (!row.ok()) {
    if (row.error().code == Errc::kResourceNotFound) return std::optional<metadata::ResourceRow>();
    return row.error();
  }
  if (pre.ifMatch && *pre.ifMatch != row->etag) {
    return fail(Errc::kPreconditionFailed, "the " + std::string(nounOf(type)) +
                                               " changed since it was read (etag mismatch)");
  }
  return std::optional<metadata::ResourceRow>(std::move(*row));
}

Result<PutResult> ControlPlane::writeChild(const metadata::ResourceRow& registry,
                                           std::string_view type, std::string_view name,
                                           const Json& doc, const metadata::ResourceRow* existing,
                                           const Precondition& pre) {
  const std::string key =
      registry.key + "/" + toLower(childSegment(type)) + "/" + toLower(name);
  if (pre.ifMatch && (existing == nullptr || *pre.ifMatch != existing->etag)) {
    return fail(Errc::kPreconditionFailed, "the " + std::string(nounOf(type)) +
                                               " changed since it was read (etag mismatch)");
  }
  if (pre.ifNoneMatchAny && existing != nullptr) {
    return fail(Errc::kPreconditionFailed,
                "the " + std::string(nounOf(type)) + " '" + std::string(name) + "' already exists");
  }
  // Writes are serialized by writer_; the etag still guards against another process.
  std::string expected = existing != nullptr ? existing->etag : std::string();
  Json stored = doc;
  stored.erase("etag");
  BERTH_TRY(resources_.putResource(
      metadata::ResourceRow{key, std::string(type), toLower(name), stored.dump(), ""}, &expected));
  auto row = resources_.getResource(key);
  if (!row.ok()) return row.error();
  auto out = loadDocument(*row);
  if (!out.ok()) return out.error();
  return PutResult{std::move(*out), existing == nullptr};
}

Result<Json> ControlPlane::listChildren(const metadata::ResourceRow& registry,
                                        std::string_view type) {
  Json list = Json::array();
  BERTH_TRY(resources_.listResources(type, registry.key, [&](const metadata::ResourceRow& r) {
    auto doc = loadDocument(r);
    if (doc.ok()) list.push_back(std::move(*doc));
  }));
  return list;
}

std::int64_t ControlPlane::countChildren(std::string_view registryKey, std::string_view type) {
  std::int64_t count = 0;
  (void)resources_.listResources(type, registryKey,
                                 [&](const metadata::ResourceRow&) { ++count; });
  return count;
}

}  // namespace berth::mgmt
