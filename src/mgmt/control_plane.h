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
};

struct Precondition {
  std::optional<std::string> ifMatch;  // etag the resource must still have
  bool ifNoneMatchAny = false;         // the resource must not exist yet
};

struct PutResult {
  Json body;
  bool created = false;
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

  metadata::ResourceStore& resources_;
  metadata::CredentialStore& credentials_;
  const auth::SecretBox& secrets_;
  RegistryHost& host_;
  const Clock& clock_;
  std::string domain_;
  std::mutex writer_;
};

/// Keys and ids in the one place that spells them.
std::string subscriptionId(std::string_view sub);
std::string resourceGroupId(std::string_view sub, std::string_view rg);
std::string registryId(std::string_view sub, std::string_view rg, std::string_view name);

}  // namespace berth::mgmt
