#pragma once
// Which registry answers a Host. The mapping is an immutable snapshot replaced atomically when
// registries are added or removed, so a lookup on the request path takes no lock.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

class RegistryDirectory {
 public:
  struct Snapshot {
    StringMap<std::shared_ptr<RegistryInstance>> byHost;
    StringMap<std::shared_ptr<RegistryInstance>> byName;
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
