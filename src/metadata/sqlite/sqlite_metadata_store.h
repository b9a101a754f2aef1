#pragma once
// SqliteMetadataStore: ManifestCatalog and UploadSessionStore over one embedded SQLite file
// (WAL journal, synchronous=FULL, foreign keys on). The single-node default; several nodes use
// the PostgreSQL driver instead.
//
// Durability: every write is one transaction and is on disk (WAL fsynced) when it returns OK.
// Thread-safety: all methods may be called from any thread; they share one connection under a
// mutex, which suits the workload (writes are rare; bulk reads happen at load()). A second
// process may open the same file: SQLite's locks serialise writers, waiting up to
// Db::kBusyTimeoutMs before failing with kInternal.
// Errors: database failures are kInternal with an operator-readable message; the interfaces'
// own codes (kManifestUnknown, kConflict, kBlobUploadUnknown) are returned as their contracts say.

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "metadata/manifest_catalog.h"
#include "metadata/resource_store.h"
#include "metadata/sqlite/sqlite_db.h"
#include "metadata/upload_session_store.h"

namespace berth::metadata {

class SqliteMetadataStore final : public ManifestCatalog,
                                  public UploadSessionStore,
                                  public ResourceStore,
                                  public CredentialStore {
 public:
  /// Opens the database file, creating it and its schema if absent and migrating an older schema.
  /// The directory must exist. kInternal if the file cannot be opened, is damaged, cannot use
  /// WAL (e.g. on a network file system), or was written by a newer berth.
  static Result<std::unique_ptr<SqliteMetadataStore>> open(const std::filesystem::path& dbFile);

  SqliteMetadataStore(const SqliteMetadataStore&) = delete;
  SqliteMetadataStore& operator=(const SqliteMetadataStore&) = delete;
  ~SqliteMetadataStore() override = default;

  // ManifestCatalog
  Status putManifest(std::string_view registry, std::string_view repository, const ManifestRow& row,
                     const std::string* tag) override;
  Status deleteManifest(std::string_view registry, std::string_view repository,
                        const Digest& digest) override;
  Status deleteTag(std::string_view registry, std::string_view repository,
                   std::string_view tag) override;
  Status linkBlob(std::string_view registry, std::string_view repository,
                  const Digest& digest) override;
  Status unlinkBlob(std::string_view registry, std::string_view repository,
                    const Digest& digest) override;
  Status deleteRepository(std::string_view registry, std::string_view repository) override;
  /// Also forgets the registry's upload sessions: nothing recorded for it survives.
  Status deleteRegistry(std::string_view registry) override;
  /// Reads one consistent snapshot. The visitor runs under the store's lock, so it must not call
  /// back into this store.
  Status load(std::string_view registry, const CatalogVisitor& visitor) override;
  Status loadReferences(
      std::string_view registry,
      const std::function<void(std::string_view repository, ManifestReferences&& refs)>& visit)
      override;
  Result<std::string> indexSnapshotToken(std::string_view registry) override;
  Status recordIndexSnapshot(std::string_view registry, std::string_view token) override;
  Status forgetIndexSnapshot(std::string_view registry) override;

  // UploadSessionStore
  Status createSession(const UploadSession& session) override;
  Result<UploadSession> getSession(std::string_view id) override;
  Status removeSession(std::string_view id) override;
  /// Sessions in start order. The visitor runs after the lock is released, so it may call back
  /// into this store (e.g. removeSession() for an expired session).
  Status listSessions(std::string_view registry,
                      const std::function<void(const UploadSession&)>& visit) override;

  // ResourceStore (sqlite_resource_store.cc)
  Result<ResourceRow> getResource(std::string_view key) override;
  Status putResource(const ResourceRow& row, const std::string* expectedEtag) override;
  Result<std::size_t> deleteResourceTree(std::string_view key) override;
  Status listResources(std::string_view type, std::string_view scopePrefix,
                       const std::function<void(const ResourceRow&)>& visit) override;
  Status findResourcesByName(std::string_view type, std::string_view name,
                             const std::function<void(const ResourceRow&)>& visit) override;

  // CredentialStore (sqlite_resource_store.cc)
  Status putCredential(const Credential& credential) override;
  Result<Credential> getCredential(std::string_view kind, std::string_view name) override;
  Status removeCredential(std::string_view kind, std::string_view name) override;
  Status removeCredentialsOwnedBy(std::string_view kind, std::string_view owner) override;
  Status listCredentials(std::string_view kind,
                         const std::function<void(const Credential&)>& visit) override;

 private:
  explicit SqliteMetadataStore(sqlite::Db db) : db_(std::move(db)) {}

  Status putManifestLocked(std::string_view registry, std::string_view repository,
                           const ManifestRow& row, const std::string* tag);
  Status loadLocked(std::string_view registry, const CatalogVisitor& visitor);

  std::mutex mutex_;  // guards db_ and its statement cache
  sqlite::Db db_;
};

}  // namespace berth::metadata
