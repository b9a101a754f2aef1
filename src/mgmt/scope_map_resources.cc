// ControlPlane: Microsoft.ContainerRegistry/registries/scopeMaps — user-defined maps (stored) and
// the three system maps every registry has (computed, never stored, never changed).

#include <algorithm>
#include <array>

#include "auth/permissions.h"
#include "mgmt/arm_path.h"
#include "common/rfc3339.h"
#include "mgmt/control_plane.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {

namespace {

constexpr std::string_view kScopeMapArmType = "Microsoft.ContainerRegistry/registries/scopeMaps";
/// ACR bounds a scope map's action list; so do we, to keep published policies small.
constexpr std::size_t kMaxActions = 500;
constexpr std::size_t kMaxDescription = 256;

struct SystemScopeMap {
  std::string_view name;
  std::string_view description;
  std::vector<std::string> actions;
};

const std::array<SystemScopeMap, 3>& systemScopeMaps() {
  static const std::array<SystemScopeMap, 3> kMaps = {{
      {"_repositories_admin",
       "Can perform all read, write and delete operations on the registry",
       {"repositories/*/metadata/read", "repositories/*/metadata/write",
        "repositories/*/content/read", "repositories/*/content/write",
        "repositories/*/content/delete"}},
      {"_repositories_pull", "Can pull any repository of the registry",
       {"repositories/*/content/read"}},
      {"_repositories_push", "Can push to any repository of the registry",
       {"repositories/*/content/read", "repositories/*/content/write"}},
  }};
  return kMaps;
}

const SystemScopeMap* findSystemMap(std::string_view name) {
  for (const auto& m : systemScopeMaps()) {
    if (iequals(m.name, name)) return &m;
  }
  return nullptr;
}

Error systemMapIsReadOnly(std::string_view name) {
  return makeError(Errc::kInvalidParameter,
                   "The scope map '" + std::string(name) +
                       "' is system-defined and cannot be created, updated or deleted; create a "
                       "scope map with another name.");
}

Json systemMapDocument(const SystemScopeMap& m, const Json& registry) {
  return Json{{"id", registry.value("id", "") + "/scopeMaps/" + std::string(m.name)},
              {"name", m.name},
              {"type", kScopeMapArmType},
              {"properties",
               {{"actions", m.actions},
                {"creationDate", registry["properties"].value("creationDate", "")},
                {"description", m.description},
                {"provisioningState", "Succeeded"},
                {"type", "SystemDefined"}}}};
}

/// Applies `input` (a scope map's properties) onto `props`; actions must parse.
Status applyScopeMapProperties(Json& props, const Json& input) {
  if (!input.is_object()) return fail(Errc::kInvalidParameter, "properties must be an object");
  for (const auto& [key, value] : input.items()) {
    if (key == "actions") {
      if (!value.is_array() || value.empty() || value.size() > kMaxActions) {
        return fail(Errc::kInvalidParameter,
                    "actions must be a list of 1-500 actions such as "
                    "'repositories/hello-world/content/read'");
      }
      std::vector<std::string> actions;
      for (const auto& a : value) {
        if (!a.is_string()) return fail(Errc::kInvalidParameter, "actions must be strings");
        actions.push_back(a.get<std::string>());
      }
      auto parsed = auth::ScopeMap::parse(actions);
      if (!parsed.ok()) return parsed.error();
      props["actions"] = std::move(actions);
    } else if (key == "description") {
      if (!value.is_string() || value.get<std::string>().size() > kMaxDescription) {
        return fail(Errc::kInvalidParameter, "description must be a string of at most 256 characters");
      }
      props["description"] = value;
    } else if (key == "type") {
      if (value != "UserDefined") {
        return fail(Errc::kInvalidParameter, "only 'UserDefined' scope maps can be created");
      }
    } else if (key != "creationDate" && key != "provisioningState") {
      return fail(Errc::kInvalidParameter, "unknown scope map property '" + key + "'");
    }
  }
  return okStatus();
}

}  // namespace

Result<ControlPlane::ResolvedScopeMap> ControlPlane::resolveScopeMap(
    std::string_view registryArmId, std::string_view scopeMapId) {
  const std::string prefix = toLower(registryArmId) + "/scopemaps/";
  const std::string id = toLower(scopeMapId);
  if (!id.starts_with(prefix) || id.size() == prefix.size() ||
      id.find('/', prefix.size()) != std::string::npos) {
    return fail(Errc::kInvalidParameter,
                "scopeMapId '" + std::string(scopeMapId.substr(0, 300)) +
                    "' must be the id of a scope map of the same registry (" +
                    std::string(registryArmId) + "/scopeMaps/<name>)");
  }
  const std::string name = id.substr(prefix.size());
  if (const auto* system = findSystemMap(name)) {
    return ResolvedScopeMap{std::string(registryArmId) + "/scopeMaps/" + std::string(system->name),
                            system->actions};
  }
  auto row = resources_.getResource(id);
  if (!row.ok()) {
    if (row.error().code != Errc::kResourceNotFound) return row.error();
    return fail(Errc::kInvalidParameter, "The scope map '" + name +
                                             "' does not exist; create it first (berth acr "
                                             "scope-map create).");
  }
  auto doc = loadDocument(*row);
  if (!doc.ok()) return doc.error();
  ResolvedScopeMap out{doc->value("id", std::string(scopeMapId)), {}};
  for (const auto& a : (*doc)["properties"].value("actions", Json::array())) {
    if (a.is_string()) out.actions.push_back(a.get<std::string>());
  }
  return out;
}

Result<PutResult> ControlPlane::putScopeMap(const RegistryAddress& reg, std::string_view name,
                                            const Json& body, const Precondition& pre) {
  if (findSystemMap(name) != nullptr) return systemMapIsReadOnly(name);
  BERTH_TRY(validateChildName(name, "scope map"));
  if (name.front() == '_') {
    return fail(Errc::kInvalidParameter,
                "scope map names starting with '_' are reserved for system scope maps");
  }
  if (!body.is_object() || !body.contains("properties") ||
      !body["properties"].contains("actions")) {
    return fail(Errc::kInvalidParameter,
                "properties.actions is required: a list such as "
                "[\"repositories/hello-world/content/read\"]");
  }
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  Json props = {{"actions", Json::array()},
                {"creationDate", formatRfc3339(clock_.nowUnixSeconds())},
                {"description", ""},
                {"provisioningState", "Succeeded"},
                {"type", "UserDefined"}};
  BERTH_TRY(applyScopeMapProperties(props, body["properties"]));
  std::lock_guard lock(writer_);
  auto existingRow = requireChild(*registry, kScopeMapType, name);
  if (!existingRow.ok() && existingRow.error().code != Errc::kResourceNotFound) {
    return existingRow.error();
  }
  const metadata::ResourceRow* existing = existingRow.ok() ? &*existingRow : nullptr;
  Json doc;
  if (existing != nullptr) {
    auto previous = loadDocument(*existing);
    if (!previous.ok()) return previous.error();
    doc = std::move(*previous);
    props["creationDate"] = doc["properties"].value("creationDate", props.value("creationDate", ""));
  } else {
    BERTH_TRY(checkChildQuota(*registry, kScopeMapType));
    auto registryDoc = loadDocument(*registry);
    if (!registryDoc.ok()) return registryDoc.error();
    doc = {{"id", registryDoc->value("id", "") + "/scopeMaps/" + std::string(name)},
           {"name", std::string(name)},
           {"type", kScopeMapArmType}};
  }
  doc["properties"] = std::move(props);
  auto written = writeChild(*registry, kScopeMapType, name, doc, existing, pre);
  if (!written.ok()) return written.error();
  BERTH_TRY(publishRegistries());  // tokens using the map change their rights
  return written;
}

Result<Json> ControlPlane::patchScopeMap(const RegistryAddress& reg, std::string_view name,
                                         const Json& body, const Precondition& pre) {
  if (findSystemMap(name) != nullptr) return systemMapIsReadOnly(name);
  if (!body.is_object()) return fail(Errc::kInvalidParameter, "the request body must be a JSON object");
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  std::lock_guard lock(writer_);
  auto existing = requireChild(*registry, kScopeMapType, name);
  if (!existing.ok()) return existing.error();
  auto doc = loadDocument(*existing);
  if (!doc.ok()) return doc.error();
  if (body.contains("properties")) BERTH_TRY(applyScopeMapProperties((*doc)["properties"], body["properties"]));
  auto written = writeChild(*registry, kScopeMapType, name, *doc, &*existing, pre);
  if (!written.ok()) return written.error();
  BERTH_TRY(publishRegistries());
  return std::move(written->body);
}

Result<Json> ControlPlane::getScopeMap(const RegistryAddress& reg, std::string_view name) {
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  if (const auto* system = findSystemMap(name)) {
    auto registryDoc = loadDocument(*registry);
    if (!registryDoc.ok()) return registryDoc.error();
    return systemMapDocument(*system, *registryDoc);
  }
  auto row = requireChild(*registry, kScopeMapType, name);
  if (!row.ok()) return row.error();
  return loadDocument(*row);
}

Result<Json> ControlPlane::listScopeMaps(const RegistryAddress& reg) {
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  auto registryDoc = loadDocument(*registry);
  if (!registryDoc.ok()) return registryDoc.error();
  Json list = Json::array();
  for (const auto& m : systemScopeMaps()) list.push_back(systemMapDocument(m, *registryDoc));
  auto stored = listChildren(*registry, kScopeMapType);
  if (!stored.ok()) return stored.error();
  for (auto& doc : *stored) list.push_back(std::move(doc));
  return Json{{"value", std::move(list)}};
}

Result<bool> ControlPlane::deleteScopeMap(const RegistryAddress& reg, std::string_view name,
                                          const Precondition& pre) {
  if (findSystemMap(name) != nullptr) return systemMapIsReadOnly(name);
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  std::lock_guard lock(writer_);
  auto found = childToDelete(*registry, kScopeMapType, name, pre);
  if (!found.ok()) return found.error();
  if (!*found) return false;
  const metadata::ResourceRow& existing = **found;
  std::vector<std::string> users;
  BERTH_TRY(resources_.listResources(kTokenType, registry->key, [&](const metadata::ResourceRow& r) {
    auto token = loadDocument(r);
    if (token.ok() && toLower((*token)["properties"].value("scopeMapId", "")) == existing.key) {
      users.push_back(token->value("name", r.name));
    }
  }));
  if (!users.empty()) {
    std::string list;
    for (const auto& u : users) list += (list.empty() ? "'" : ", '") + u + "'";
    return fail(Errc::kConflict, "The scope map '" + std::string(name) + "' is used by token " +
                                     list +
                                     "; delete the token or give it another scope map first.");
  }
  auto deleted = resources_.deleteResourceTree(existing.key);
  if (!deleted.ok()) return deleted.error();
  return true;
}

}  // namespace berth::mgmt
