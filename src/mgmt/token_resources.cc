// ControlPlane: Microsoft.ContainerRegistry/registries/tokens — repository-scoped tokens, their
// scope maps, and their passwords (generated, shown once, stored as scrypt hashes only).

#include <algorithm>

#include "auth/secret_hash.h"
#include "mgmt/arm_path.h"
#include "common/rfc3339.h"
#include "mgmt/control_plane.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {

namespace {

constexpr std::string_view kTokenArmType = "Microsoft.ContainerRegistry/registries/tokens";
constexpr std::string_view kPasswordNames[] = {"password1", "password2"};

std::string passwordCredentialName(std::string_view registry, std::string_view token,
                                   std::string_view which) {
  return toLower(registry) + "/" + toLower(token) + "/" + std::string(which);
}

Json& passwordList(Json& props) {
  if (!props["credentials"].is_object()) props["credentials"] = Json::object();
  Json& credentials = props["credentials"];
  if (!credentials.contains("certificates")) credentials["certificates"] = Json::array();
  if (!credentials["passwords"].is_array()) credentials["passwords"] = Json::array();
  return credentials["passwords"];
}

}  // namespace

Status ControlPlane::applyTokenProperties(std::string_view registryArmId, Json& props,
                                          const Json& input,
                                          std::vector<std::string>& removedPasswords) {
  if (!input.is_object()) return fail(Errc::kInvalidParameter, "properties must be an object");
  for (const auto& [key, value] : input.items()) {
    if (key == "scopeMapId") {
      if (!value.is_string()) return fail(Errc::kInvalidParameter, "scopeMapId must be a string");
      auto map = resolveScopeMap(registryArmId, value.get<std::string>());
      if (!map.ok()) return map.error();
      props["scopeMapId"] = map->id;
    } else if (key == "status") {
      auto status = oneOf(value, "status", {"enabled", "disabled"});
      if (!status.ok()) return status.error();
      props["status"] = *status;
    } else if (key == "credentials") {
      // Passwords cannot be set here (generateCredentials makes them); a list of passwords keeps
      // the named ones and deletes the others, which is how `token credential delete` works.
      if (!value.is_object()) return fail(Errc::kInvalidParameter, "credentials must be an object");
      if (!value.contains("passwords")) continue;
      if (!value["passwords"].is_array()) {
        return fail(Errc::kInvalidParameter, "credentials.passwords must be a list");
      }
      std::vector<std::string> keep;
      for (const auto& p : value["passwords"]) {
        auto name = oneOf(p.is_object() ? p.value("name", Json()) : Json(), "password name",
                          {"password1", "password2"});
        if (!name.ok()) return name.error();
        keep.push_back(*name);
      }
      Json& list = passwordList(props);
      Json kept = Json::array();
      for (auto& p : list) {
        const std::string name = p.value("name", "");
        if (std::find(keep.begin(), keep.end(), name) != keep.end()) {
          kept.push_back(std::move(p));
        } else {
          removedPasswords.push_back(name);
        }
      }
      list = std::move(kept);
    } else if (key != "creationDate" && key != "provisioningState") {
      return fail(Errc::kInvalidParameter, "unknown token property '" + key + "'");
    }
  }
  return okStatus();
}

Result<PutResult> ControlPlane::writeToken(const metadata::ResourceRow& registry,
                                           std::string_view name, const Json& body, bool replace,
                                           const Precondition& pre) {
  if (!body.is_object()) return fail(Errc::kInvalidParameter, "the request body must be a JSON object");
  const Json input = body.value("properties", Json::object());
  if (replace && (!input.is_object() || !input.contains("scopeMapId"))) {
    return fail(Errc::kInvalidParameter,
                "properties.scopeMapId is required: the id of a scope map of this registry");
  }
  auto registryDoc = loadDocument(registry);
  if (!registryDoc.ok()) return registryDoc.error();
  const std::string registryArmId = registryDoc->value("id", "");
  auto existingRow = requireChild(registry, kTokenType, name);
  if (!existingRow.ok() && existingRow.error().code != Errc::kResourceNotFound) {
    return existingRow.error();
  }
  const metadata::ResourceRow* existing = existingRow.ok() ? &*existingRow : nullptr;
  if (!replace && existing == nullptr) return existingRow.error();
  Json doc;
  if (existing != nullptr) {
    auto previous = loadDocument(*existing);
    if (!previous.ok()) return previous.error();
    doc = std::move(*previous);
  } else {
    BERTH_TRY(checkChildQuota(registry, kTokenType));
    doc = {{"id", registryArmId + "/tokens/" + std::string(name)},
           {"name", std::string(name)},
           {"type", kTokenArmType},
           {"properties",
            {{"creationDate", formatRfc3339(clock_.nowUnixSeconds())},
             {"credentials", {{"certificates", Json::array()}, {"passwords", Json::array()}}},
             {"provisioningState", "Succeeded"},
             {"scopeMapId", ""},
             {"status", "enabled"}}}};
  }
  std::vector<std::string> removed;
  BERTH_TRY(applyTokenProperties(registryArmId, doc["properties"], input, removed));
  auto written = writeChild(registry, kTokenType, name, doc, existing, pre);
  if (!written.ok()) return written.error();
  for (const auto& which : removed) {
    BERTH_TRY(credentials_.removeCredential(kTokenPasswordKind,
                                            passwordCredentialName(registry.name, name, which)));
  }
  BERTH_TRY(publishRegistries());
  return written;
}

Result<PutResult> ControlPlane::putToken(const RegistryAddress& reg, std::string_view name,
                                         const Json& body, const Precondition& pre) {
  BERTH_TRY(validateChildName(name, "token"));
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  std::lock_guard lock(writer_);
  return writeToken(*registry, name, body, true, pre);
}

Result<Json> ControlPlane::patchToken(const RegistryAddress& reg, std::string_view name,
                                      const Json& body, const Precondition& pre) {
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  std::lock_guard lock(writer_);
  auto written = writeToken(*registry, name, body, false, pre);
  if (!written.ok()) return written.error();
  return std::move(written->body);
}

Result<Json> ControlPlane::getToken(const RegistryAddress& reg, std::string_view name) {
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  auto row = requireChild(*registry, kTokenType, name);
  if (!row.ok()) return row.error();
  return loadDocument(*row);
}

Result<Json> ControlPlane::listTokens(const RegistryAddress& reg) {
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  auto list = listChildren(*registry, kTokenType);
  if (!list.ok()) return list.error();
  return Json{{"value", std::move(*list)}};
}

Result<bool> ControlPlane::deleteToken(const RegistryAddress& reg, std::string_view name,
                                       const Precondition& pre) {
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  std::lock_guard lock(writer_);
  auto existing = childToDelete(*registry, kTokenType, name, pre);
  if (!existing.ok()) return existing.error();
  if (!*existing) return false;
  auto deleted = resources_.deleteResourceTree((*existing)->key);
  if (!deleted.ok()) return deleted.error();
  for (std::string_view which : kPasswordNames) {
    BERTH_TRY(credentials_.removeCredential(kTokenPasswordKind,
                                            passwordCredentialName(registry->name, name, which)));
  }
  BERTH_TRY(publishRegistries());
  return true;
}

Result<Json> ControlPlane::generateTokenCredentials(const RegistryAddress& reg, const Json& body) {
  if (!body.is_object() || !body.contains("tokenId") || !body["tokenId"].is_string()) {
    return fail(Errc::kInvalidParameter,
                "the body must be {\"tokenId\": <token id>, \"name\": \"password1|password2\" "
                "(optional), \"expiry\": <date-time> (optional)}");
  }
  auto registry = requireRegistry(reg);
  if (!registry.ok()) return registry.error();
  const std::string prefix = registry->key + "/tokens/";
  const std::string tokenKey = toLower(body["tokenId"].get<std::string>());
  if (!tokenKey.starts_with(prefix) || tokenKey.size() == prefix.size() ||
      tokenKey.find('/', prefix.size()) != std::string::npos) {
    return fail(Errc::kInvalidParameter, "tokenId must be the id of a token of registry '" +
                                             registry->name + "'");
  }
  std::vector<std::string> which;
  if (body.contains("name") && !body["name"].is_null()) {
    auto one = oneOf(body["name"], "name", {"password1", "password2"});
    if (!one.ok()) return one.error();
    which.push_back(*one);
  } else {
    which = {"password1", "password2"};
  }
  const std::int64_t now = clock_.nowUnixSeconds();
  std::int64_t expiry = 0;
  if (body.contains("expiry") && !body["expiry"].is_null()) {
    if (!body["expiry"].is_string()) return fail(Errc::kInvalidParameter, "expiry must be a date-time string");
    auto parsed = parseRfc3339(body["expiry"].get<std::string>(), "expiry");
    if (!parsed.ok()) return parsed.error();
    if (*parsed <= now) return fail(Errc::kInvalidParameter, "expiry must be in the future");
    expiry = *parsed;
  }
  std::lock_guard lock(writer_);
  auto token = requireChild(*registry, kTokenType, tokenKey.substr(prefix.size()));
  if (!token.ok()) return token.error();
  auto doc = loadDocument(*token);
  if (!doc.ok()) return doc.error();
  const std::string tokenName = doc->value("name", tokenKey.substr(prefix.size()));
  Json& list = passwordList((*doc)["properties"]);
  Json generated = Json::array();
  for (const auto& w : which) {
    const std::string password = auth::randomPassword();
    auto hash = auth::hashPassword(password);
    if (!hash.ok()) return hash.error();
    BERTH_TRY(credentials_.putCredential(
        metadata::Credential{std::string(kTokenPasswordKind),
                             passwordCredentialName(registry->name, tokenName, w), *hash,
                             registry->name, expiry}));
    Json entry = {{"creationTime", formatRfc3339(now)}};
    if (expiry != 0) entry["expiry"] = formatRfc3339(expiry);
    entry["name"] = w;
    auto old = std::find_if(list.begin(), list.end(),
                            [&](const Json& p) { return p.value("name", "") == w; });
    if (old != list.end()) list.erase(old);
    list.push_back(entry);
    entry["value"] = password;
    generated.push_back(std::move(entry));
  }
  std::sort(list.begin(), list.end(), [](const Json& a, const Json& b) {
    return a.value("name", "") < b.value("name", "");
  });
  auto written = writeChild(*registry, kTokenType, tokenName, *doc, &*token, {});
  if (!written.ok()) return written.error();
  BERTH_TRY(publishRegistries());
  return Json{{"passwords", std::move(generated)}, {"username", tokenName}};
}

}  // namespace berth::mgmt
