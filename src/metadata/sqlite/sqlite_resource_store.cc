// SqliteMetadataStore's ResourceStore and CredentialStore halves (schema version 2).

#include <openssl/rand.h>

#include <array>

#include "metadata/sqlite/sqlite_metadata_store.h"

namespace berth::metadata {

using sqlite::Blob;
using sqlite::Transaction;

namespace {

std::string newEtag() {
  std::array<unsigned char, 8> raw{};
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag = "\"";
  for (unsigned char c : raw) {
    etag.push_back(kHex[c >> 4]);
    etag.push_back(kHex[c & 0xf]);
  }
  etag.push_back('"');
  return etag;
}

/// The row a "SELECT key, type, name, body, etag" statement is positioned on.
ResourceRow rowAt(const sqlite::Statement& statement) {
  return ResourceRow{std::string(statement.columnText(0)), std::string(statement.columnText(1)),
                     std::string(statement.columnText(2)), std::string(statement.columnText(3)),
                     std::string(statement.columnText(4))};
}

/// Upper bound of the keys that start with prefix + "/": '/' + 1 == '0'.
std::string scopeEnd(std::string_view prefix) { return std::string(prefix) + "0"; }

}  // namespace

Result<ResourceRow> SqliteMetadataStore::getResource(std::string_view key) {
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(statement,
                      db_.prepare("SELECT key, type, name, body, etag FROM resources WHERE key = ?1"));
  BERTH_TRY(statement->bindAll(key));
  BERTH_SQLITE_ASSIGN(row, statement->step());
  if (!row) {
    return fail(Errc::kResourceNotFound, "resource '" + std::string(key) + "' was not found");
  }
  return rowAt(*statement);
}

Status SqliteMetadataStore::putResource(const ResourceRow& row, const std::string* expectedEtag) {
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(transaction, Transaction::begin(db_, Transaction::Kind::kWrite));
  if (expectedEtag != nullptr) {
    BERTH_SQLITE_ASSIGN(statement, db_.prepare("SELECT etag FROM resources WHERE key = ?1"));
    BERTH_TRY(statement->bindAll(row.key));
    BERTH_SQLITE_ASSIGN(found, statement->step());
    std::string current = found ? std::string(statement->columnText(0)) : std::string();
    statement->reset();
    if (expectedEtag->empty() ? found : (!found || current != *expectedEtag)) {
      return fail(Errc::kPreconditionFailed,
                  expectedEtag->empty()
                      ? "the resource already exists (If-None-Match: *)"
                      : "the resource changed since it was read (etag mismatch); read it again "
                        "and retry");
    }
  }
  const std::string etag = row.etag.empty() ? newEtag() : row.etag;
  BERTH_TRY(db_.run(
      "INSERT INTO resources (key, type, name, body, etag) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (key) DO UPDATE SET type = excluded.type, name = excluded.name, "
      "body = excluded.body, etag = excluded.etag",
      row.key, row.type, row.name, row.body, etag));
  return transaction.commit();
}

Result<std::size_t> SqliteMetadataStore::deleteResourceTree(std::string_view key) {
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(transaction, Transaction::begin(db_, Transaction::Kind::kWrite));
  BERTH_TRY(db_.run("DELETE FROM resources WHERE key = ?1 OR (key > ?2 AND key < ?3)", key,
                    std::string(key) + "/", scopeEnd(key)));
  const auto deleted = static_cast<std::size_t>(db_.changes());
  BERTH_TRY(transaction.commit());
  return deleted;
}

Status SqliteMetadataStore::listResources(std::string_view type, std::string_view scopePrefix,
                                          const std::function<void(const ResourceRow&)>& visit) {
  std::vector<ResourceRow> rows;
  {
    std::lock_guard lock(mutex_);
    BERTH_SQLITE_ASSIGN(statement,
                        db_.prepare(scopePrefix.empty()
                                        ? "SELECT key, type, name, body, etag FROM resources "
                                          "WHERE type = ?1 ORDER BY key"
                                        : "SELECT key, type, name, body, etag FROM resources "
                                          "WHERE type = ?1 AND key > ?2 AND key < ?3 ORDER BY key"));
    if (scopePrefix.empty()) {
      BERTH_TRY(statement->bindAll(type));
    } else {
      BERTH_TRY(statement->bindAll(type, std::string(scopePrefix) + "/", scopeEnd(scopePrefix)));
    }
    for (;;) {
      BERTH_SQLITE_ASSIGN(more, statement->step());
      if (!more) break;
      rows.push_back(rowAt(*statement));
    }
  }
  // Outside the lock, so a visitor may call back into the store.
  for (const auto& row : rows) visit(row);
  return okStatus();
}

Status SqliteMetadataStore::findResourcesByName(
    std::string_view type, std::string_view name,
    const std::function<void(const ResourceRow&)>& visit) {
  std::vector<ResourceRow> rows;
  {
    std::lock_guard lock(mutex_);
    BERTH_SQLITE_ASSIGN(statement, db_.prepare("SELECT key, type, name, body, etag FROM resources "
                                               "WHERE type = ?1 AND name = ?2 ORDER BY key"));
    BERTH_TRY(statement->bindAll(type, name));
    for (;;) {
      BERTH_SQLITE_ASSIGN(more, statement->step());
      if (!more) break;
      rows.push_back(rowAt(*statement));
    }
  }
  for (const auto& row : rows) visit(row);
  return okStatus();
}

Status SqliteMetadataStore::putCredential(const Credential& c) {
  std::lock_guard lock(mutex_);
  return db_.run(
      "INSERT INTO credentials (kind, name, secret, owner, expires_at) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (kind, name) DO UPDATE SET secret = excluded.secret, owner = excluded.owner, "
      "expires_at = excluded.expires_at",
      c.kind, c.name, Blob{c.secret}, c.owner, c.expiresUnixSeconds);
}

Result<Credential> SqliteMetadataStore::getCredential(std::string_view kind, std::string_view name) {
  std::lock_guard lock(mutex_);
  BERTH_SQLITE_ASSIGN(statement, db_.prepare("SELECT secret, owner, expires_at FROM credentials "
                                             "WHERE kind = ?1 AND name = ?2"));
  BERTH_TRY(statement->bindAll(kind, name));
  BERTH_SQLITE_ASSIGN(row, statement->step());
  if (!row) {
    return fail(Errc::kResourceNotFound, "credential not found");
  }
  return Credential{std::string(kind), std::string(name), std::string(statement->columnBlob(0)),
                    std::string(statement->columnText(1)), statement->columnInt64(2)};
}

Status SqliteMetadataStore::removeCredential(std::string_view kind, std::string_view name) {
  std::lock_guard lock(mutex_);
  return db_.run("DELETE FROM credentials WHERE kind = ?1 AND name = ?2", kind, name);
}

Status SqliteMetadataStore::removeCredentialsOwnedBy(std::string_view kind,
                                                     std::string_view owner) {
  std::lock_guard lock(mutex_);
  return db_.run("DELETE FROM credentials WHERE kind = ?1 AND owner = ?2", kind, owner);
}

Status SqliteMetadataStore::listCredentials(std::string_view kind,
                                            const std::function<void(const Credential&)>& visit) {
  std::vector<Credential> rows;
  {
    std::lock_guard lock(mutex_);
    BERTH_SQLITE_ASSIGN(statement, db_.prepare("SELECT name, secret, owner, expires_at FROM "
                                               "credentials WHERE kind = ?1 ORDER BY name"));
    BERTH_TRY(statement->bindAll(kind));
    for (;;) {
      BERTH_SQLITE_ASSIGN(more, statement->step());
      if (!more) break;
      rows.push_back(Credential{std::string(kind), std::string(statement->columnText(0)),
                                std::string(statement->columnBlob(1)),
                                std::string(statement->columnText(2)), statement->columnInt64(3)});
    }
  }
  for (const auto& c : rows) visit(c);
  return okStatus();
}

}  // namespace berth::metadata
