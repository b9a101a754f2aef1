#include "daemon/startup_pages.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace berth::daemon {
namespace {

/// Resident KiB of the read-only mappings of this test's own executable.
struct Resident {
  long readOnly = 0;
};

Resident residentOfOwnBinary() {
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  std::ifstream smaps("/proc/self/smaps");
  Resident out;
  std::string line;
  bool ours = false;
  while (std::getline(smaps, line)) {
    std::istringstream fields(line);
    std::string first;
    fields >> first;
    if (first.find('-') != std::string::npos && first.back() != ':') {
      std::string perms, offset, device, inode, path;
      fields >> perms >> offset >> device >> inode >> path;
      ours = path == exe && perms.size() > 1 && perms[1] != 'w';
    } else if (first == "Rss:" && ours) {
      long kib = 0;
      fields >> kib;
      out.readOnly += kib;
    }
  }
  return out;
}

struct Shape {
  virtual ~Shape() = default;
  virtual int sides() const = 0;
};
struct Square final : Shape {
  int sides() const override { return 4; }
};

int counter = 41;  // in .data: a private, written page whose contents differ from the file

TEST(StartupPages, ReleasesReadOnlyPagesAndKeepsEverythingElse) {
  ++counter;
  const Resident before = residentOfOwnBinary();
  ASSERT_GT(before.readOnly, 0);

  EXPECT_GT(releaseStartupPages(), 0u);

  const Resident after = residentOfOwnBinary();
  // Reading smaps faults a little code back in; far less than was resident.
  EXPECT_LT(after.readOnly, before.readOnly) << before.readOnly << " KiB resident before";
  // Written data and the relocated read-only data (vtables live there) are untouched: had they
  // been dropped, the counter would read 41 again and the call would jump through a pointer
  // that was never relocated.
  EXPECT_EQ(counter, 42);
  std::unique_ptr<Shape> shape = std::make_unique<Square>();
  EXPECT_EQ(shape->sides(), 4);
}

TEST(StartupPages, CanRunTwice) {
  releaseStartupPages();
  EXPECT_GT(releaseStartupPages(), 0u);
  EXPECT_EQ(std::string("code and constants still work"), "code and constants still work");
}

}  // namespace
}  // namespace berth::daemon
