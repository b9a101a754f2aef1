#include "cli/profile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace berth::cli {
namespace {

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-profile-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(ProfileTest, SaveLoadRoundTripWithPrivateModes) {
  const auto dir = root_ / "cfg" / "berth";
  Profile p;
  p.server = "http://127.0.0.1:5001";
  p.accessToken = "tok";
  p.expiresOn = "2030-01-01T00:00:00Z";
  p.username = "admin";
  p.subscription = "0000";
  p.domain = "cr.internal";
  p.dataPlane = {"127.0.0.1:5000"};
  ASSERT_TRUE(saveProfile(dir, p).ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir / "profile.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = loadProfile(dir);
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->accessToken, "tok");
  EXPECT_EQ((*loaded)->dataPlane, p.dataPlane);
  EXPECT_EQ((*loaded)->domain, "cr.internal");
  EXPECT_TRUE(*removeProfile(dir));
  EXPECT_FALSE(*removeProfile(dir));
  EXPECT_FALSE(loadProfile(dir)->has_value());
}

TEST_F(ProfileTest, GarbageFileIsAnErrorNamingIt) {
  std::filesystem::create_directories(root_);
  std::ofstream(root_ / "profile.json") << "{not json";
  auto loaded = loadProfile(root_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("profile.json"), std::string::npos);
}

TEST(ProfileDirectory, EnvironmentThenHome) {
  EXPECT_EQ(profileDirectory("/x/y", "/home/u"), std::filesystem::path("/x/y"));
  EXPECT_EQ(profileDirectory(nullptr, "/home/u"), std::filesystem::path("/home/u/.config/berth"));
  EXPECT_EQ(profileDirectory("", "/home/u"), std::filesystem::path("/home/u/.config/berth"));
}

}  // namespace
}  // namespace berth::cli
