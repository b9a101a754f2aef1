#include "metadata/sqlite/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace berth::metadata::sqlite {
namespace {

std::string_view hintFor(int code) {
  switch (code & 0xff) {
    case SQLITE_FULL:
      return "free disk space in the data directory";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the database file is damaged or is not a berth database; restore it from a backup";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "another process holds the database locked; make sure only one berth daemon uses "
             "this data directory";
    default:
      return "check the data directory's disk space and permissions";
  }
}

Error connectionError(sqlite3* db, int code, std::string detail = {}) {
  return databaseError(code, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code),
                       std::move(detail));
}

}  // namespace

Error databaseError(int code, std::string_view sqliteMessage, std::string detail) {
  std::string message = "metadata database: ";
  message.append(sqliteMessage);
  message.append("; ");
  message.append(hintFor(code));
  return Error{Errc::kInternal, std::move(message), std::move(detail)};
}

// ---- Statement

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int code = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (code != SQLITE_OK) {
    return connectionError(db, code, std::string(sql));
  }
  Statement statement(stmt);
  if (stmt == nullptr ||
      (tail != nullptr && tail != sql.data() + sql.size() &&
       std::string_view(tail, sql.data() + sql.size() - tail).find_first_not_of(" \t\r\n;") !=
           std::string_view::npos)) {
    // A programming error, but reported rather than half-run: only the first statement would
    // ever execute.
    return databaseError(SQLITE_MISUSE, "expected exactly one SQL statement", std::string(sql));
  }
  return statement;
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), leased_(std::exchange(other.leased_, false)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    leased_ = std::exchange(other.leased_, false);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Status Statement::check(int code) const {
  if (code == SQLITE_OK) {
    return okStatus();
  }
  const char* sql = sqlite3_sql(stmt_);
  return connectionError(sqlite3_db_handle(stmt_), code, sql != nullptr ? sql : "");
}

Status Statement::bindOne(int index, std::string_view text) {
  // A null pointer would bind SQL NULL; an empty string must stay an empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  return check(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

Status Statement::bindOne(int index, std::int64_t value) {
  return check(sqlite3_bind_int64(stmt_, index, value));
}

Status Statement::bindOne(int index, Blob blob) {
  if (blob.bytes.empty()) {
    // sqlite3_bind_blob with no bytes may bind NULL; a zero-length blob is what was stored.
    return check(sqlite3_bind_zeroblob(stmt_, index, 0));
  }
  return check(
      sqlite3_bind_blob64(stmt_, index, blob.bytes.data(), blob.bytes.size(), SQLITE_TRANSIENT));
}

Status Statement::bindOne(int index, const OptionalText& text) {
  if (!text.value.has_value()) {
    return check(sqlite3_bind_null(stmt_, index));
  }
  return bindOne(index, *text.value);
}

Result<bool> Statement::step() {
  int code = sqlite3_step(stmt_);
  if (code == SQLITE_ROW) {
    return true;
  }
  if (code == SQLITE_DONE) {
    return false;
  }
  return fail(check(code).error());
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row.ok()) {
      return fail(std::move(row).error());
    }
    if (!*row) {
      return okStatus();
    }
  }
}

void Statement::reset() noexcept {
  // sqlite3_reset repeats the last step's error, which was already reported by step().
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string_view Statement::columnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);  // after the conversion, per SQLite's rules
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::string_view Statement::columnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (blob == nullptr) {
    return {};  // a zero-length blob comes back as a null pointer
  }
  return {static_cast<const char*>(blob), static_cast<std::size_t>(size)};
}

std::int64_t Statement::columnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

bool Statement::columnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---- StatementLease

StatementLease::StatementLease(Statement& statement) noexcept : statement_(&statement) {
  statement_->leased_ = true;
}

StatementLease::StatementLease(StatementLease&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)) {}

StatementLease::~StatementLease() {
  if (statement_ != nullptr) {
    statement_->reset();
    statement_->leased_ = false;
  }
}

// ---- Db

void Db::Closer::operator()(sqlite3* db) const noexcept {
  // close_v2 defers the close until every statement is finalised instead of failing.
  sqlite3_close_v2(db);
}

Result<Db> Db::open(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the owner serialises access, so SQLite's own per-call mutex would be pure cost.
  int code =
      sqlite3_open_v2(file.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // Even a failed open may allocate a handle, which must still be closed.
  Db db(raw);
  if (code != SQLITE_OK) {
    return connectionError(raw, code, file.string());
  }
  sqlite3_extended_result_codes(raw, 1);
  code = sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  if (code != SQLITE_OK) {
    return connectionError(raw, code, file.string());
  }
  return db;
}

Db::~Db() {
  // Finalise cached statements before the connection goes, whatever the member order says.
  cache_.clear();
}

Status Db::exec(const std::string& sql) {
  char* message = nullptr;
  int code = sqlite3_exec(handle_.get(), sql.c_str(), nullptr, nullptr, &message);
  if (code == SQLITE_OK) {
    return okStatus();
  }
  Error error = databaseError(code, message != nullptr ? message : sqlite3_errstr(code), sql);
  sqlite3_free(message);
  return error;
}

Result<StatementLease> Db::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    auto statement = Statement::prepare(handle_.get(), sql);
    if (!statement.ok()) {
      return fail(std::move(statement).error());
    }
    it = cache_.emplace(std::move(key), std::make_unique<Statement>(std::move(statement).value()))
             .first;
  } else if (it->second->leased_) {
    return databaseError(SQLITE_MISUSE, "a cached statement was used while already in use",
                         std::string(sql));
  }
  return StatementLease(*it->second);
}

std::int64_t Db::changes() const noexcept { return sqlite3_changes64(handle_.get()); }

bool Db::autocommit() const noexcept { return sqlite3_get_autocommit(handle_.get()) != 0; }

// ---- Transaction

Result<Transaction> Transaction::begin(Db& db, Kind kind) {
  BERTH_TRY(db.run(kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL); rolling back again
  // would only report "no transaction is active".
  if (db_ != nullptr && !db_->autocommit()) {
    // Nothing useful to do if this fails: the connection is in trouble and the caller is already
    // returning an error.
    (void)db_->run("ROLLBACK");
  }
}

Status Transaction::commit() {
  if (db_ == nullptr) {
    return databaseError(SQLITE_MISUSE, "commit on a finished transaction");
  }
  BERTH_TRY(db_->run("COMMIT"));
  db_ = nullptr;
  return okStatus();
}

}  // namespace berth::metadata::sqlite
