#include "auth/secret_box.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace berth::auth {
namespace {

TEST(SecretBoxTest, SealOpenRoundTripAndTamperDetection) {
  auto box = SecretBox::fromKey(std::string(32, 'k'));
  auto sealed = box.seal("hunter2");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*box.open(*sealed), "hunter2");
  std::string tampered = *sealed;
  tampered[14] ^= 1;
  EXPECT_FALSE(box.open(tampered).ok());
  EXPECT_FALSE(SecretBox::fromKey(std::string(32, 'x')).open(*sealed).ok());
  EXPECT_FALSE(box.open("short").ok());
}

TEST(SecretBoxTest, KeyFileIsCreatedOnceWithMode0600) {
  auto dir = std::filesystem::temp_directory_path() / ("berth-box-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  auto a = SecretBox::openKeyFile(dir / "secret.key");
  ASSERT_TRUE(a.ok());
  auto perms = std::filesystem::status(dir / "secret.key").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto sealed = a->seal("x");
  auto b = SecretBox::openKeyFile(dir / "secret.key");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b->open(*sealed), "x");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace berth::auth
