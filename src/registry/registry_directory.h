#pragma once
// Which registry answers a Host. The mapping is an immutable snapshot replaced atomically when
// registries are added or removed, so a lookup on the request path takes no lock.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/access_policy.h"
#include "registry/registry_service.h"
#include "registry/upload_service.h"

namespace berth::registry {

/// Lets maps keyed by std::string be searched with a string_view without allocating.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct RegistryInstance {
  std::shared_ptr<RegistryService> service;
  std::unique_ptr<UploadService> uploads;
};

/// A registry as served right now: its content and who may use it.
struct ServedRegistry {
  std::shared_ptr<RegistryInstance> instance;
  std::shared_ptr<const auth::RegistryAccessPolicy> access;
};

class RegistryDirectory {
 public:
  struct Snapshot {
    StringMap<ServedRegistry> byHost;
    StringMap<ServedRegistry> byName;
    std::shared_ptr<const auth::RoleAssignmentIndex> roles =
        std::make_shared<const auth::RoleAssignmentIndex>();
    /// Changes with every publication; cached credential checks of older generations are void.
    std::uint64_t generation = 0;

    const ServedRegistry* findHost(std::string_view host) const {
      auto it = byHost.find(host);
      return it == byHost.end() ? nullptr : &it->second;
    }
  };

  RegistryDirectory();
  /// The registry serving `host` (lowercase, no port), or nullptr.
  std::shared_ptr<RegistryInstance> findByHost(std::string_view host) const;
  std::shared_ptr<RegistryInstance> findByName(std::string_view name) const;
  std::vector<std::shared_ptr<RegistryInstance>> all() const;
  /// Publishes a new mapping; readers see either the old or the new one, never a mix.
  void publish(std::shared_ptr<const Snapshot> next);
  std::shared_ptr<const Snapshot> snapshot() const { return current_.load(); }

 private:
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace berth::registry
