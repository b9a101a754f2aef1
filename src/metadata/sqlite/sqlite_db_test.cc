#include "metadata/sqlite/sqlite_db.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>

namespace berth::metadata::sqlite {
namespace {

class SqliteDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "berth-db-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_ = open();
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(db_->exec("PRAGMA journal_mode = WAL; "
                          "CREATE TABLE t (a TEXT, b BLOB, n INTEGER) STRICT")
                    .ok());
  }

  void TearDown() override {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<Db> open() {
    auto db = Db::open(dir_ / "test.db");
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::make_unique<Db>(std::move(db).value()) : nullptr;
  }

  std::string text(std::string_view sql) { return text(*db_, sql); }
  static std::string text(Db& db, std::string_view sql) {
    auto statement = db.prepare(sql);
    EXPECT_TRUE(statement.ok()) << statement.error().message;
    if (!statement.ok()) {
      return "<error>";
    }
    auto row = (*statement)->step();
    EXPECT_TRUE(row.ok());
    return row.ok() && *row ? std::string((*statement)->columnText(0)) : "<no row>";
  }

  std::filesystem::path dir_;
  std::unique_ptr<Db> db_;
};

TEST_F(SqliteDbTest, EmptyTextAndBlobStayEmptyNotNull) {
  ASSERT_TRUE(db_->run("INSERT INTO t (a, b, n) VALUES (?1, ?2, ?3)", std::string_view(),
                       Blob{std::string_view()}, std::int64_t{0})
                  .ok());
  EXPECT_EQ(text("SELECT typeof(a) || ',' || typeof(b) || ',' || length(a) || ',' || length(b) "
                 "FROM t"),
            "text,blob,0,0");
  auto statement = db_->prepare("SELECT a, b FROM t");
  ASSERT_TRUE(statement.ok());
  ASSERT_TRUE(*(*statement)->step());
  EXPECT_FALSE((*statement)->columnIsNull(0));
  EXPECT_FALSE((*statement)->columnIsNull(1));
  EXPECT_EQ((*statement)->columnBlob(1), "");
}

TEST_F(SqliteDbTest, OptionalTextBindsNullOrText) {
  ASSERT_TRUE(db_->run("INSERT INTO t (a, n) VALUES (?1, 1)", OptionalText{}).ok());
  ASSERT_TRUE(
      db_->run("INSERT INTO t (a, n) VALUES (?1, 2)", OptionalText{std::string_view("x")}).ok());
  EXPECT_EQ(text("SELECT count(*) FROM t WHERE a IS NULL AND n = 1"), "1");
  EXPECT_EQ(text("SELECT a FROM t WHERE n = 2"), "x");
}

TEST_F(SqliteDbTest, BlobsAreByteExact) {
  const std::string bytes("\0a\0\xff\x80\0", 6);
  ASSERT_TRUE(db_->run("INSERT INTO t (b) VALUES (?1)", Blob{bytes}).ok());
  auto statement = db_->prepare("SELECT b FROM t");
  ASSERT_TRUE(statement.ok());
  ASSERT_TRUE(*(*statement)->step());
  EXPECT_EQ((*statement)->columnBlob(0), bytes);
}

TEST_F(SqliteDbTest, TransactionRollsBackUnlessCommitted) {
  {
    auto transaction = Transaction::begin(*db_, Transaction::Kind::kWrite);
    ASSERT_TRUE(transaction.ok());
    ASSERT_TRUE(db_->run("INSERT INTO t (n) VALUES (1)").ok());
  }
  EXPECT_EQ(text("SELECT count(*) FROM t"), "0");
  EXPECT_TRUE(db_->autocommit());
  {
    auto transaction = Transaction::begin(*db_, Transaction::Kind::kWrite);
    ASSERT_TRUE(transaction.ok());
    ASSERT_TRUE(db_->run("INSERT INTO t (n) VALUES (2)").ok());
    ASSERT_TRUE(transaction->commit().ok());
    EXPECT_FALSE(transaction->commit().ok()) << "a finished transaction cannot commit again";
  }
  EXPECT_EQ(text("SELECT count(*) FROM t"), "1");
}

TEST_F(SqliteDbTest, ErrorsSayMetadataDatabaseAndCarryTheSql) {
  auto bad = db_->prepare("SELEC nonsense");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInternal);
  EXPECT_EQ(bad.error().message.rfind("metadata database: ", 0), 0u) << bad.error().message;
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos);
  EXPECT_EQ(bad.error().detail, "SELEC nonsense");

  // STRICT refuses an INTEGER column holding text: a failure at step, not at prepare.
  Status status = db_->run("INSERT INTO t (n) VALUES (?1)", std::string_view("not a number"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInternal);
  EXPECT_NE(status.error().message.find("check the data directory"), std::string::npos);
}

TEST_F(SqliteDbTest, PrepareRefusesSeveralStatements) {
  EXPECT_FALSE(db_->prepare("SELECT 1; SELECT 2").ok());
  EXPECT_TRUE(db_->prepare("SELECT 1;  ").ok());
}

TEST_F(SqliteDbTest, CachedStatementCannotBeBorrowedTwice) {
  {
    auto first = db_->prepare("SELECT 1");
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(db_->prepare("SELECT 1").ok());
  }
  EXPECT_TRUE(db_->prepare("SELECT 1").ok());
}

TEST_F(SqliteDbTest, ReturnedLeaseStartsOverWithFreshBindings) {
  ASSERT_TRUE(db_->run("INSERT INTO t (n) VALUES (1), (2), (3)").ok());
  const std::string_view sql = "SELECT n FROM t WHERE n >= ?1 ORDER BY n";
  {
    auto statement = db_->prepare(sql);
    ASSERT_TRUE(statement.ok());
    ASSERT_TRUE((*statement)->bindAll(std::int64_t{2}).ok());
    ASSERT_TRUE(*(*statement)->step());
    EXPECT_EQ((*statement)->columnInt64(0), 2);
  }
  auto statement = db_->prepare(sql);
  ASSERT_TRUE(statement.ok());
  // Bindings were cleared: NULL compares as unknown, so no rows.
  auto row = (*statement)->step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

TEST_F(SqliteDbTest, BusyTimeoutWaitsForAnotherConnectionsWriteLock) {
  std::unique_ptr<Db> other = open();
  ASSERT_NE(other, nullptr);
  auto holder = Transaction::begin(*db_, Transaction::Kind::kWrite);
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE(db_->run("INSERT INTO t (n) VALUES (1)").ok());

  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_TRUE(holder->commit().ok());
  });
  // Blocks inside SQLite's busy handler until the commit above, then proceeds.
  auto waiter = Transaction::begin(*other, Transaction::Kind::kWrite);
  releaser.join();
  ASSERT_TRUE(waiter.ok()) << waiter.error().message;
  ASSERT_TRUE(other->run("INSERT INTO t (n) VALUES (2)").ok());
  ASSERT_TRUE(waiter->commit().ok());
  EXPECT_EQ(text("SELECT count(*) FROM t"), "2");
}

}  // namespace
}  // namespace berth::metadata::sqlite
