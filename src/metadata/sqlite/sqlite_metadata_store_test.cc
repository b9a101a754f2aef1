#include "metadata/sqlite/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "common/digest.h"
#include "metadata/manifest_catalog_conformance.h"
#include "metadata/sqlite/sqlite_db.h"
#include "metadata/sqlite/sqlite_schema.h"
#include "metadata/upload_session_store_conformance.h"

namespace berth::metadata {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "berth-metadata-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    }
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) {
      std::filesystem::remove_all(path_, ignored);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// One database file per test, reopened as often as the suite asks.
template <typename Harness, typename Store>
class SqliteHarness final : public Harness {
 public:
  Result<std::unique_ptr<Store>> open() override {
    if (dir_.path().empty()) {
      return fail(Errc::kInternal, "could not create a temporary directory");
    }
    auto store = SqliteMetadataStore::open(dir_.path() / "metadata.db");
    if (!store.ok()) {
      return fail(std::move(store).error());
    }
    return std::unique_ptr<Store>(std::move(store).value());
  }

 private:
  TempDir dir_;
};

}  // namespace

namespace conformance {

INSTANTIATE_TEST_SUITE_P(
    Sqlite, ManifestCatalogConformance,
    ::testing::Values(ManifestCatalogConformanceParam{
        "Sqlite",
        [] { return std::make_unique<SqliteHarness<ManifestCatalogHarness, ManifestCatalog>>(); }}),
    catalogParamName);

INSTANTIATE_TEST_SUITE_P(
    Sqlite, UploadSessionStoreConformance,
    ::testing::Values(UploadSessionStoreConformanceParam{
        "Sqlite",
        [] {
          return std::make_unique<SqliteHarness<UploadSessionStoreHarness, UploadSessionStore>>();
        }}),
    sessionStoreParamName);

}  // namespace conformance

// ---- Behaviour specific to the SQLite driver.

namespace {

constexpr std::string_view kRegistry = "alpha.registry.test";

class SqliteMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  std::filesystem::path dbFile() const { return dir_.path() / "metadata.db"; }

  std::unique_ptr<SqliteMetadataStore> openStore() {
    auto store = SqliteMetadataStore::open(dbFile());
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // A second, plain connection, as an operator's sqlite3 shell would be: foreign keys off.
  sqlite::Db rawDb() {
    auto db = sqlite::Db::open(dbFile());
    EXPECT_TRUE(db.ok());
    return std::move(db).value();
  }

  static std::string queryText(sqlite::Db& db, std::string_view sql) {
    auto statement = db.prepare(sql);
    EXPECT_TRUE(statement.ok()) << statement.error().message;
    if (!statement.ok()) {
      return {};
    }
    auto row = (*statement)->step();
    EXPECT_TRUE(row.ok());
    return row.ok() && *row ? std::string((*statement)->columnText(0)) : std::string();
  }

  static ManifestRow makeManifest(std::string_view seed) {
    ManifestRow row;
    row.bytes = "{\"seed\":\"" + std::string(seed) + "\"}";
    row.digest = digestOf(row.bytes);
    row.mediaType = "application/vnd.oci.image.manifest.v1+json";
    row.blobRefs = {digestOf(std::string(seed) + "config"), digestOf(std::string(seed) + "layer")};
    row.createdUnixSeconds = 1'700'000'000;
    return row;
  }

  TempDir dir_;
};

TEST_F(SqliteMetadataStoreTest, OpenCreatesWalDatabaseAtCurrentSchema) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  sqlite::Db db = rawDb();
  EXPECT_EQ(queryText(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(queryText(db, "PRAGMA user_version"), std::to_string(sqlite::kSchemaVersion));
  for (const char* table : {"repositories", "manifests", "manifest_blob_refs",
                            "manifest_manifest_refs", "tags", "blob_links", "upload_sessions"}) {
    EXPECT_EQ(queryText(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '" +
                                std::string(table) + "'"),
              "1")
        << table;
  }
}

TEST_F(SqliteMetadataStoreTest, OpeningAgainKeepsSchemaAndData) {
  const std::string tag = "latest";
  ManifestRow row = makeManifest("kept");
  {
    auto store = openStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->putManifest(kRegistry, "repo", row, &tag).ok());
  }
  for (int i = 0; i < 3; ++i) {
    auto store = openStore();
    ASSERT_NE(store, nullptr);
    int manifests = 0;
    CatalogVisitor visitor;
    visitor.manifest = [&](std::string_view, ManifestRow&&) { ++manifests; };
    ASSERT_TRUE(store->load(kRegistry, visitor).ok());
    EXPECT_EQ(manifests, 1);
  }
  sqlite::Db db = rawDb();
  EXPECT_EQ(queryText(db, "PRAGMA user_version"), std::to_string(sqlite::kSchemaVersion));
}

TEST_F(SqliteMetadataStoreTest, OpenRefusesANewerSchema) {
  {
    sqlite::Db db = rawDb();
    ASSERT_TRUE(
        db.exec("PRAGMA user_version = " + std::to_string(sqlite::kSchemaVersion + 1)).ok());
  }
  auto store = SqliteMetadataStore::open(dbFile());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::kInternal);
  EXPECT_NE(store.error().message.find("schema version"), std::string::npos)
      << store.error().message;
}

TEST_F(SqliteMetadataStoreTest, OpenInAMissingDirectoryExplainsWhatToCheck) {
  auto store = SqliteMetadataStore::open(dir_.path() / "missing" / "metadata.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::kInternal);
  EXPECT_EQ(store.error().message.rfind("metadata database: ", 0), 0u) << store.error().message;
  EXPECT_NE(store.error().message.find("permissions"), std::string::npos);
}

TEST_F(SqliteMetadataStoreTest, OpenRejectsAFileThatIsNotADatabase) {
  {
    std::ofstream out(dbFile(), std::ios::binary);
    out << std::string(8192, 'x');
  }
  auto store = SqliteMetadataStore::open(dbFile());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::kInternal);
  EXPECT_NE(store.error().message.find("restore it from a backup"), std::string::npos)
      << store.error().message;
}

TEST_F(SqliteMetadataStoreTest, CorruptDigestIsAnInternalErrorNamingTheRow) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  const std::string tag = "latest";
  ManifestRow row = makeManifest("row");
  ASSERT_TRUE(store->putManifest(kRegistry, "broken/repo", row, &tag).ok());
  sqlite::Db db = rawDb();

  ASSERT_TRUE(db.exec("UPDATE tags SET digest = 'md5:0123'").ok());
  CatalogVisitor visitor;
  visitor.tag = [](std::string_view, std::string_view, const Digest&) {};
  visitor.manifest = [](std::string_view, ManifestRow&&) {};
  Status status = store->load(kRegistry, visitor);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInternal);
  for (const char* part : {"tags", "broken/repo", "tag latest", "md5:0123"}) {
    EXPECT_NE(status.error().message.find(part), std::string::npos)
        << part << " missing from: " << status.error().message;
  }

  ASSERT_TRUE(db.exec("UPDATE manifests SET digest = 'sha256:NOTHEX'").ok());
  status = store->load(kRegistry, visitor);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInternal);
  for (const char* part : {"manifests", "broken/repo", "sha256:NOTHEX"}) {
    EXPECT_NE(status.error().message.find(part), std::string::npos)
        << part << " missing from: " << status.error().message;
  }
}

TEST_F(SqliteMetadataStoreTest, DeletesLeaveNoOrphanRows) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  const std::string tag = "latest";
  ManifestRow child = makeManifest("child");
  ManifestRow index = makeManifest("index");
  index.manifestRefs = {child.digest};
  index.subject = digestOf("subject");
  for (const char* repository : {"one", "two"}) {
    ASSERT_TRUE(store->putManifest(kRegistry, repository, child, nullptr).ok());
    ASSERT_TRUE(store->putManifest(kRegistry, repository, index, &tag).ok());
    ASSERT_TRUE(store->linkBlob(kRegistry, repository, child.blobRefs[0]).ok());
  }
  sqlite::Db db = rawDb();
  auto count = [&](const std::string& table, const std::string& where) {
    return queryText(db, "SELECT count(*) FROM " + table + " WHERE " + where);
  };

  ASSERT_TRUE(store->deleteManifest(kRegistry, "one", index.digest).ok());
  std::string indexRows = "repository = 'one' AND manifest_digest = '" + index.digest.str() + "'";
  EXPECT_EQ(count("manifest_blob_refs", indexRows), "0");
  EXPECT_EQ(count("manifest_manifest_refs", indexRows), "0");
  EXPECT_EQ(count("tags", "repository = 'one'"), "0");
  EXPECT_EQ(count("manifest_blob_refs", "repository = 'one'"), "2") << "the child's refs stay";

  ASSERT_TRUE(store->deleteRepository(kRegistry, "one").ok());
  for (const char* table :
       {"manifests", "manifest_blob_refs", "manifest_manifest_refs", "tags", "blob_links"}) {
    EXPECT_EQ(count(table, "repository = 'one'"), "0") << table;
    EXPECT_NE(count(table, "repository = 'two'"), "0") << table;
  }
  EXPECT_EQ(count("repositories", "name = 'one'"), "0");

  ASSERT_TRUE(store->deleteRegistry(kRegistry).ok());
  for (const char* table : {"repositories", "manifests", "manifest_blob_refs",
                            "manifest_manifest_refs", "tags", "blob_links"}) {
    EXPECT_EQ(count(table, "1"), "0") << table;
  }
}

TEST_F(SqliteMetadataStoreTest, DeleteRegistryAlsoForgetsItsUploadSessions) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->createSession({"mine", std::string(kRegistry), "repo", 1}).ok());
  ASSERT_TRUE(store->createSession({"theirs", "beta.registry.test", "repo", 1}).ok());
  ASSERT_TRUE(store->deleteRegistry(kRegistry).ok());
  auto mine = store->getSession("mine");
  ASSERT_FALSE(mine.ok());
  EXPECT_EQ(mine.error().code, Errc::kBlobUploadUnknown);
  EXPECT_TRUE(store->getSession("theirs").ok());
}

// An upload's blob reaches the blob store before its link is recorded, so a crash in between
// leaves a blob only a full load finds: starting the session must already void the snapshot.
TEST_F(SqliteMetadataStoreTest, StartingAnUploadForgetsTheIndexSnapshotToken) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->recordIndexSnapshot(kRegistry, "mine").ok());
  ASSERT_TRUE(store->recordIndexSnapshot("beta.registry.test", "theirs").ok());
  ASSERT_TRUE(store->createSession({"up", std::string(kRegistry), "repo", 1}).ok());
  EXPECT_EQ(*store->indexSnapshotToken(kRegistry), "");
  EXPECT_EQ(*store->indexSnapshotToken("beta.registry.test"), "theirs");
  // Ending a session changes nothing the index holds.
  ASSERT_TRUE(store->recordIndexSnapshot(kRegistry, "again").ok());
  ASSERT_TRUE(store->removeSession("up").ok());
  EXPECT_EQ(*store->indexSnapshotToken(kRegistry), "again");
}

TEST_F(SqliteMetadataStoreTest, ListSessionsVisitorMayCallBackIntoTheStore) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_TRUE(store->createSession({id, std::string(kRegistry), "repo", 1}).ok());
  }
  int visited = 0;
  // Expiring stale sessions at start-up is exactly this pattern; it must not deadlock.
  ASSERT_TRUE(store
                  ->listSessions(kRegistry,
                                 [&](const UploadSession& session) {
                                   ++visited;
                                   EXPECT_TRUE(store->removeSession(session.id).ok());
                                 })
                  .ok());
  EXPECT_EQ(visited, 3);
  int left = 0;
  ASSERT_TRUE(store->listSessions(kRegistry, [&](const UploadSession&) { ++left; }).ok());
  EXPECT_EQ(left, 0);
}

TEST_F(SqliteMetadataStoreTest, ListSessionsInStartOrder) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->createSession({"late", std::string(kRegistry), "repo", 300}).ok());
  ASSERT_TRUE(store->createSession({"early", std::string(kRegistry), "repo", 100}).ok());
  ASSERT_TRUE(store->createSession({"middle", std::string(kRegistry), "repo", 200}).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(store
                  ->listSessions(kRegistry,
                                 [&](const UploadSession& session) { ids.push_back(session.id); })
                  .ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"early", "middle", "late"}));
}

TEST_F(SqliteMetadataStoreTest, EmptyDigestIsRejectedBeforeItIsStored) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  ManifestRow row = makeManifest("x");
  row.blobRefs.push_back(Digest{});
  Status status = store->putManifest(kRegistry, "repo", row, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInternal);
  EXPECT_FALSE(store->linkBlob(kRegistry, "repo", Digest{}).ok());
  int repositories = 0;
  CatalogVisitor visitor;
  visitor.repository = [&](std::string_view) { ++repositories; };
  ASSERT_TRUE(store->load(kRegistry, visitor).ok());
  EXPECT_EQ(repositories, 0);
}

}  // namespace
}  // namespace berth::metadata
