#pragma once
// A registry over the real fs blob store and SQLite in a temp dir, with a clock tests can move.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "metadata/sqlite/sqlite_metadata_store.h"
#include "registry/registry_service.h"
#include "registry/upload_service.h"
#include "storage/fs/fs_blob_store.h"

namespace berth::registry::testing {

class ManualClock final : public Clock {
 public:
  std::int64_t nowUnixSeconds() const override { return now; }
  std::int64_t now = 1'700'000'000;
};

class RegistryFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("berth-registry-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    reopen();
  }
  void TearDown() override {
    uploads_.reset();
    service_.reset();
    metadata_.reset();
    blobs_.reset();
    std::filesystem::remove_all(dir_);
  }

  /// Simulates a daemon restart: drops every in-memory structure and rebuilds from disk.
  void reopen() { reopenAs(false); }
  /// A restart as the daemon does it: from the index snapshot when the catalog vouches for it,
  /// from the catalog otherwise. True when the snapshot was used.
  bool reopenFromSnapshot() { return reopenAs(true); }
  std::filesystem::path snapshotFile() const { return dir_ / "index" / "testreg.snapshot"; }

  bool reopenAs(bool trySnapshot) {
    uploads_.reset();
    service_.reset();
    metadata_.reset();
    blobs_.reset();
    blobs_ = std::move(*storage::FsBlobStore::open(dir_));
    metadata_ = std::move(*metadata::SqliteMetadataStore::open(dir_ / "metadata.db"));
    RegistryDeps deps{*blobs_, *metadata_, *metadata_, clock_, log_};
    if (trySnapshot) {
      auto mapped = RegistryService::openFromSnapshot("testreg", deps, RegistryLimits{}, snapshotFile());
      EXPECT_TRUE(mapped.ok()) << mapped.error().message;
      if (mapped.ok() && *mapped) {
        service_ = *mapped;
        uploads_ = std::make_unique<UploadService>(*service_);
        return true;
      }
    }
    auto service = RegistryService::open("testreg", deps, RegistryLimits{}, snapshotFile());
    EXPECT_TRUE(service.ok()) << service.error().message;
    if (!service.ok()) return false;
    service_ = *service;
    uploads_ = std::make_unique<UploadService>(*service_);
    return false;
  }

  Digest pushBlob(std::string_view repo, std::string_view bytes) {
    auto lease = uploads_->start(repo);
    EXPECT_TRUE(lease.ok());
    EXPECT_TRUE(lease->append(std::as_bytes(std::span(bytes.data(), bytes.size()))).ok());
    Digest d = digestOf(bytes);
    auto done = lease->complete(d);
    EXPECT_TRUE(done.ok()) << (done.ok() ? "" : done.error().message);
    return d;
  }

  static std::string imageManifest(const Digest& config, std::uint64_t configSize,
                                   const std::vector<std::pair<Digest, std::uint64_t>>& layers,
                                   const std::optional<Digest>& subject = std::nullopt,
                                   std::string_view artifactType = "") {
    std::string m = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)";
    if (!artifactType.empty()) m += R"("artifactType":")" + std::string(artifactType) + R"(",)";
    m += R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
         config.str() + R"(","size":)" + std::to_string(configSize) + R"(},"layers":[)";
    for (std::size_t i = 0; i < layers.size(); ++i) {
      if (i) m += ",";
      m += R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
           layers[i].first.str() + R"(","size":)" + std::to_string(layers[i].second) + "}";
    }
    m += "]";
    if (subject) {
      m += R"(,"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
           subject->str() + R"(","size":1})";
    }
    m += "}";
    return m;
  }

  /// Pushes config + one layer and a manifest tagged `tag`; returns the manifest digest.
  Digest pushImage(std::string_view repo, std::string_view tag, std::string_view layerBytes) {
    Digest config = pushBlob(repo, "{}");
    Digest layer = pushBlob(repo, layerBytes);
    std::string m = imageManifest(config, 2, {{layer, layerBytes.size()}});
    auto put = service_->putManifest(repo, tag, "application/vnd.oci.image.manifest.v1+json", m);
    EXPECT_TRUE(put.ok()) << (put.ok() ? "" : put.error().message);
    return put.ok() ? put->digest : Digest{};
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  Logger log_{LogLevel::kError};
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::unique_ptr<metadata::SqliteMetadataStore> metadata_;
  std::shared_ptr<RegistryService> service_;
  std::unique_ptr<UploadService> uploads_;
};

}  // namespace berth::registry::testing
