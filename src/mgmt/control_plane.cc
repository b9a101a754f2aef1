// ControlPlane: subscriptions, provider registrations and resource groups (registries live in
// registry_resources.cc).

#include "mgmt/control_plane.h"

#include <algorithm>

#include "auth/secret_hash.h"
#include "mgmt/arm_path.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {

namespace {

constexpr std::string_view kSubscriptionType = "subscriptions";
constexpr std::string_view kProviderType = "providers";
constexpr std::string_view kGroupType = "microsoft.resources/resourcegroups";
/// Providers the default subscription starts with, so a first registry needs no extra step.
constexpr std::string_view kDefaultProviders[] = {"Microsoft.ContainerRegistry", "Microsoft.Network"};

}  // namespace

std::string subscriptionId(std::string_view sub) { return "/subscriptions/" + std::string(sub); }
std::string resourceGroupId(std::string_view sub, std::string_view rg) {
  return subscriptionId(sub) + "/resourceGroups/" + std::string(rg);
}
std::string registryId(std::string_view sub, std::string_view rg, std::string_view name) {
  return resourceGroupId(sub, rg) + "/providers/Microsoft.ContainerRegistry/registries/" +
         std::string(name);
}

ControlPlane::ControlPlane(metadata::ResourceStore& resources,
                           metadata::CredentialStore& credentials, const auth::SecretBox& secrets,
                           RegistryHost& host, const Clock& clock, std::string domain)
    : resources_(resources),
      credentials_(credentials),
      secrets_(secrets),
      host_(host),
      clock_(clock),
      domain_(std::move(domain)) {}

Result<Json> ControlPlane::loadDocument(const metadata::ResourceRow& row) {
  Json doc = Json::parse(row.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return internalError("stored resource " + row.key + " is not valid JSON");
  }
  if (row.type != kSubscriptionType && row.type != kProviderType) {
    doc["etag"] = row.etag;
  }
  return doc;
}

Status ControlPlane::ensureDefaultSubscription() {
  bool any = false;
  BERTH_TRY(resources_.listResources(kSubscriptionType, "",
                                     [&](const metadata::ResourceRow&) { any = true; }));
  if (!any) {
    std::string id = randomUuid();
    Json sub = {{"id", subscriptionId(id)},
                {"subscriptionId", id},
                {"displayName", "berth"},
                {"state", "Enabled"},
                {"tenantId", randomUuid()},
                {"isDefault", true}};
    BERTH_TRY(resources_.putResource(
        metadata::ResourceRow{toLower(subscriptionId(id)), std::string(kSubscriptionType),
                              toLower(id), sub.dump(), ""},
        nullptr));
    for (std::string_view ns : kDefaultProviders) {
      auto registered = setProviderRegistration(id, ns, true);
      if (!registered.ok()) return registered.error();
    }
  }
  return okStatus();
}

Status ControlPlane::publishStoredRegistries() {
  std::lock_guard lock(writer_);
  BERTH_TRY(publishRegistries());
  return publishRoleAssignmentIndex();
}

std::string ControlPlane::defaultSubscriptionId() {
  std::string first;
  std::string preferred;
  (void)resources_.listResources(kSubscriptionType, "", [&](const metadata::ResourceRow& row) {
    Json doc = Json::parse(row.body, nullptr, false);
    if (doc.is_discarded()) return;
    std::string id = doc.value("subscriptionId", "");
    if (first.empty()) first = id;
    if (doc.value("isDefault", false)) preferred = id;
  });
  return preferred.empty() ? first : preferred;
}

// ------------------------------------------------------------------ subscriptions, providers

Result<metadata::ResourceRow> ControlPlane::requireSubscription(std::string_view sub) {
  auto row = resources_.getResource(toLower(subscriptionId(sub)));
  if (!row.ok() && row.error().code == Errc::kResourceNotFound) {
    return fail(Errc::kSubscriptionNotFound,
                "The subscription '" + std::string(sub) +
                    "' could not be found. Run 'berth account list' to see the subscriptions.");
  }
  return row;
}

Result<Json> ControlPlane::listSubscriptions() {
  Json list = Json::array();
  Status listed = resources_.listResources(kSubscriptionType, "", [&](const metadata::ResourceRow& r) {
    auto doc = loadDocument(r);
    if (doc.ok()) list.push_back(std::move(*doc));
  });
  if (!listed.ok()) return listed.error();
  return Json{{"value", std::move(list)}};
}

Result<Json> ControlPlane::getSubscription(std::string_view sub) {
  auto row = requireSubscription(sub);
  if (!row.ok()) return row.error();
  return loadDocument(*row);
}

Result<PutResult> ControlPlane::putSubscription(std::string_view sub, const Json& body) {
  BERTH_TRY(validateSubscriptionId(sub));
  std::lock_guard lock(writer_);
  auto existing = resources_.getResource(toLower(subscriptionId(sub)));
  Json doc;
  if (existing.ok()) {
    auto loaded = loadDocument(*existing);
    if (!loaded.ok()) return loaded.error();
    doc = std::move(*loaded);
  } else {
    doc = {{"id", subscriptionId(sub)}, {"subscriptionId", std::string(sub)},
           {"displayName", std::string(sub)}, {"state", "Enabled"}, {"tenantId", randomUuid()}};
  }
  if (body.contains("displayName")) {
    if (!body["displayName"].is_string() || body["displayName"].get<std::string>().empty()) {
      return fail(Errc::kInvalidParameter, "displayName must be a non-empty string");
    }
    doc["displayName"] = body["displayName"];
  }
  BERTH_TRY(resources_.putResource(metadata::ResourceRow{toLower(subscriptionId(sub)),
                                                         std::string(kSubscriptionType),
                                                         toLower(sub), doc.dump(), ""},
                                   nullptr));
  return PutResult{doc, !existing.ok()};
}

Status ControlPlane::requireProvider(std::string_view sub, std::string_view ns) {
  auto row = resources_.getResource(toLower(subscriptionId(sub) + "/providers/" + std::string(ns)));
  bool registered = false;
  if (row.ok()) {
    Json doc = Json::parse(row->body, nullptr, false);
    registered = !doc.is_discarded() && doc.value("registrationState", "") == "Registered";
  }
  if (!registered) {
    return fail(Errc::kMissingSubscriptionRegistration,
                "The subscription is not registered to use namespace '" + std::string(ns) +
                    "'. Run 'berth provider register --namespace " + std::string(ns) + "'.");
  }
  return okStatus();
}

Result<Json> ControlPlane::setProviderRegistration(std::string_view sub, std::string_view ns,
                                                   bool registered) {
  auto subscription = requireSubscription(sub);
  if (!subscription.ok()) return subscription.error();
  BERTH_TRY(validateProviderNamespace(ns));
  Json doc = {{"id", subscriptionId(sub) + "/providers/" + std::string(ns)},
              {"namespace", std::string(ns)},
              {"registrationPolicy", "RegistrationRequired"},
              {"registrationState", registered ? "Registered" : "Unregistered"}};
  BERTH_TRY(resources_.putResource(
      metadata::ResourceRow{toLower(subscriptionId(sub) + "/providers/" + std::string(ns)),
                            std::string(kProviderType), toLower(ns), doc.dump(), ""},
      nullptr));
  return doc;
}

Result<Json> ControlPlane::getProvider(std::string_view sub, std::string_view ns) {
  auto subscription = requireSubscription(sub);
  if (!subscription.ok()) return subscription.error();
  auto row = resources_.getResource(toLower(subscriptionId(sub) + "/providers/" + std::string(ns)));
  if (!row.ok()) {
    if (row.error().code != Errc::kResourceNotFound) return row.error();
    return Json{{"id", subscriptionId(sub) + "/providers/" + std::string(ns)},
                {"namespace", std::string(ns)},
                {"registrationPolicy", "RegistrationRequired"},
                {"registrationState", "NotRegistered"}};
  }
  return loadDocument(*row);
}

Result<Json> ControlPlane::listProviders(std::string_view sub) {
  auto subscription = requireSubscription(sub);
  if (!subscription.ok()) return subscription.error();
  Json list = Json::array();
  BERTH_TRY(resources_.listResources(kProviderType, toLower(subscriptionId(sub) + "/providers"),
                                     [&](const metadata::ResourceRow& r) {
                                       auto doc = loadDocument(r);
                                       if (doc.ok()) list.push_back(std::move(*doc));
                                     }));
  return Json{{"value", std::move(list)}};
}

// ------------------------------------------------------------------ resource groups

Result<metadata::ResourceRow> ControlPlane::requireGroup(std::string_view sub, std::string_view rg) {
  auto subscription = requireSubscription(sub);
  if (!subscription.ok()) return subscription.error();
  auto row = resources_.getResource(toLower(resourceGroupId(sub, rg)));
  if (!row.ok() && row.error().code == Errc::kResourceNotFound) {
    return fail(Errc::kResourceGroupNotFound,
                "Resource group '" + std::string(rg) + "' could not be found.");
  }
  return row;
}

Result<PutResult> ControlPlane::putResourceGroup(std::string_view sub, std::string_view rg,
                                                 const Json& body, const Precondition& pre) {
  auto subscription = requireSubscription(sub);
  if (!subscription.ok()) return subscription.error();
  BERTH_TRY(validateResourceGroupName(rg));
  if (!body.is_object()) return fail(Errc::kInvalidParameter, "the request body must be a JSON object");
  std::lock_guard lock(writer_);
  auto existing = resources_.getResource(toLower(resourceGroupId(sub, rg)));
  std::string location;
  if (body.contains("location")) {
    auto loc = normalizeLocation(body["location"]);
    if (!loc.ok()) return loc.error();
    location = *loc;
  }
  Json doc;
  if (existing.ok()) {
    auto loaded = loadDocument(*existing);
    if (!loaded.ok()) return loaded.error();
    doc = std::move(*loaded);
    doc.erase("etag");
    if (!location.empty() && location != doc.value("location", "")) {
      return fail(Errc::kConflict, "Invalid resource group location '" + location +
                                       "'. The resource group already exists in location '" +
                                       doc.value("location", "") + "'.");
    }
  } else {
    if (location.empty()) {
      return fail(Errc::kInvalidParameter,
                  "a location is required to create a resource group (--location/-l)");
    }
    doc = {{"id", resourceGroupId(sub, rg)},
           {"location", location},
           {"managedBy", nullptr},
           {"name", std::string(rg)},
           {"properties", {{"provisioningState", "Succeeded"}}},
           {"tags", Json::object()},
           {"type", "Microsoft.Resources/resourceGroups"}};
  }
  if (body.contains("tags")) {
    auto tags = validateTags(body["tags"]);
    if (!tags.ok()) return tags.error();
    doc["tags"] = *tags;
  }
  std::string expected = pre.ifNoneMatchAny ? std::string() : pre.ifMatch.value_or("");
  BERTH_TRY(resources_.putResource(
      metadata::ResourceRow{toLower(resourceGroupId(sub, rg)), std::string(kGroupType),
                            toLower(rg), doc.dump(), ""},
      pre.ifNoneMatchAny || pre.ifMatch ? &expected : nullptr));
  auto stored = resources_.getResource(toLower(resourceGroupId(sub, rg)));
  if (!stored.ok()) return stored.error();
  auto out = loadDocument(*stored);
  if (!out.ok()) return out.error();
  return PutResult{std::move(*out), !existing.ok()};
}

Result<Json> ControlPlane::patchResourceGroup(std::string_view sub, std::string_view rg,
                                              const Json& body, const Precondition& pre) {
  auto existing = requireGroup(sub, rg);
  if (!existing.ok()) return existing.error();
  if (body.contains("location")) {
    return fail(Errc::kInvalidParameter, "the location of a resource group cannot be changed");
  }
  auto put = putResourceGroup(sub, rg, body, pre);
  if (!put.ok()) return put.error();
  return std::move(put->body);
}

Result<Json> ControlPlane::getResourceGroup(std::string_view sub, std::string_view rg) {
  auto row = requireGroup(sub, rg);
  if (!row.ok()) return row.error();
  return loadDocument(*row);
}

Result<Json> ControlPlane::listResourceGroups(std::string_view sub) {
  auto subscription = requireSubscription(sub);
  if (!subscription.ok()) return subscription.error();
  Json list = Json::array();
  BERTH_TRY(resources_.listResources(kGroupType, toLower(subscriptionId(sub) + "/resourcegroups"),
                                     [&](const metadata::ResourceRow& r) {
                                       auto doc = loadDocument(r);
                                       if (doc.ok()) list.push_back(std::move(*doc));
                                     }));
  return Json{{"value", std::move(list)}};
}

Result<bool> ControlPlane::deleteResourceGroup(std::string_view sub, std::string_view rg,
                                               const Precondition& pre) {
  auto subscription = requireSubscription(sub);
  if (!subscription.ok()) return subscription.error();
  std::lock_guard lock(writer_);
  auto existing = resources_.getResource(toLower(resourceGroupId(sub, rg)));
  if (!existing.ok()) {
    if (existing.error().code == Errc::kResourceNotFound) return false;
    return existing.error();
  }
  if (pre.ifMatch && *pre.ifMatch != existing->etag) {
    return fail(Errc::kPreconditionFailed, "the resource group changed since it was read");
  }
  // Registry secrets go with the group; resources first so nothing is left half-visible.
  std::vector<std::string> registries;
  BERTH_TRY(resources_.listResources(kRegistryType, existing->key,
                                     [&](const metadata::ResourceRow& r) { registries.push_back(r.name); }));
  auto deleted = resources_.deleteResourceTree(existing->key);
  if (!deleted.ok()) return deleted.error();
  for (const auto& name : registries) {
    (void)credentials_.removeCredentialsOwnedBy(kAdminPasswordKind, name);
    (void)credentials_.removeCredentialsOwnedBy(kTokenPasswordKind, name);
  }
  BERTH_TRY(publishRegistries());
  BERTH_TRY(publishRoleAssignmentIndex());  // assignments scoped to the group went with it
  return true;
}

}  // namespace berth::mgmt
