#pragma once
// ControlPlane: the resource model behind the management API, free of HTTP types. Documents are
// stored in the ResourceStore in the ARM shape they are served in. Writes are serialized by one
// mutex (and guarded by etags across clients), so concurrent updates never lose each other.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/access_policy.h"
#include "auth/secret_box.h"
#include "common/clock.h"
#include "common/result.h"
#include "metadata/resource_store.h"

namespace berth::mgmt {

using Json = nlohmann::ordered_json;

/// What the data plane needs to know about a registry created through the control plane.
struct RegistrySettings {
  std::string name;  // lowercase
  std::string sku;   // Basic | Standard | Premium
  bool adminUserEnabled = false;
  bool publicNetworkAccess = true;
  std::string defaultAction = "Allow";
  std::vector<std::string> ipRules;
  bool trustedServicesBypass = true;
  bool anonymousPullEnabled = false;
  bool dataEndpointEnabled = false;
  std::string location;
  /// Who may authenticate: id, admin password digests, repository-scoped tokens. `access.registry`
  /// mirrors adminUserEnabled/anonymousPullEnabled above.
  auth::RegistryAccessPolicy access;
};

/// Implemented by the daemon: keeps the data plane in step with the resources.
class RegistryHost {
 public:
  virtual ~RegistryHost() = default;
  /// Makes exactly these control-plane registries served (plus the configured ones); content of
  /// registries that disappeared is deleted. Called after every registry write.
  virtual Status syncRegistries(const std::vector<RegistrySettings>& registries) = 0;
  /// True when the name is taken outside the control plane (declared in the config file).
  virtual bool nameReserved(std::string_view name) const = 0;
  /// Bytes of blob storage the registry uses now.
  virtual std::uint64_t storageBytes(std::string_view name) const = 0;
  /// Replaces every identity's role assignments (called at start and after each change).
  virtual void publishRoleAssignments(auth::RoleAssignmentIndex index) = 0;
};

struct Precondition {
  std::optional<std::string> ifMatch;  // etag the resource must still have
  bool ifNoneMatchAny = false;         // the resource must not exist yet
};

struct PutResult {
  Json body;
  bool created = false;
};

/// Names one registry: /subscriptions/{sub}/resourceGroups/{rg}/providers/
/// Microsoft.ContainerRegistry/registries/{name}.
struct RegistryAddress {
  std::string_view sub;
  std::string_view rg;
  std::string_view name;
};

class ControlPlane {
 public:
  ControlPlane(metadata::ResourceStore& resources, metadata::CredentialStore& credentials,
               const auth::SecretBox& secrets, RegistryHost& host, const Clock& clock,
               std::string domain);

  /// Publishes the stored registries to the data plane (read-only; run before serving).
  Status publishStoredRegistries();
  /// Creates the default subscription on first start, with the registry and network providers
  /// registered (writes; may run after the data plane already serves).
  Status ensureDefaultSubscription();
  std::string defaultSubscriptionId();
  const std::string& domain() const noexcept { return domain_; }

  // Subscriptions and providers.
  Result<Json> listSubscriptions();
  Result<Json> getSubscription(std::string_view sub);
  Result<PutResult> putSubscription(std::string_view sub, const Json& body);
  Result<Json> setProviderRegistration(std::string_view sub, std::string_view ns, bool registered);
  Result<Json> getProvider(std::string_view sub, std::string_view ns);
  Result<Json> listProviders(std::string_view sub);

  // Resource groups.
  Result<PutResult> putResourceGroup(std::string_view sub, std::string_view rg, const Json& body,
                                     const Precondition& pre);
  Result<Json> patchResourceGroup(std::string_view sub, std::string_view rg, const Json& body,
                                  const Precondition& pre);
  Result<Json> getResourceGroup(std::string_view sub, std::string_view rg);
  Result<Json> listResourceGroups(std::string_view sub);
  /// Deletes the group and everything in it; false when it did not exist.
  Result<bool> deleteResourceGroup(std::string_view sub, std::string_view rg,
                                   const Precondition& pre);

  // Registries.
  Result<PutResult> putRegistry(std::string_view sub, std::string_view rg, std::string_view name,
                                const Json& body, const Precondition& pre);
  Result<Json> patchRegistry(std::string_view sub, std::string_view rg, std::string_view name,
                             const Json& body, const Precondition& pre);
  Result<Json> getRegistry(std::string_view sub, std::string_view rg, std::string_view name);
  /// In a resource group, or in the whole subscription when rg is empty.
  Result<Json> listRegistries(std::string_view sub, std::string_view rg);
  Result<bool> deleteRegistry(std::string_view sub, std::string_view rg, std::string_view name,
                              const Precondition& pre);
  Result<Json> checkRegistryName(std::string_view sub, const Json& body);
  Result<Json> listRegistryUsages(std::string_view sub, std::string_view rg, std::string_view name);
  Result<Json> listRegistryCredentials(std::string_view sub, std::string_view rg,
                                       std::string_view name);
  Result<Json> regenerateRegistryCredential(std::string_view sub, std::string_view rg,
                                            std::string_view name, const Json& body);

  // Scope maps (registries/{r}/scopeMaps/{name}). Every registry also lists the system maps
  // _repositories_pull, _repositories_push and _repositories_admin, which cannot be changed.
  Result<PutResult> putScopeMap(const RegistryAddress& reg, std::string_view name,
                                const Json& body, const Precondition& pre);
  Result<Json> patchScopeMap(const RegistryAddress& reg, std::string_view name, const Json& body,
                             const Precondition& pre);
  Result<Json> getScopeMap(const RegistryAddress& reg, std::string_view name);
  Result<Json> listScopeMaps(const RegistryAddress& reg);
  /// kConflict while a token uses the map.
  Result<bool> deleteScopeMap(const RegistryAddress& reg, std::string_view name,
                              const Precondition& pre);

  // Repository-scoped tokens (registries/{r}/tokens/{name}). Passwords are stored only as scrypt
  // hashes; their values appear once, in generateTokenCredentials' result.
  Result<PutResult> putToken(const RegistryAddress& reg, std::string_view name, const Json& body,
                             const Precondition& pre);
  Result<Json> patchToken(const RegistryAddress& reg, std::string_view name, const Json& body,
                          const Precondition& pre);
  Result<Json> getToken(const RegistryAddress& reg, std::string_view name);
  Result<Json> listTokens(const RegistryAddress& reg);
  Result<bool> deleteToken(const RegistryAddress& reg, std::string_view name,
                           const Precondition& pre);
  /// POST registries/{r}/generateCredentials {tokenId, name?: password1|password2, expiry?}:
  /// {username, passwords:[{name, value, creationTime, expiry?}]} (both passwords without name).
  Result<Json> generateTokenCredentials(const RegistryAddress& reg, const Json& body);
  /// Republishes when a published token password has expired since the last publish, so expiry
  /// takes effect without another change. Cheap when nothing expired; call it periodically.
  Status refreshExpiredCredentials();

  // Role assignments (Microsoft.Authorization) of management operators, at "/", a subscription, a
  // resource group or a registry. The data plane gets them through publishRoleAssignments().
  Result<PutResult> putRoleAssignment(std::string_view scope, std::string_view name,
                                      const Json& body);
  Result<Json> getRoleAssignment(std::string_view scope, std::string_view name);
  /// Every assignment when scope is "" ; else those at the scope, above it and below it.
  Result<Json> listRoleAssignments(std::string_view scope);
  Result<bool> deleteRoleAssignment(std::string_view scope, std::string_view name);
  /// Creates the assignment unless the principal already has that role at that scope (e.g. Owner
  /// at "/" for the first operator). The principal must be an operator.
  Status ensureRoleAssignment(std::string_view principal, auth::Role role, std::string_view scope);
  /// Every role assignment of an operator (for the management API's own authorization).
  Result<std::vector<auth::RoleAssignment>> roleAssignmentsOf(std::string_view principal);
  /// Removes every assignment of the principal (its operator was deleted) and republishes.
  Status removeRoleAssignmentsOf(std::string_view principal);

 private:
  Result<metadata::ResourceRow> requireSubscription(std::string_view sub);
  Result<metadata::ResourceRow> requireGroup(std::string_view sub, std::string_view rg);
  Status requireProvider(std::string_view sub, std::string_view ns);
  Result<Json> loadDocument(const metadata::ResourceRow& row);
  Status publishRegistries();
  Status ensureAdminPasswords(std::string_view registry, bool regenerateAll);
  Result<Json> credentialsDocument(std::string_view registry);
  Result<PutResult> writeRegistry(std::string_view sub, std::string_view rg, std::string_view name,
                                  Json document, const metadata::ResourceRow* existing,
                                  const Precondition& pre);
  Result<metadata::ResourceRow> requireRegistry(const RegistryAddress& reg);
  /// Fills settings.access: admin digests and every token with an unexpired password.
  Status buildAccessPolicy(const Json& registry, RegistrySettings& settings);
  /// kQuotaExceeded when the registry's SKU allows no more resources of `type` (scope maps,
  /// tokens).
  Status checkChildQuota(const metadata::ResourceRow& registry, std::string_view type);
  std::int64_t countChildren(std::string_view registryKey, std::string_view type);
  /// A stored scope map or token (kResourceNotFound naming it).
  Result<metadata::ResourceRow> requireChild(const metadata::ResourceRow& registry,
                                             std::string_view type, std::string_view name);
  /// The child a DELETE removes: nullopt when it does not exist, kPreconditionFailed when its
  /// etag is not `pre.ifMatch`.
  Result<std::optional<metadata::ResourceRow>> childToDelete(const metadata::ResourceRow& registry,
                                                             std::string_view type,
                                                             std::string_view name,
                                                             const Precondition& pre);
  Result<PutResult> writeChild(const metadata::ResourceRow& registry, std::string_view type,
                               std::string_view name, const Json& doc,
                               const metadata::ResourceRow* existing, const Precondition& pre);
  Result<Json> listChildren(const metadata::ResourceRow& registry, std::string_view type);
  struct ResolvedScopeMap {
    std::string id;  // canonical: the registry's id + "/scopeMaps/" + the map's name as created
    std::vector<std::string> actions;
  };
  /// The scope map `scopeMapId` names, which must belong to the registry `registryArmId`
  /// (kInvalidParameter otherwise, or when it does not exist).
  Result<ResolvedScopeMap> resolveScopeMap(std::string_view registryArmId,
                                           std::string_view scopeMapId);
  Status applyTokenProperties(std::string_view registryArmId, Json& props, const Json& input,
                              std::vector<std::string>& removedPasswords);
  Result<PutResult> writeToken(const metadata::ResourceRow& registry, std::string_view name,
                               const Json& body, bool replace, const Precondition& pre);
  Status publishRoleAssignmentIndex();
  /// The canonical spelling of a role assignment scope that names an existing resource.
  Result<std::string> canonicalAssignmentScope(std::string_view scope);
  Result<PutResult> createRoleAssignment(const std::string& scope, std::string_view name,
                                         std::string_view principal, auth::Role role);

  metadata::ResourceStore& resources_;
  metadata::CredentialStore& credentials_;
  const auth::SecretBox& secrets_;
  RegistryHost& host_;
  const Clock& clock_;
  std::string domain_;
  std::mutex writer_;
  /// Earliest expiry of a token password the data plane holds (0: none); guarded by writer_.
  std::int64_t nextPasswordExpiry_ = 0;
};

/// Keys and ids in the one place that spells them.
std::string subscriptionId(std::string_view sub);
std::string resourceGroupId(std::string_view sub, std::string_view rg);
std::string registryId(std::string_view sub, std::string_view rg, std::string_view name);

}  // namespace berth::mgmt
