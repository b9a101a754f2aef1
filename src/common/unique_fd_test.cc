#include "common/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>

namespace berth {
namespace {

bool isOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

int openDevNull() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

TEST(UniqueFdTest, DefaultIsEmpty) {
  UniqueFd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(fd);
  EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFdTest, ClosesOnDestruction) {
  int raw = openDevNull();
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd);
    EXPECT_EQ(fd.get(), raw);
  }
  EXPECT_FALSE(isOpen(raw));
}

TEST(UniqueFdTest, MoveTransfersOwnership) {
  int raw = openDevNull();
  ASSERT_GE(raw, 0);
  UniqueFd a(raw);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from state is the contract
  EXPECT_EQ(b.get(), raw);

  int other = openDevNull();
  ASSERT_GE(other, 0);
  UniqueFd c(other);
  c = std::move(b);
  EXPECT_FALSE(isOpen(other));  // the descriptor c held before is closed
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(isOpen(raw));
}

TEST(UniqueFdTest, ReleaseKeepsDescriptorOpen) {
  int raw = openDevNull();
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_EQ(fd.release(), raw);
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_TRUE(isOpen(raw));
  ::close(raw);
}

TEST(UniqueFdTest, ResetClosesPrevious) {
  int first = openDevNull();
  int second = openDevNull();
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  UniqueFd fd(first);
  fd.reset(second);
  EXPECT_FALSE(isOpen(first));
  EXPECT_EQ(fd.get(), second);
  fd.reset();
  EXPECT_FALSE(isOpen(second));
  EXPECT_FALSE(fd.valid());
}

}  // namespace
}  // namespace berth
