#include "metadata/sqlite/sqlite_schema.h"

#include <array>
#include <string>

namespace berth::metadata::sqlite {
namespace {

// Version 1. Design notes:
// - STRICT tables, so a TEXT bound where a BLOB belongs (or the reverse) fails loudly instead of
//   being silently coerced; manifest bytes must come back byte-exact.
// - Children reference their parents with ON DELETE CASCADE, so deleting a repository or a
//   manifest removes its tags, references and links in the same statement, and nothing can be
//   left dangling by a forgotten DELETE. Each foreign key has an index whose prefix matches it,
//   so a cascade is a range delete rather than a table scan.
// - Every key starts with the registry, so load() for one registry is a range scan in key order.
// - manifests keeps its rowid: rows carry the manifest bytes, which would bloat the interior
//   pages of a WITHOUT ROWID b-tree; the small tables are WITHOUT ROWID.
// - Reference rows keep their position: a manifest may list the same layer twice and the order
//   of config + layers is part of what was pushed.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS repositories (
  registry TEXT NOT NULL,
  name     TEXT NOT NULL,
  PRIMARY KEY (registry, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS manifests (
  registry      TEXT NOT NULL,
  repository    TEXT NOT NULL,
  digest        TEXT NOT NULL,
  media_type    TEXT NOT NULL,
  artifact_type TEXT NOT NULL,
  subject       TEXT,
  bytes         BLOB NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (registry, repository, digest),
  FOREIGN KEY (registry, repository) REFERENCES repositories (registry, name) ON DELETE CASCADE
) STRICT;

-- The referrers API asks "which manifests in this repository name this subject".
CREATE INDEX IF NOT EXISTS manifests_by_subject
  ON manifests (registry, repository, subject) WHERE subject IS NOT NULL;

CREATE TABLE IF NOT EXISTS manifest_blob_refs (
  registry        TEXT NOT NULL,
  repository      TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  position        INTEGER NOT NULL,
  digest          TEXT NOT NULL,
  PRIMARY KEY (registry, repository, manifest_digest, position),
  FOREIGN KEY (registry, repository, manifest_digest)
    REFERENCES manifests (registry, repository, digest) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS manifest_manifest_refs (
  registry        TEXT NOT NULL,
  repository      TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  position        INTEGER NOT NULL,
  digest          TEXT NOT NULL,
  PRIMARY KEY (registry, repository, manifest_digest, position),
  FOREIGN KEY (registry, repository, manifest_digest)
    REFERENCES manifests (registry, repository, digest) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS tags (
  registry   TEXT NOT NULL,
  repository TEXT NOT NULL,
  tag        TEXT NOT NULL,
  digest     TEXT NOT NULL,
  PRIMARY KEY (registry, repository, tag),
  FOREIGN KEY (registry, repository, digest)
    REFERENCES manifests (registry, repository, digest) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Serves the cascade from manifests: "the tags pointing at this digest".
CREATE INDEX IF NOT EXISTS tags_by_manifest ON tags (registry, repository, digest);

CREATE TABLE IF NOT EXISTS blob_links (
  registry   TEXT NOT NULL,
  repository TEXT NOT NULL,
  digest     TEXT NOT NULL,
  PRIMARY KEY (registry, repository, digest),
  FOREIGN KEY (registry, repository) REFERENCES repositories (registry, name) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- No foreign key to repositories: an upload may start before its repository exists.
CREATE TABLE IF NOT EXISTS upload_sessions (
  id         TEXT PRIMARY KEY NOT NULL,
  registry   TEXT NOT NULL,
  repository TEXT NOT NULL,
  started_at INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS upload_sessions_by_registry
  ON upload_sessions (registry, started_at, id);
)sql";

// Version 2: the control plane. Resource documents are opaque JSON to the database; only the
// columns needed to find them (type, scope prefix via the key, name) are indexed.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS resources (
  key  TEXT NOT NULL PRIMARY KEY,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  etag TEXT NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS resources_by_type ON resources (type, key);
CREATE INDEX IF NOT EXISTS resources_by_name ON resources (type, name);

CREATE TABLE IF NOT EXISTS credentials (
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL,
  secret     BLOB NOT NULL,
  owner      TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS credentials_by_owner ON credentials (kind, owner);
)sql";

// Version 3: the record of the index snapshot (registry/index_snapshot.h). A daemon that stops
// cleanly writes its in-memory index to a file and records the file's token here; the next start
// maps that file instead of reading every row, but only while the token is still here. The
// triggers make every write that could change what the index holds forget the token in the same
// transaction, whoever writes (this daemon, an offline `berth gc`, a tool with a SQL shell): an
// index snapshot can never be used over a catalog that moved on. An upload session counts too,
// since its blob reaches the blob store before the link is recorded. References change only with
// their manifest row, and a cascade reaches the tables below, so they need no trigger of their own.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE IF NOT EXISTS index_snapshots (
  registry TEXT NOT NULL PRIMARY KEY,
  token    TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS repositories_insert_forgets_snapshot AFTER INSERT ON repositories
BEGIN DELETE FROM index_snapshots WHERE registry = NEW.registry; END;
CREATE TRIGGER IF NOT EXISTS repositories_delete_forgets_snapshot AFTER DELETE ON repositories
BEGIN DELETE FROM index_snapshots WHERE registry = OLD.registry; END;

CREATE TRIGGER IF NOT EXISTS manifests_insert_forgets_snapshot AFTER INSERT ON manifests
BEGIN DELETE FROM index_snapshots WHERE registry = NEW.registry; END;
CREATE TRIGGER IF NOT EXISTS manifests_update_forgets_snapshot AFTER UPDATE ON manifests
BEGIN DELETE FROM index_snapshots WHERE registry IN (OLD.registry, NEW.registry); END;
CREATE TRIGGER IF NOT EXISTS manifests_delete_forgets_snapshot AFTER DELETE ON manifests
BEGIN DELETE FROM index_snapshots WHERE registry = OLD.registry; END;

CREATE TRIGGER IF NOT EXISTS tags_insert_forgets_snapshot AFTER INSERT ON tags
BEGIN DELETE FROM index_snapshots WHERE registry = NEW.registry; END;
CREATE TRIGGER IF NOT EXISTS tags_update_forgets_snapshot AFTER UPDATE ON tags
BEGIN DELETE FROM index_snapshots WHERE registry IN (OLD.registry, NEW.registry); END;
CREATE TRIGGER IF NOT EXISTS tags_delete_forgets_snapshot AFTER DELETE ON tags
BEGIN DELETE FROM index_snapshots WHERE registry = OLD.registry; END;

CREATE TRIGGER IF NOT EXISTS blob_links_insert_forgets_snapshot AFTER INSERT ON blob_links
BEGIN DELETE FROM index_snapshots WHERE registry = NEW.registry; END;
CREATE TRIGGER IF NOT EXISTS blob_links_delete_forgets_snapshot AFTER DELETE ON blob_links
BEGIN DELETE FROM index_snapshots WHERE registry = OLD.registry; END;

CREATE TRIGGER IF NOT EXISTS upload_sessions_insert_forgets_snapshot AFTER INSERT ON upload_sessions
BEGIN DELETE FROM index_snapshots WHERE registry = NEW.registry; END;
)sql";

struct Migration {
  int toVersion;
  const char* sql;
};

// Step i takes the schema from version i to i + 1.
constexpr std::array kMigrations{
    Migration{1, kSchemaV1},
    Migration{2, kSchemaV2},
    Migration{3, kSchemaV3},
};
static_assert(kMigrations.size() == kSchemaVersion, "one migration step per schema version");

}  // namespace

Result<int> schemaVersion(Db& db) {
  auto statement = db.prepare("PRAGMA user_version");
  if (!statement.ok()) {
    return fail(std::move(statement).error());
  }
  auto row = (*statement)->step();
  if (!row.ok()) {
    return fail(std::move(row).error());
  }
  return *row ? static_cast<int>((*statement)->columnInt64(0)) : 0;
}

Status migrateSchema(Db& db) {
  // IMMEDIATE: two daemons opening the same new file at once must not both run a step.
  auto transaction = Transaction::begin(db, Transaction::Kind::kWrite);
  if (!transaction.ok()) {
    return fail(std::move(transaction).error());
  }
  auto version = schemaVersion(db);
  if (!version.ok()) {
    return fail(std::move(version).error());
  }
  if (*version > kSchemaVersion) {
    return fail(Errc::kInternal,
                "metadata database: the file has schema version " + std::to_string(*version) +
                    " but this berth understands up to " + std::to_string(kSchemaVersion) +
                    "; run the newer berth that wrote it, or restore a backup");
  }
  if (*version == kSchemaVersion) {
    return okStatus();  // the guard ends the read-only transaction
  }
  for (const Migration& step : kMigrations) {
    if (step.toVersion > *version) {
      BERTH_TRY(db.exec(step.sql));
    }
  }
  // PRAGMA user_version is part of the database header, so it commits or rolls back with the
  // steps above.
  BERTH_TRY(db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion)));
  return transaction->commit();
}

}  // namespace berth::metadata::sqlite
