#pragma once
// What the control plane tests share: a host that records what is published, a clock tests can
// move, and a fixture with the default subscription and a resource group "rg".

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "metadata/sqlite/sqlite_metadata_store.h"
#include "mgmt/control_plane.h"

namespace berth::mgmt {
class MovableClock final : public Clock {
 public:
  std::int64_t nowUnixSeconds() const override { return now; }
  std::atomic<std::int64_t> now{1'800'000'000};  // 2027-01-15
};

/// Records what the control plane publishes, as the daemon's data plane would receive it.
class RecordingHost final : public RegistryHost {
 public:
  Status syncRegistries(const std::vector<RegistrySettings>& registries) override {
    served.clear();
    for (const auto& r : registries) served.insert(r.name);
    last = registries;
    return okStatus();
  }
  bool nameReserved(std::string_view name) const override { return name == "reserved1"; }
  std::uint64_t storageBytes(std::string_view) const override { return 1234; }
  void publishRoleAssignments(auth::RoleAssignmentIndex index) override {
    roles = std::move(index);
    ++rolePublications;
  }
  std::set<std::string> served;
  std::vector<RegistrySettings> last;
  auth::RoleAssignmentIndex roles;
  int rolePublications = 0;
};

class ControlPlaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("berth-cp-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    store_ = std::move(*metadata::SqliteMetadataStore::open(dir_ / "m.db"));
    plane_ = std::make_unique<ControlPlane>(*store_, *store_, box_, host_, clock_, "cr.internal");
    ASSERT_TRUE(plane_->publishStoredRegistries().ok());
    ASSERT_TRUE(plane_->ensureDefaultSubscription().ok());
    sub_ = plane_->defaultSubscriptionId();
    ASSERT_FALSE(sub_.empty());
    ASSERT_TRUE(plane_->putResourceGroup(sub_, "rg", Json{{"location", "East US"}}, {}).ok());
  }
  void TearDown() override {
    plane_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<PutResult> createRegistry(std::string_view name, Json body) {
    return plane_->putRegistry(sub_, "rg", name, body, {});
  }

  std::filesystem::path dir_;
  MovableClock clock_;
  auth::SecretBox box_ = auth::SecretBox::fromKey(std::string(32, 'k'));
  RecordingHost host_;
  std::unique_ptr<metadata::SqliteMetadataStore> store_;
  std::unique_ptr<ControlPlane> plane_;
  std::string sub_;
};

}  // namespace berth::mgmt
