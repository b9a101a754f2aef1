#include "auth/audit_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <random>

namespace berth::auth {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("berth-audit-" + std::to_string(std::random_device{}()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  AuditEvent event(std::string registry, std::string repository, int i) {
    AuditEvent e;
    e.time = 1000 + i;
    e.registry = std::move(registry);
    e.principal = "alice";
    e.principalKind = "identity";
    e.clientAddress = "127.0.0.1";
    e.action = "push";
    e.repository = std::move(repository);
    e.outcome = "success";
    e.status = 201;
    return e;
  }

  std::filesystem::path dir_;
  Logger log_{LogLevel::kError};
};

TEST_F(AuditLogTest, ListsNewestFirstPerRegistry) {
  auto audit = AuditLog::open(dir_, log_);
  ASSERT_TRUE(audit.ok()) << audit.error().message;
  for (int i = 0; i < 5; ++i) (*audit)->record(event(i % 2 ? "one" : "two", "r" + std::to_string(i), i));
  auto one = (*audit)->list("one", 10);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 2u);
  EXPECT_EQ((*one)[0].repository, "r3");
  EXPECT_EQ((*one)[1].repository, "r1");
  auto all = (*audit)->list("", 3);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].repository, "r4");
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "audit.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AuditLogTest, SurvivesReopenAndSkipsATornLine) {
  {
    auto audit = AuditLog::open(dir_, log_);
    (*audit)->record(event("one", "kept", 1));
  }
  {
    std::ofstream torn(dir_ / "audit.log", std::ios::app);
    torn << "{\"time\":12,\"regis";  // a crash mid-line
  }
  auto audit = AuditLog::open(dir_, log_);
  (*audit)->record(event("one", "after", 2));
  auto listed = (*audit)->list("one", 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u) << "the torn line swallowed the next record's start";
  EXPECT_EQ((*listed)[0].repository, "kept");
}

TEST_F(AuditLogTest, RotatesAtItsSizeBound) {
  auto audit = AuditLog::open(dir_, log_, 2000);
  for (int i = 0; i < 100; ++i) (*audit)->record(event("one", "r" + std::to_string(i), i));
  EXPECT_LE(std::filesystem::file_size(dir_ / "audit.log"), 2000u);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "audit.log.1"));
  auto listed = (*audit)->list("one", 1);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].repository, "r99");
}

TEST(AuditEventJson, RoundTripsAndRejectsForeignLines) {
  AuditEvent e;
  e.registry = "reg";
  e.repository = "a/b";
  e.detail = "bad \xff byte";
  auto back = auditEventFromJson(auditEventToJson(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->repository, "a/b");
  EXPECT_FALSE(auditEventFromJson("not json"));
  EXPECT_FALSE(auditEventFromJson("[1,2]"));
  EXPECT_FALSE(auditEventFromJson("{\"status\":\"x\"}"));
}

}  // namespace
}  // namespace berth::auth
