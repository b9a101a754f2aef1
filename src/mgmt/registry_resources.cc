// ControlPlane: Microsoft.ContainerRegistry/registries — validation, SKU rules, usage, admin
// credentials, and keeping the data plane in step.

#include <algorithm>
#include <ctime>

#include "auth/secret_hash.h"
#include "mgmt/arm_path.h"
#include "common/rfc3339.h"
#include "mgmt/control_plane.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {

namespace {

struct SkuLimits {
  std::uint64_t storageBytes;
  std::int64_t webhooks, geoReplications, ipRules, vnetRules, privateEndpoints, scopeMaps, tokens;
};

constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

const SkuLimits& limitsFor(std::string_view sku) {
  static constexpr SkuLimits kBasic{10 * kGiB, 2, 0, 0, 0, 0, 100, 100};
  static constexpr SkuLimits kStandard{100 * kGiB, 10, 0, 0, 0, 0, 100, 500};
  static constexpr SkuLimits kPremium{500 * kGiB, 500, 100, 200, 100, 200, 50000, 50000};
  if (sku == "Premium") return kPremium;
  if (sku == "Standard") return kStandard;
  return kBasic;
}

Error skuError(std::string_view feature, std::string_view needed) {
  return makeError(Errc::kSkuNotSupported,
                   std::string(feature) + " requires the " + std::string(needed) +
                       " SKU; update the registry with --sku " +
                       std::string(needed == "Standard or Premium" ? "Standard" : "Premium") +
                       " first");
}

/// Read-only or server-managed properties a client may send back unchanged.
bool ignoredProperty(std::string_view key) {
  static constexpr std::string_view kIgnored[] = {
      "loginServer", "creationDate", "provisioningState", "status", "privateEndpointConnections",
      "dataEndpointHostNames", "encryption", "zoneRedundancy"};
  return std::find(std::begin(kIgnored), std::end(kIgnored), key) != std::end(kIgnored);
}

Status applyProperties(Json& props, const Json& input) {
  if (!input.is_object()) return fail(Errc::kInvalidParameter, "properties must be an object");
  for (const auto& [key, value] : input.items()) {
    if (key == "adminUserEnabled" || key == "anonymousPullEnabled" || key == "dataEndpointEnabled") {
      auto b = boolField(value, key);
      if (!b.ok()) return b.error();
      props[key] = *b;
    } else if (key == "publicNetworkAccess") {
      auto v = oneOf(value, key, {"Enabled", "Disabled"});
      if (!v.ok()) return v.error();
      props[key] = *v;
    } else if (key == "networkRuleBypassOptions") {
      auto v = oneOf(value, key, {"AzureServices", "None"});
      if (!v.ok()) return v.error();
      props[key] = *v;
    } else if (key == "networkRuleSet") {
      if (!value.is_object()) return fail(Errc::kInvalidParameter, "networkRuleSet must be an object");
      Json set = {{"defaultAction", "Allow"}, {"ipRules", Json::array()}};
      for (const auto& [k, v] : value.items()) {
        if (k == "defaultAction") {
          auto action = oneOf(v, "networkRuleSet.defaultAction", {"Allow", "Deny"});
          if (!action.ok()) return action.error();
          set["defaultAction"] = *action;
        } else if (k == "ipRules") {
          if (!v.is_array()) return fail(Errc::kInvalidParameter, "ipRules must be a list");
          for (const auto& rule : v) {
            std::string text = rule.is_object() ? rule.value("value", "") : rule.is_string() ? rule.get<std::string>() : "";
            auto cidr = normalizeIpRule(text);
            if (!cidr.ok()) return cidr.error();
            if (rule.is_object() && rule.contains("action") && rule["action"] != "Allow") {
              return fail(Errc::kInvalidParameter, "ipRules entries only support action 'Allow'");
            }
            set["ipRules"].push_back({{"action", "Allow"}, {"value", *cidr}});
          }
        } else if (k == "virtualNetworkRules") {
          if (!v.is_array() || !v.empty()) {
            return fail(Errc::kInvalidParameter,
                        "virtualNetworkRules are not supported; use private endpoints");
          }
        } else {
          return fail(Errc::kInvalidParameter, "unknown networkRuleSet property '" + k + "'");
        }
      }
      props["networkRuleSet"] = std::move(set);
    } else if (key == "policies") {
      if (!value.is_object()) return fail(Errc::kInvalidParameter, "policies must be an object");
      for (const auto& [k, v] : value.items()) props["policies"][k] = v;
    } else if (!ignoredProperty(key)) {
      return fail(Errc::kInvalidParameter, "unknown registry property '" + key + "'");
    }
  }
  return okStatus();
}

Status checkSku(const Json& doc) {
  const std::string sku = doc["sku"]["name"];
  const Json& p = doc["properties"];
  const bool premium = sku == "Premium";
  if (!premium && p.value("publicNetworkAccess", "Enabled") == "Disabled") {
    return skuError("Disabling public network access", "Premium");
  }
  if (!premium && (p["networkRuleSet"].value("defaultAction", "Allow") == "Deny" ||
                   !p["networkRuleSet"]["ipRules"].empty())) {
    return skuError("Network rules (default action Deny, IP rules)", "Premium");
  }
  if (!premium && p.value("dataEndpointEnabled", false)) {
    return skuError("Dedicated data endpoints", "Premium");
  }
  if (sku == "Basic" && p.value("anonymousPullEnabled", false)) {
    return skuError("Anonymous pull", "Standard or Premium");
  }
  const auto limit = limitsFor(sku).ipRules;
  if (static_cast<std::int64_t>(p["networkRuleSet"]["ipRules"].size()) > limit && premium) {
    return fail(Errc::kQuotaExceeded, "a registry allows at most " + std::to_string(limit) +
                                          " IP rules");
  }
  return okStatus();
}

RegistrySettings settingsOf(const Json& doc) {
  RegistrySettings s;
  const Json& p = doc["properties"];
  s.name = toLower(doc.value("name", ""));
  s.sku = doc["sku"].value("name", "Basic");
  s.location = doc.value("location", "");
  s.adminUserEnabled = p.value("adminUserEnabled", false);
  s.publicNetworkAccess = p.value("publicNetworkAccess", "Enabled") == "Enabled";
  s.defaultAction = p["networkRuleSet"].value("defaultAction", "Allow");
  for (const auto& rule : p["networkRuleSet"]["ipRules"]) s.ipRules.push_back(rule.value("value", ""));
  s.trustedServicesBypass = p.value("networkRuleBypassOptions", "AzureServices") == "AzureServices";
  s.anonymousPullEnabled = p.value("anonymousPullEnabled", false);
  s.dataEndpointEnabled = p.value("dataEndpointEnabled", false);
  return s;
}

}  // namespace

Status ControlPlane::publishRegistries() {
  std::vector<Json> docs;
  BERTH_TRY(resources_.listResources(kRegistryType, "", [&](const metadata::ResourceRow& row) {
    Json doc = Json::parse(row.body, nullptr, false);
    if (!doc.is_discarded()) docs.push_back(std::move(doc));
  }));
  std::vector<RegistrySettings> all;
  nextPasswordExpiry_ = 0;
  for (const Json& doc : docs) {
    all.push_back(settingsOf(doc));
    BERTH_TRY(buildAccessPolicy(doc, all.back()));
  }
  return host_.syncRegistries(all);
}

Status ControlPlane::checkChildQuota(const metadata::ResourceRow& registry, std::string_view type) {
  Json doc = Json::parse(registry.body, nullptr, false);
  const std::string sku = doc.is_object() ? doc["sku"].value("name", "Basic") : "Basic";
  const bool maps = type == kScopeMapType;
  const std::int64_t limit = maps ? limitsFor(sku).scopeMaps : limitsFor(sku).tokens;
  if (countChildren(registry.key, type) >= limit) {
    return fail(Errc::kQuotaExceeded,
                "The registry '" + registry.name + "' (" + sku + ") allows at most " +
                    std::to_string(limit) + (maps ? " scope maps" : " tokens") +
                    "; delete some or update the registry to a larger SKU.");
  }
  return okStatus();
}

Result<PutResult> ControlPlane::writeRegistry(std::string_view sub, std::string_view rg,
                                              std::string_view name, Json doc,
                                              const metadata::ResourceRow* existing,
                                              const Precondition& pre) {
  BERTH_TRY(checkSku(doc));
  const bool adminEnabled = doc["properties"].value("adminUserEnabled", false);
  const std::string key = toLower(registryId(sub, rg, name));
  std::string expected = pre.ifNoneMatchAny ? std::string() : pre.ifMatch.value_or("");
  if (existing != nullptr && !pre.ifMatch && !pre.ifNoneMatchAny) {
    // Serialized already; still guard against a concurrent writer in another process.
    expected = existing->etag;
  }
  const bool guarded = pre.ifNoneMatchAny || pre.ifMatch || existing != nullptr;
  BERTH_TRY(resources_.putResource(
      metadata::ResourceRow{key, std::string(kRegistryType), toLower(name), doc.dump(), ""},
      guarded ? &expected : nullptr));
  if (adminEnabled) BERTH_TRY(ensureAdminPasswords(toLower(name), false));
  BERTH_TRY(publishRegistries());
  auto stored = resources_.getResource(key);
  if (!stored.ok()) return stored.error();
  auto out = loadDocument(*stored);
  if (!out.ok()) return out.error();
  return PutResult{std::move(*out), existing == nullptr};
}

Result<PutResult> ControlPlane::putRegistry(std::string_view sub, std::string_view rg,
                                            std::string_view name, const Json& body,
                                            const Precondition& pre) {
  auto group = requireGroup(sub, rg);
  if (!group.ok()) return group.error();
  BERTH_TRY(requireProvider(sub, "Microsoft.ContainerRegistry"));
  BERTH_TRY(validateRegistryName(name));
  if (!body.is_object()) return fail(Errc::kInvalidParameter, "the request body must be a JSON object");
  std::lock_guard lock(writer_);
  const std::string key = toLower(registryId(sub, rg, name));
  auto existingRow = resources_.getResource(key);
  const metadata::ResourceRow* existing = existingRow.ok() ? &*existingRow : nullptr;
  if (existing == nullptr) {
    bool taken = host_.nameReserved(toLower(name));
    BERTH_TRY(resources_.findResourcesByName(kRegistryType, toLower(name),
                                             [&](const metadata::ResourceRow&) { taken = true; }));
    if (taken) {
      return fail(Errc::kConflict, "The registry DNS name " + toLower(name) + "." + domain_ +
                                       " is already in use. Choose another registry name.");
    }
  }
  Json groupDoc = Json::parse(group->body, nullptr, false);
  std::string location = groupDoc.value("location", "");
  if (body.contains("location")) {
    auto loc = normalizeLocation(body["location"]);
    if (!loc.ok()) return loc.error();
    location = *loc;
  }
  if (!body.contains("sku") || !body["sku"].is_object() || !body["sku"].contains("name")) {
    return fail(Errc::kInvalidParameter, "sku.name is required: Basic, Standard or Premium (--sku)");
  }
  auto sku = oneOf(body["sku"]["name"], "sku.name", {"Basic", "Standard", "Premium"});
  if (!sku.ok()) return sku.error();
  Json previous = existing ? Json::parse(existing->body, nullptr, false) : Json();
  const std::int64_t created = clock_.nowUnixSeconds();
  Json doc = {
      {"id", registryId(sub, rg, name)},
      {"location", location},
      {"name", std::string(name)},
      {"sku", {{"name", *sku}, {"tier", *sku}}},
      {"tags", Json::object()},
      {"type", "Microsoft.ContainerRegistry/registries"},
      {"properties",
       {{"adminUserEnabled", false},
        {"anonymousPullEnabled", false},
        {"creationDate", existing ? previous["properties"].value("creationDate", formatRfc3339(created))
                                  : formatRfc3339(created)},
        {"dataEndpointEnabled", false},
        {"dataEndpointHostNames", Json::array()},
        {"encryption", {{"status", "disabled"}}},
        {"loginServer", toLower(name) + "." + domain_},
        {"networkRuleBypassOptions", "AzureServices"},
        {"networkRuleSet", {{"defaultAction", "Allow"}, {"ipRules", Json::array()}}},
        {"policies",
         {{"exportPolicy", {{"status", "enabled"}}},
          {"quarantinePolicy", {{"status", "disabled"}}},
          {"retentionPolicy", {{"days", 7}, {"status", "disabled"}}},
          {"trustPolicy", {{"status", "disabled"}, {"type", "Notary"}}}}},
        {"privateEndpointConnections", Json::array()},
        {"provisioningState", "Succeeded"},
        {"publicNetworkAccess", "Enabled"},
        {"zoneRedundancy", "Disabled"}}}};
  if (existing && previous.is_object() && previous.contains("properties")) {
    doc["properties"]["privateEndpointConnections"] =
        previous["properties"].value("privateEndpointConnections", Json::array());
  }
  if (body.contains("tags")) {
    auto tags = validateTags(body["tags"]);
    if (!tags.ok()) return tags.error();
    doc["tags"] = *tags;
  }
  if (body.contains("properties")) BERTH_TRY(applyProperties(doc["properties"], body["properties"]));
  if (doc["properties"]["dataEndpointEnabled"] == true) {
    doc["properties"]["dataEndpointHostNames"] =
        Json::array({toLower(name) + "." + location + ".data." + domain_});
  }
  return writeRegistry(sub, rg, name, std::move(doc), existing, pre);
}

Result<Json> ControlPlane::patchRegistry(std::string_view sub, std::string_view rg,
                                         std::string_view name, const Json& body,
                                         const Precondition& pre) {
  auto group = requireGroup(sub, rg);
  if (!group.ok()) return group.error();
  if (!body.is_object()) return fail(Errc::kInvalidParameter, "the request body must be a JSON object");
  std::lock_guard lock(writer_);
  auto existing = resources_.getResource(toLower(registryId(sub, rg, name)));
  if (!existing.ok()) {
    if (existing.error().code == Errc::kResourceNotFound) {
      return fail(Errc::kResourceNotFound, "The Resource 'Microsoft.ContainerRegistry/registries/" +
                                               std::string(name) + "' under resource group '" +
                                               std::string(rg) + "' was not found.");
    }
    return existing.error();
  }
  if (pre.ifMatch && *pre.ifMatch != existing->etag) {
    return fail(Errc::kPreconditionFailed, "the registry changed since it was read (etag mismatch)");
  }
  Json doc = Json::parse(existing->body, nullptr, false);
  if (doc.is_discarded()) return internalError("stored registry " + existing->key + " is not JSON");
  for (const auto& [key, value] : body.items()) {
    if (key == "sku") {
      if (!value.is_object() || !value.contains("name")) {
        return fail(Errc::kInvalidParameter, "sku must be {\"name\": \"Basic|Standard|Premium\"}");
      }
      auto sku = oneOf(value["name"], "sku.name", {"Basic", "Standard", "Premium"});
      if (!sku.ok()) return sku.error();
      doc["sku"] = {{"name", *sku}, {"tier", *sku}};
    } else if (key == "tags") {
      auto tags = validateTags(value);
      if (!tags.ok()) return tags.error();
      doc["tags"] = *tags;
    } else if (key == "properties") {
      BERTH_TRY(applyProperties(doc["properties"], value));
    } else if (key != "id" && key != "name" && key != "type" && key != "location" && key != "etag") {
      return fail(Errc::kInvalidParameter, "unknown registry field '" + key + "'");
    } else if (key == "location" && value != doc["location"]) {
      return fail(Errc::kInvalidParameter, "the location of a registry cannot be changed");
    }
  }
  doc["properties"]["dataEndpointHostNames"] =
      doc["properties"].value("dataEndpointEnabled", false)
          ? Json::array({toLower(name) + "." + doc.value("location", "") + ".data." + domain_})
          : Json::array();
  Precondition guard = pre;
  guard.ifMatch = existing->etag;
  auto written = writeRegistry(sub, rg, name, std::move(doc), &*existing, guard);
  if (!written.ok()) return written.error();
  return std::move(written->body);
}

Result<Json> ControlPlane::getRegistry(std::string_view sub, std::string_view rg,
                                       std::string_view name) {
  auto group = requireGroup(sub, rg);
  if (!group.ok()) return group.error();
  auto row = resources_.getResource(toLower(registryId(sub, rg, name)));
  if (!row.ok()) {
    if (row.error().code == Errc::kResourceNotFound) {
      return fail(Errc::kResourceNotFound, "The Resource 'Microsoft.ContainerRegistry/registries/" +
                                               std::string(name) + "' under resource group '" +
                                               std::string(rg) + "' was not found.");
    }
    return row.error();
  }
  return loadDocument(*row);
}

Result<Json> ControlPlane::listRegistries(std::string_view sub, std::string_view rg) {
  std::string scope;
  if (rg.empty()) {
    auto subscription = requireSubscription(sub);
    if (!subscription.ok()) return subscription.error();
    scope = toLower(subscriptionId(sub));
  } else {
    auto group = requireGroup(sub, rg);
    if (!group.ok()) return group.error();
    scope = toLower(resourceGroupId(sub, rg));
  }
  Json list = Json::array();
  BERTH_TRY(resources_.listResources(kRegistryType, scope, [&](const metadata::ResourceRow& r) {
    auto doc = loadDocument(r);
    if (doc.ok()) list.push_back(std::move(*doc));
  }));
  return Json{{"value", std::move(list)}};
}

Result<bool> ControlPlane::deleteRegistry(std::string_view sub, std::string_view rg,
                                          std::string_view name, const Precondition& pre) {
  auto group = requireGroup(sub, rg);
  if (!group.ok()) return group.error();
  std::lock_guard lock(writer_);
  const std::string key = toLower(registryId(sub, rg, name));
  auto existing = resources_.getResource(key);
  if (!existing.ok()) {
    if (existing.error().code == Errc::kResourceNotFound) return false;
    return existing.error();
  }
  if (pre.ifMatch && *pre.ifMatch != existing->etag) {
    return fail(Errc::kPreconditionFailed, "the registry changed since it was read (etag mismatch)");
  }
  auto deleted = resources_.deleteResourceTree(key);
  if (!deleted.ok()) return deleted.error();
  (void)credentials_.removeCredentialsOwnedBy(kAdminPasswordKind, toLower(name));
  (void)credentials_.removeCredentialsOwnedBy(kTokenPasswordKind, toLower(name));
  BERTH_TRY(publishRegistries());
  BERTH_TRY(publishRoleAssignmentIndex());  // assignments scoped to it went with it
  return true;
}

Result<Json> ControlPlane::checkRegistryName(std::string_view sub, const Json& body) {
  auto subscription = requireSubscription(sub);
  if (!subscription.ok()) return subscription.error();
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string()) {
    return fail(Errc::kInvalidParameter, "the body must be {\"name\": ..., \"type\": "
                                         "\"Microsoft.ContainerRegistry/registries\"}");
  }
  std::string name = body["name"];
  if (Status valid = validateRegistryName(name); !valid.ok()) {
    return Json{{"message", valid.error().message}, {"nameAvailable", false}, {"reason", "Invalid"}};
  }
  bool taken = host_.nameReserved(toLower(name));
  BERTH_TRY(resources_.findResourcesByName(kRegistryType, toLower(name),
                                           [&](const metadata::ResourceRow&) { taken = true; }));
  if (taken) {
    return Json{{"message", "The registry " + name + " is already in use."},
                {"nameAvailable", false},
                {"reason", "AlreadyExists"}};
  }
  return Json{{"nameAvailable", true}};
}

Result<Json> ControlPlane::listRegistryUsages(std::string_view sub, std::string_view rg,
                                              std::string_view name) {
  auto doc = getRegistry(sub, rg, name);
  if (!doc.ok()) return doc.error();
  const std::string sku = (*doc)["sku"].value("name", "Basic");
  const SkuLimits& l = limitsFor(sku);
  const Json& p = (*doc)["properties"];
  auto row = [](std::string_view n, std::int64_t current, std::int64_t limit, std::string_view unit) {
    return Json{{"currentValue", current}, {"limit", limit}, {"name", n}, {"unit", unit}};
  };
  Json rows = Json::array();
  rows.push_back(row("Size", static_cast<std::int64_t>(host_.storageBytes(toLower(name))),
                     static_cast<std::int64_t>(l.storageBytes), "Bytes"));
  rows.push_back(row("Webhooks", 0, l.webhooks, "Count"));
  rows.push_back(row("Geo-replications", 0, l.geoReplications, "Count"));
  rows.push_back(row("IPRules", static_cast<std::int64_t>(p["networkRuleSet"]["ipRules"].size()),
                     l.ipRules, "Count"));
  rows.push_back(row("VNetRules", 0, l.vnetRules, "Count"));
  rows.push_back(row("PrivateEndpointConnections",
                     static_cast<std::int64_t>(p.value("privateEndpointConnections", Json::array()).size()),
                     l.privateEndpoints, "Count"));
  const std::string key = toLower(registryId(sub, rg, name));
  rows.push_back(row("ScopeMaps", countChildren(key, kScopeMapType), l.scopeMaps, "Count"));
  rows.push_back(row("Tokens", countChildren(key, kTokenType), l.tokens, "Count"));
  return Json{{"value", std::move(rows)}};
}

Status ControlPlane::ensureAdminPasswords(std::string_view registry, bool regenerateAll) {
  for (std::string_view which : {"password", "password2"}) {
    const std::string credentialName = std::string(registry) + "/" + std::string(which);
    if (!regenerateAll && credentials_.getCredential(kAdminPasswordKind, credentialName).ok()) {
      continue;
    }
    auto sealed = secrets_.seal(auth::randomPassword());
    if (!sealed.ok()) return sealed.error();
    BERTH_TRY(credentials_.putCredential(metadata::Credential{std::string(kAdminPasswordKind),
                                                              credentialName, *sealed,
                                                              std::string(registry), 0}));
  }
  return okStatus();
}

Result<Json> ControlPlane::credentialsDocument(std::string_view registry) {
  Json passwords = Json::array();
  for (std::string_view which : {"password", "password2"}) {
    auto stored = credentials_.getCredential(kAdminPasswordKind,
                                             std::string(registry) + "/" + std::string(which));
    if (!stored.ok()) return stored.error();
    auto plain = secrets_.open(stored->secret);
    if (!plain.ok()) return plain.error();
    passwords.push_back({{"name", which}, {"value", *plain}});
  }
  return Json{{"passwords", std::move(passwords)}, {"username", std::string(registry)}};
}

Result<Json> ControlPlane::listRegistryCredentials(std::string_view sub, std::string_view rg,
                                                   std::string_view name) {
  auto doc = getRegistry(sub, rg, name);
  if (!doc.ok()) return doc.error();
  if (!(*doc)["properties"].value("adminUserEnabled", false)) {
    return fail(Errc::kInvalidParameter,
                "Run 'berth acr update -n " + std::string(name) +
                    " --admin-enabled true' to enable admin first.");
  }
  std::lock_guard lock(writer_);
  const bool generated =
      credentials_.getCredential(kAdminPasswordKind, toLower(name) + "/password").ok();
  BERTH_TRY(ensureAdminPasswords(toLower(name), false));
  if (!generated) BERTH_TRY(publishRegistries());
  auto creds = credentialsDocument(toLower(name));
  if (!creds.ok()) return creds.error();
  (*creds)["username"] = (*doc).value("name", std::string(name));
  return creds;
}

Result<Json> ControlPlane::regenerateRegistryCredential(std::string_view sub, std::string_view rg,
                                                        std::string_view name, const Json& body) {
  auto doc = getRegistry(sub, rg, name);
  if (!doc.ok()) return doc.error();
  if (!(*doc)["properties"].value("adminUserEnabled", false)) {
    return fail(Errc::kInvalidParameter,
                "Run 'berth acr update -n " + std::string(name) +
                    " --admin-enabled true' to enable admin first.");
  }
  auto which = oneOf(body.is_object() ? body.value("name", Json()) : Json(), "name",
                     {"password", "password2"});
  if (!which.ok()) return which.error();
  std::lock_guard lock(writer_);
  BERTH_TRY(ensureAdminPasswords(toLower(name), false));
  auto sealed = secrets_.seal(auth::randomPassword());
  if (!sealed.ok()) return sealed.error();
  BERTH_TRY(credentials_.putCredential(metadata::Credential{
      std::string(kAdminPasswordKind), toLower(name) + "/" + *which, *sealed, toLower(name), 0}));
  BERTH_TRY(publishRegistries());  // the old password stops working now
  auto creds = credentialsDocument(toLower(name));
  if (!creds.ok()) return creds.error();
  (*creds)["username"] = (*doc).value("name", std::string(name));
  return creds;
}

}  // namespace berth::mgmt
