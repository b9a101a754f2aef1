#include "metadata/sqlite/sqlite_metadata_store.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "metadata/sqlite/sqlite_schema.h"

namespace berth::metadata {
namespace {

using sqlite::Blob;
using sqlite::Db;
using sqlite::OptionalText;
using sqlite::StatementLease;
using sqlite::Transaction;


Result<std::string> queryText(Db& db, std::string_view sql) {
  BERTH_SQLITE_ASSIGN(statement, db.prepare(sql));
  BERTH_SQLITE_ASSIGN(row, statement->step());
  if (!row) {
    return std::string();
  }
  return std::string(statement->columnText(0));
}

Status configure(Db& db) {
  // The pragma answers with the mode now in force; anything but "wal" means the file system
  // cannot provide the shared memory WAL needs.
  BERTH_SQLITE_ASSIGN(mode, queryText(db, "PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return fail(Errc::kInternal,
                "metadata database: cannot use write-ahead logging (journal mode stays '" + mode +
                    "'); put the data directory on a local file system");
  }
  // FULL: a write acknowledged to a client must survive power loss; writes are rare, so the
  // fsync per commit is affordable.
  BERTH_TRY(db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"));
  // Deletes rely on ON DELETE CASCADE; an SQLite built without foreign keys ignores the pragma
  // silently, and would leave orphan tags and references behind.
  BERTH_SQLITE_ASSIGN(foreignKeys, queryText(db, "PRAGMA foreign_keys"));
  if (foreignKeys != "1") {
    return fail(Errc::kInternal,
                "metadata database: this SQLite library does not enforce foreign keys; link "
                "berth against an SQLite built with foreign key support");
  }
  return sqlite::migrateSchema(db);
}

// Where an invalid digest sits: a label and, for rows keyed by more than the repository, the rest of
// the key ("tag", "latest"). Kept as views so that loading a valid row builds no message.
struct DigestSite {
  std::string_view label;
  std::string_view detail;
};

Error corruptDigest(std::string_view table, std::string_view registry, std::string_view repository,
                    DigestSite site, std::string_view text) {
  std::string message = "metadata database: table ";
  message.append(table).append(" holds an invalid digest '").append(text.substr(0, 200));
  message.append("' (registry '").append(registry).append("', repository '").append(repository);
  message.append("', ").append(site.label);
  if (!site.detail.empty()) {
    message.append(" ").append(site.detail);
  }
  message.append("); the database is damaged, restore it from a backup");
  return Error{Errc::kInternal, std::move(message), std::string(text.substr(0, 200))};
}

Result<Digest> readDigest(std::string_view text, std::string_view table, std::string_view registry,
                          std::string_view repository, DigestSite site) {
  auto digest = Digest::parse(text);
  if (!digest.ok()) {
    return corruptDigest(table, registry, repository, site, text);
  }
  return std::move(digest).value();
}

// A default-constructed Digest is a caller bug; storing "" would corrupt the next load().
Status requireDigests(const ManifestRow& row) {
  bool empty = row.digest.empty() || (row.subject.has_value() && row.subject->empty());
  for (const auto& refs : {&row.blobRefs, &row.manifestRefs}) {
    for (const Digest& digest : *refs) {
      empty = empty || digest.empty();
    }
  }
  if (empty) {
    return fail(Errc::kInternal,
                "putManifest was given an empty digest for the manifest or one of its references; "
                "this is a berth bug, please report it");
  }
  return okStatus();
}

Status requireDigest(const Digest& digest) {
  if (digest.empty()) {
    return fail(Errc::kInternal,
                "metadata store was given an empty digest; this is a berth bug, "
                "please report it");
  }
  return okStatus();
}

constexpr std::string_view kInsertRepository =
    "INSERT INTO repositories (registry, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING";

struct RefTable {
  std::string_view name;
  std::string_view deleteSql;
  std::string_view insertSql;
  std::string_view loadSql;
};

constexpr RefTable kBlobRefs{
    "manifest_blob_refs",
    "DELETE FROM manifest_blob_refs WHERE registry = ?1 AND repository = ?2 AND "
    "manifest_digest = ?3",
    "INSERT INTO manifest_blob_refs (registry, repository, manifest_digest, position, digest) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT repository, manifest_digest, digest FROM manifest_blob_refs WHERE registry = ?1 "
    "ORDER BY repository, manifest_digest, position",
};

constexpr RefTable kManifestRefs{
    "manifest_manifest_refs",
    "DELETE FROM manifest_manifest_refs WHERE registry = ?1 AND repository = ?2 AND "
    "manifest_digest = ?3",
    "INSERT INTO manifest_manifest_refs (registry, repository, manifest_digest, position, digest) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT repository, manifest_digest, digest FROM manifest_manifest_refs WHERE registry = ?1 "
    "ORDER BY repository, manifest_digest, position",
};

Status replaceRefs(Db& db, const RefTable& table, std::string_view registry,
                   std::string_view repository, const Digest& manifest,
                   const std::vector<Digest>& refs) {
  BERTH_TRY(db.run(table.deleteSql, registry, repository, manifest.str()));
  BERTH_SQLITE_ASSIGN(insert, db.prepare(table.insertSql));
  for (std::size_t i = 0; i < refs.size(); ++i) {
    BERTH_TRY(insert->bindAll(registry, repository, manifest.str(), static_cast<std::int64_t>(i),
                              refs[i].str()));
    BERTH_TRY(insert->run());
    insert->reset();
  }
  return okStatus();
}

// Reads a reference table in the same (repository, manifest digest) order as the manifests
// query, so loadReferences() is a merge join: one pass over each table instead of a query per manifest.
class RefCursor {
 public:
  RefCursor(StatementLease statement, std::string_view table, std::string_view registry)
      : statement_(std::move(statement)), table_(table), registry_(registry) {}

  Status start() {
    BERTH_TRY(statement_->bindAll(registry_));
    return advance();
  }

  /// Appends the references of one manifest, in their stored order.
  Status collect(std::string_view repository, std::string_view manifest, std::vector<Digest>& out) {
    while (hasRow_) {
      std::string_view rowRepository = statement_->columnText(0);
      std::string_view rowManifest = statement_->columnText(1);
      // string_view compares like memcmp, which is SQLite's BINARY collation used by ORDER BY.
      int order = rowRepository.compare(repository);
      if (order == 0) {
        order = rowManifest.compare(manifest);
      }
      if (order > 0) {
        break;
      }
      // order < 0 would be a reference whose manifest is gone; foreign keys rule that out, and
      // skipping it is the right answer anyway.
      if (order == 0) {
        BERTH_SQLITE_ASSIGN(digest,
                            readDigest(statement_->columnText(2), table_, registry_, rowRepository,
                                       {"manifest", rowManifest}));
        out.push_back(std::move(digest));
      }
      BERTH_TRY(advance());
    }
    return okStatus();
  }

 private:
  Status advance() {
    BERTH_SQLITE_ASSIGN(row, statement_->step());
    hasRow_ = row;
    return okStatus();
  }

  StatementLease statement_;
  std::string_view table_;
  std::string_view registry_;
  bool hasRow_ = false;
};

/// Steps through a manifests query whose first two columns are (repository, digest), handing
/// each row's repository, digest text and parsed digest to `onRow` (which returns a Status).
template <typename OnRow>
Status forEachManifest(sqlite::Statement& manifests, std::string_view registry, OnRow onRow) {
  for (;;) {
    BERTH_SQLITE_ASSIGN(more, manifests.step());
    if (!more) {
      return okStatus();
    }
    std::string_view repository = manifests.columnText(0);
    std::string_view digestText = manifests.columnText(1);
    BERTH_SQLITE_ASSIGN(digest,
                        readDigest(digestText, "manifests", registry, repository, {"digest", {}}));
    BERTH_TRY(onRow(repository, digestText, std::move(digest)));
  }
}

}  // namespace

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::open(
    const std::filesystem::path& dbFile) {
  BERTH_SQLITE_ASSIGN(db, Db::open(dbFile));
  BERTH_TRY(configure(db));
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(db)));
}

// ---- ManifestCatalog

Status SqliteMetadataStore::putManifest(std::string_view registry, std::string_view repository,
                                        const ManifestRow& row, const std::string* tag) {
  BERTH_TRY(requireDigests(row));
  std::lock_guard lock(mutex_);
  return putManifestLocked(registry, repository, row, tag);
}

Status SqliteMetadataStore::putManifestLocked(std::string_view registry,
                                              std::string_view repository, const ManifestRow& row,
                                              const std::string* tag) {
  BERTH_SQLITE_ASSIGN(transaction, Transaction::begin(db_, Transaction::Kind::kWrite));
  BERTH_TRY(db_.run(kInsertRepository, registry, repository));
  // DO NOTHING: the same digest means the same bytes, and the first push's row (with its
  // creation time) is the one to keep.
  BERTH_TRY(db_.run(
      "INSERT INTO manifests (registry, repository, digest, media_type, artifact_type, subject, "
      "bytes, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT (registry, repository, digest) DO NOTHING",
      registry, repository, row.digest.str(), row.mediaType, row.artifactType,
      OptionalText{row.subject.has_value() ? std::optional<std::string_view>(row.subject->str())
                                           : std::nullopt},
      Blob{row.bytes}, row.createdUnixSeconds));
  // References are derived from the bytes, so replacing them is a no-op for an honest re-push
  // and repairs rows written by a parser that has since been fixed.
  BERTH_TRY(replaceRefs(db_, kBlobRefs, registry, repository, row.digest, row.blobRefs));
  BERTH_TRY(replaceRefs(db_, kManifestRefs, registry, repository, row.digest, row.manifestRefs));
  if (tag != nullptr) {
    BERTH_TRY(
        db_.run("INSERT INTO tags (registry, repository, tag, digest) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (registry, repository, tag) DO UPDATE SET digest = excluded.digest",
                registry, repository, *tag, row.digest.str()));
  }
  return transaction.commit();
}

Status SqliteMetadataStore::deleteManifest(std::string_view registry, std::string_view repository,
                                           const Digest& digest) {
  std::lock_guard lock(mutex_);
  // One statement, so atomic on its own; tags and references go with it by ON DELETE CASCADE.
  BERTH_TRY(db_.run("DELETE FROM manifests WHERE registry = ?1 AND repository = ?2 AND digest = ?3",
                    registry, repository, digest.str()));
  if (db_.changes() == 0) {
    return fail(Errc::kManifestUnknown,
                "manifest " + digest.str() + " is not in repository " + std::string(repository),
                digest.str());
  }
  return okStatus();
}

Status SqliteMetadataStore::deleteTag(std::string_view registry, std::string_view repository,
                                      std::string_view tag) {
  std::lock_guard lock(mutex_);
  BERTH_TRY(db_.run("DELETE FROM tags WHERE registry = ?1 AND repository = ?2 AND tag = ?3",
                    registry, repository, tag));
  if (db_.changes() == 0) {
    return fail(Errc::kManifestUnknown,
                "tag " + std::string(tag) + " is not in repository " + std::string(repository),
                std::string(tag));
  }
  return okStatus();
}

Status SqliteMetadataStore::linkBlob(std::string_view registry, std::string_view repository,
                                     const Digest& digest) {
  BERTH_TRY(requireDigest(digest));
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(transaction, Transaction::begin(db_, Transaction::Kind::kWrite));
  BERTH_TRY(db_.run(kInsertRepository, registry, repository));
  BERTH_TRY(
      db_.run("INSERT INTO blob_links (registry, repository, digest) VALUES (?1, ?2, ?3) "
              "ON CONFLICT DO NOTHING",
              registry, repository, digest.str()));
  return transaction.commit();
}

Status SqliteMetadataStore::unlinkBlob(std::string_view registry, std::string_view repository,
                                       const Digest& digest) {
  std::lock_guard lock(mutex_);
  return db_.run("DELETE FROM blob_links WHERE registry = ?1 AND repository = ?2 AND digest = ?3",
                 registry, repository, digest.str());
}

Status SqliteMetadataStore::deleteRepository(std::string_view registry,
                                             std::string_view repository) {
  std::lock_guard lock(mutex_);
  // Manifests, their references and tags, and blob links all cascade from the repository row.
  return db_.run("DELETE FROM repositories WHERE registry = ?1 AND name = ?2", registry,
                 repository);
}

Status SqliteMetadataStore::deleteRegistry(std::string_view registry) {
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(transaction, Transaction::begin(db_, Transaction::Kind::kWrite));
  BERTH_TRY(db_.run("DELETE FROM repositories WHERE registry = ?1", registry));
  BERTH_TRY(db_.run("DELETE FROM upload_sessions WHERE registry = ?1", registry));
  BERTH_TRY(db_.run("DELETE FROM index_snapshots WHERE registry = ?1", registry));
  return transaction.commit();
}

Status SqliteMetadataStore::load(std::string_view registry, const CatalogVisitor& visitor) {
  std::lock_guard lock(mutex_);
  return loadLocked(registry, visitor);
}

Status SqliteMetadataStore::loadReferences(
    std::string_view registry,
    const std::function<void(std::string_view repository, ManifestReferences&& refs)>& visit) {
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(transaction, Transaction::begin(db_, Transaction::Kind::kRead));
  // The primary key's index alone answers this: no manifest bytes are read.
  BERTH_SQLITE_ASSIGN(manifests, db_.prepare("SELECT repository, digest FROM manifests "
                                             "WHERE registry = ?1 ORDER BY repository, digest"));
  BERTH_TRY(manifests->bindAll(registry));
  BERTH_SQLITE_ASSIGN(blobRefsStatement, db_.prepare(kBlobRefs.loadSql));
  BERTH_SQLITE_ASSIGN(manifestRefsStatement, db_.prepare(kManifestRefs.loadSql));
  RefCursor blobRefs(std::move(blobRefsStatement), kBlobRefs.name, registry);
  RefCursor manifestRefs(std::move(manifestRefsStatement), kManifestRefs.name, registry);
  BERTH_TRY(blobRefs.start());
  BERTH_TRY(manifestRefs.start());
  Status walked = forEachManifest(
      *manifests, registry,
      [&](std::string_view repository, std::string_view digestText, Digest&& digest) -> Status {
        ManifestReferences refs;
        refs.manifest = std::move(digest);
        BERTH_TRY(blobRefs.collect(repository, digestText, refs.blobRefs));
        BERTH_TRY(manifestRefs.collect(repository, digestText, refs.manifestRefs));
        visit(repository, std::move(refs));
        return okStatus();
      });
  if (!walked.ok()) return walked;
  return transaction.commit();
}

Status SqliteMetadataStore::loadLocked(std::string_view registry, const CatalogVisitor& visitor) {
  // One read transaction: the four passes see the same snapshot even if another process writes.
  BERTH_SQLITE_ASSIGN(transaction, Transaction::begin(db_, Transaction::Kind::kRead));

  if (visitor.repository) {
    BERTH_SQLITE_ASSIGN(repositories,
                        db_.prepare("SELECT name FROM repositories WHERE registry = ?1 "
                                    "ORDER BY name"));
    BERTH_TRY(repositories->bindAll(registry));
    for (;;) {
      BERTH_SQLITE_ASSIGN(row, repositories->step());
      if (!row) {
        break;
      }
      visitor.repository(repositories->columnText(0));
    }
  }

  if (visitor.manifest) {
    BERTH_SQLITE_ASSIGN(manifests,
                        db_.prepare("SELECT repository, digest, media_type, artifact_type, "
                                    "subject, bytes, created_at FROM manifests "
                                    "WHERE registry = ?1 ORDER BY repository, digest"));
    BERTH_TRY(manifests->bindAll(registry));
    Status walked = forEachManifest(
        *manifests, registry,
        [&](std::string_view repository, std::string_view digestText, Digest&& digest) -> Status {
          ManifestRow row;
          row.digest = std::move(digest);
          row.mediaType = manifests->columnText(2);
          row.artifactType = manifests->columnText(3);
          if (!manifests->columnIsNull(4)) {
            BERTH_SQLITE_ASSIGN(subject,
                                readDigest(manifests->columnText(4), "manifests", registry,
                                           repository, {"subject of", digestText}));
            row.subject = std::move(subject);
          }
          row.bytes = manifests->columnBlob(5);
          row.createdUnixSeconds = manifests->columnInt64(6);
          visitor.manifest(repository, std::move(row));
          return okStatus();
        });
    if (!walked.ok()) return walked;
  }

  if (visitor.tag) {
    BERTH_SQLITE_ASSIGN(tags, db_.prepare("SELECT repository, tag, digest FROM tags "
                                          "WHERE registry = ?1 ORDER BY repository, tag"));
    BERTH_TRY(tags->bindAll(registry));
    for (;;) {
      BERTH_SQLITE_ASSIGN(row, tags->step());
      if (!row) {
        break;
      }
      std::string_view repository = tags->columnText(0);
      std::string_view tag = tags->columnText(1);
      BERTH_SQLITE_ASSIGN(digest, readDigest(tags->columnText(2), "tags", registry, repository,
                                             {"tag", tag}));
      visitor.tag(repository, tag, std::move(digest));
    }
  }

  if (visitor.blobLink) {
    BERTH_SQLITE_ASSIGN(links, db_.prepare("SELECT repository, digest FROM blob_links "
                                           "WHERE registry = ?1 ORDER BY repository, digest"));
    BERTH_TRY(links->bindAll(registry));
    for (;;) {
      BERTH_SQLITE_ASSIGN(row, links->step());
      if (!row) {
        break;
      }
      std::string_view repository = links->columnText(0);
      BERTH_SQLITE_ASSIGN(digest, readDigest(links->columnText(1), "blob_links", registry,
                                             repository, {"blob link", {}}));
      visitor.blobLink(repository, std::move(digest));
    }
  }

  return transaction.commit();
}

// ---- index snapshot record (the schema's triggers forget it on every write)

Result<std::string> SqliteMetadataStore::indexSnapshotToken(std::string_view registry) {
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(statement,
                      db_.prepare("SELECT token FROM index_snapshots WHERE registry = ?1"));
  BERTH_TRY(statement->bindAll(registry));
  BERTH_SQLITE_ASSIGN(row, statement->step());
  if (!row) {
    return std::string();
  }
  return std::string(statement->columnText(0));
}

Status SqliteMetadataStore::recordIndexSnapshot(std::string_view registry, std::string_view token) {
  if (token.empty()) {
    return fail(Errc::kInvalidParameter, "an index snapshot token must not be empty");
  }
  std::lock_guard lock(mutex_);
  return db_.run(
      "INSERT INTO index_snapshots (registry, token) VALUES (?1, ?2) "
      "ON CONFLICT (registry) DO UPDATE SET token = excluded.token",
      registry, token);
}

Status SqliteMetadataStore::forgetIndexSnapshot(std::string_view registry) {
  std::lock_guard lock(mutex_);
  return db_.run("DELETE FROM index_snapshots WHERE registry = ?1", registry);
}

// ---- UploadSessionStore

Status SqliteMetadataStore::createSession(const UploadSession& session) {
  std::lock_guard lock(mutex_);
  BERTH_TRY(
      db_.run("INSERT INTO upload_sessions (id, registry, repository, started_at) "
              "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
              session.id, session.registry, session.repository, session.startedUnixSeconds));
  if (db_.changes() == 0) {
    return fail(Errc::kConflict, "upload session " + session.id + " already exists; use a new id",
                session.id);
  }
  return okStatus();
}

Result<UploadSession> SqliteMetadataStore::getSession(std::string_view id) {
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(statement, db_.prepare("SELECT registry, repository, started_at "
                                             "FROM upload_sessions WHERE id = ?1"));
  BERTH_TRY(statement->bindAll(id));
  BERTH_SQLITE_ASSIGN(row, statement->step());
  if (!row) {
    return fail(Errc::kBlobUploadUnknown,
                "upload session " + std::string(id) + " is unknown; start a new upload",
                std::string(id));
  }
  UploadSession session;
  session.id = id;
  session.registry = statement->columnText(0);
  session.repository = statement->columnText(1);
  session.startedUnixSeconds = statement->columnInt64(2);
  return session;
}

Status SqliteMetadataStore::removeSession(std::string_view id) {
  std::lock_guard lock(mutex_);
  return db_.run("DELETE FROM upload_sessions WHERE id = ?1", id);
}

Status SqliteMetadataStore::listSessions(std::string_view registry,
                                         const std::function<void(const UploadSession&)>& visit) {
  std::vector<UploadSession> sessions;
  {
    std::lock_guard lock(mutex_);
    BERTH_SQLITE_ASSIGN(statement,
                        db_.prepare("SELECT id, repository, started_at FROM upload_sessions "
                                    "WHERE registry = ?1 ORDER BY started_at, id"));
    BERTH_TRY(statement->bindAll(registry));
    for (;;) {
      BERTH_SQLITE_ASSIGN(row, statement->step());
      if (!row) {
        break;
      }
      UploadSession& session = sessions.emplace_back();
      session.id = statement->columnText(0);
      session.registry = registry;
      session.repository = statement->columnText(1);
      session.startedUnixSeconds = statement->columnInt64(2);
    }
  }
  if (visit) {
    for (const UploadSession& session : sessions) {
      visit(session);
    }
  }
  return okStatus();
}

}  // namespace berth::metadata
