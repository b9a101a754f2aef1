#pragma once
// A thin RAII layer over the SQLite C API for the metadata driver: a connection (Db), prepared
// statements (Statement, borrowed from Db's cache as a StatementLease) and a transaction guard
// (Transaction). Every SQLite failure becomes Error{Errc::kInternal} whose message starts with
// "metadata database:" and says what the operator should check. None of these types is
// thread-safe: the owner serialises all use of one Db and everything borrowed from it.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace berth::metadata::sqlite {

/// Binds as a BLOB: byte-exact, NULs included, and kept apart from TEXT by STRICT tables.
struct Blob {
  std::string_view bytes;
};

/// Binds as TEXT, or as NULL when empty-handed (std::nullopt).
struct OptionalText {
  std::optional<std::string_view> value;
};

/// The Error for a failed SQLite call with result code `code`; `sqliteMessage` is SQLite's own
/// text and `detail` optional context (the SQL, the file).
Error databaseError(int code, std::string_view sqliteMessage, std::string detail = {});

class Statement {
 public:
  /// Compiles one SQL statement on `db`.
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  /// Binds parameters 1..N in order. Values are copied into SQLite, so temporaries are fine.
  template <typename... Args>
  Status bindAll(const Args&... args) {
    int index = 1;
    Status status;
    (void)((status = bindOne(index++, args), status.ok()) && ...);
    return status;
  }
  Status bindOne(int index, std::string_view text);
  Status bindOne(int index, std::int64_t value);
  Status bindOne(int index, Blob blob);
  Status bindOne(int index, const OptionalText& text);

  /// Advances: true when a row is available, false when the statement has finished.
  Result<bool> step();
  /// Steps to the end, for statements that return no rows.
  Status run();
  /// Makes the statement reusable: ends any read it holds open and clears the bindings.
  void reset() noexcept;

  // Column accessors for the current row. Views stay valid until the next step() or reset().
  std::string_view columnText(int column) const;
  std::string_view columnBlob(int column) const;
  std::int64_t columnInt64(int column) const;
  bool columnIsNull(int column) const;

 private:
  friend class Db;
  friend class StatementLease;
  explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  Status check(int code) const;

  sqlite3_stmt* stmt_ = nullptr;
  bool leased_ = false;  // borrowed through a StatementLease right now
};

/// A cached Statement on loan from Db::prepare(). Resets the statement when it goes away, so an
/// idle cached statement never pins a read snapshot or keeps the WAL from being checkpointed.
class StatementLease {
 public:
  StatementLease(StatementLease&& other) noexcept;
  StatementLease& operator=(StatementLease&&) = delete;
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  ~StatementLease();

  Statement* operator->() const noexcept { return statement_; }
  Statement& operator*() const noexcept { return *statement_; }

 private:
  friend class Db;
  explicit StatementLease(Statement& statement) noexcept;
  Statement* statement_;
};

class Db {
 public:
  /// SQLite waits this long for another connection's lock before reporting SQLITE_BUSY; long
  /// enough to ride out a checkpoint, short enough that a stuck peer surfaces as an error.
  static constexpr int kBusyTimeoutMs = 5000;

  /// Opens (creating if absent) the database file. Its directory must exist.
  static Result<Db> open(const std::filesystem::path& file);

  Db(Db&& other) noexcept = default;
  Db& operator=(Db&&) = delete;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  /// Runs one or more SQL statements without parameters (schema, pragmas).
  Status exec(const std::string& sql);
  /// The compiled statement for `sql`, compiled once per connection and then reused. Fails if
  /// the same SQL is already on loan (a nested use would clobber its bindings).
  Result<StatementLease> prepare(std::string_view sql);
  /// prepare + bindAll + run, for writes and other statements without rows.
  template <typename... Args>
  Status run(std::string_view sql, const Args&... args) {
    auto statement = prepare(sql);
    if (!statement.ok()) {
      return fail(std::move(statement).error());
    }
    BERTH_TRY((*statement)->bindAll(args...));
    return (*statement)->run();
  }

  /// Rows changed by the last INSERT/UPDATE/DELETE (not counting foreign-key cascades).
  std::int64_t changes() const noexcept;
  /// False while a transaction is open.
  bool autocommit() const noexcept;

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  explicit Db(sqlite3* handle) noexcept : handle_(handle) {}

  // Declared before the cache so that the statements are finalised before the connection closes.
  std::unique_ptr<sqlite3, Closer> handle_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

/// Rolls back on destruction unless commit() succeeded, so an early return on error never leaves
/// half of a change behind.
class Transaction {
 public:
  enum class Kind {
    kRead,   // BEGIN DEFERRED: a consistent snapshot for several reads
    kWrite,  // BEGIN IMMEDIATE: takes the write lock up front, so a write never fails half-way
             // for want of upgrading a read lock while another process writes
  };

  static Result<Transaction> begin(Db& db, Kind kind);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  /// Makes the changes durable (as far as PRAGMA synchronous promises). On failure the
  /// transaction is rolled back when the guard goes away.
  Status commit();

 private:
  explicit Transaction(Db& db) noexcept : db_(&db) {}
  Db* db_;  // null once committed or moved from
};

}  // namespace berth::metadata::sqlite

// Propagates the error of a Result<T> expression, otherwise binds its value to `var`.
#define BERTH_SQLITE_ASSIGN(var, expr)                      \
  auto var##_result_ = (expr);                              \
  if (!var##_result_.ok()) {                                \
    return ::berth::fail(std::move(var##_result_).error()); \
  }                                                         \
  auto& var = *var##_result_
