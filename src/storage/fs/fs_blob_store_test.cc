#include "storage/fs/fs_blob_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "common/digest.h"
#include "common/page_buffer.h"
#include "storage/blob_store_conformance.h"

namespace berth::storage {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the test temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "berth-fs-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    }
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) {
      fs::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class FsHarness final : public BlobStoreHarness {
 public:
  BlobStore& store() override { return *store_; }

  ::testing::AssertionResult restart() override {
    store_.reset();
    return open();
  }

  ::testing::AssertionResult open() {
    if (dir_.path().empty()) {
      return ::testing::AssertionFailure() << "cannot create a temp dir";
    }
    auto store = FsBlobStore::open(dir_.path() / "root");
    if (!store.ok()) {
      return ::testing::AssertionFailure() << store.error().message;
    }
    store_ = std::move(store).value();
    return ::testing::AssertionSuccess();
  }

 private:
  TempDir dir_;
  std::unique_ptr<FsBlobStore> store_;
};

std::unique_ptr<BlobStoreHarness> makeFsHarness() {
  auto harness = std::make_unique<FsHarness>();
  ::testing::AssertionResult opened = harness->open();
  if (!opened) {
    ADD_FAILURE() << "cannot open FsBlobStore: " << opened.message();
    return nullptr;
  }
  return harness;
}

INSTANTIATE_TEST_SUITE_P(Fs, BlobStoreConformanceTest,
                         ::testing::Values(BlobStoreDriver{"fs", makeFsHarness}),
                         BlobStoreConformanceTest::driverName);

// ---- fs-specific behaviour ----

std::span<const std::byte> asBytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

void writeFile(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class FsBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    root_ = dir_.path() / "root";
    reopen();
  }

  void reopen() {
    store_.reset();
    auto store = FsBlobStore::open(root_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
  }

  void put(std::string_view registry, std::string_view id, std::string_view content) {
    auto writer = store_->createUpload(registry, id);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    ASSERT_TRUE((*writer)->append(asBytes(content)).ok());
    writer->reset();
    Status published = store_->publishUpload(registry, id, digestOf(content));
    ASSERT_TRUE(published.ok()) << published.error().message;
  }

  TempDir dir_;
  fs::path root_;
  std::unique_ptr<FsBlobStore> store_;
};

TEST_F(FsBlobStoreTest, LaysFilesOutAsDocumented) {
  EXPECT_TRUE(store_->root().is_absolute());
  auto writer = store_->createUpload("reg", "up-1");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->append(asBytes("layout")).ok());
  const fs::path upload = root_ / "registries/reg/uploads/up-1";
  EXPECT_EQ(readFile(upload), "layout");
  writer->reset();

  const Digest digest = digestOf("layout");
  ASSERT_TRUE(store_->publishUpload("reg", "up-1", digest).ok());
  const std::string hex(digest.hex());
  const fs::path blob = root_ / "registries/reg/blobs/sha256" / hex.substr(0, 2) / hex;
  EXPECT_EQ(readFile(blob), "layout");
  EXPECT_FALSE(fs::exists(upload));

  // Nothing else: no temp files, no markers.
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root_ / "registries")) {
    if (!entry.is_directory()) {
      files.insert(fs::relative(entry.path(), root_).string());
    }
  }
  EXPECT_EQ(files, std::set<std::string>{fs::relative(blob, root_).string()});
}

TEST_F(FsBlobStoreTest, FilesAreNotReadableByOtherUsers) {
  ASSERT_NO_FATAL_FAILURE(put("reg", "up", "secret layer"));
  const std::string hex(digestOf("secret layer").hex());
  for (const fs::path& p : {root_ / "registries", root_ / "registries/reg/blobs/sha256",
                            root_ / "registries/reg/blobs/sha256" / hex.substr(0, 2) / hex}) {
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_mode & 0007, 0u) << p;
  }
}

TEST_F(FsBlobStoreTest, ReaderDescriptorIsReadOnlyAndCloseOnExec) {
  ASSERT_NO_FATAL_FAILURE(put("reg", "up", "fd"));
  auto reader = store_->open("reg", digestOf("fd"));
  ASSERT_TRUE(reader.ok());
  int fd = (*reader)->fileDescriptor();
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
  EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(FsBlobStoreTest, OpenRejectsUnusableRoots) {
  auto empty = FsBlobStore::open("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::kInternal);

  const fs::path file = dir_.path() / "plain-file";
  writeFile(file, "not a directory");
  for (const fs::path& bad : {file, file / "below"}) {
    auto store = FsBlobStore::open(bad);
    ASSERT_FALSE(store.ok()) << bad;
    EXPECT_EQ(store.error().code, Errc::kInternal);
    EXPECT_NE(store.error().message.find(bad.string()), std::string::npos)
        << "message should name the path: " << store.error().message;
  }
}

TEST_F(FsBlobStoreTest, OpenCreatesMissingRootWithParents) {
  auto store = FsBlobStore::open(dir_.path() / "a/b/c/");
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ((*store)->root(), dir_.path() / "a/b/c");
  EXPECT_TRUE(fs::is_directory(dir_.path() / "a/b/c/registries"));
}

TEST_F(FsBlobStoreTest, ListingSkipsLeftovers) {
  ASSERT_NO_FATAL_FAILURE(put("reg", "real", "real blob"));
  ASSERT_TRUE(store_->createUpload("reg", "pending").ok());
  const Digest real = digestOf("real blob");

  const fs::path uploads = root_ / "registries/reg/uploads";
  writeFile(uploads / ".tmp-123", "dotfile");
  writeFile(uploads / "bad.name", "invalid id");
  fs::create_directories(uploads / "dir-id");
  fs::create_symlink(uploads / "pending", uploads / "link-id");

  // Valid digests in the wrong places, and wrong names in the right places.
  const fs::path sha256 = root_ / "registries/reg/blobs/sha256";
  const std::string ab(digestOf("x").hex());  // any valid hex; its prefix decides below
  const std::string prefix = ab.substr(0, 2);
  const std::string wrongPrefix = prefix == "00" ? "01" : "00";
  writeFile(sha256 / wrongPrefix / ab, "prefix mismatch");
  writeFile(sha256 / prefix / (ab + ".tmp"), "temp file");
  writeFile(sha256 / prefix / (prefix + std::string(62, 'G')), "not hex");
  writeFile(sha256 / prefix / ab.substr(0, 40), "too short");
  writeFile(sha256 / ab, "not under a prefix");
  writeFile(sha256 / "zz" / "zz", "bad prefix");
  writeFile(sha256 / "stray-file", "");
  writeFile(root_ / "registries/reg/blobs/md5" / prefix / ab.substr(0, 32), "unknown algorithm");
  writeFile(root_ / "registries/reg/blobs/README", "");
  const std::string real2(digestOf("other").hex());
  fs::create_directories(sha256 / real2.substr(0, 2) / real2);  // a directory, not a blob
  const std::string real3(digestOf("linked").hex());
  fs::create_directories(sha256 / real3.substr(0, 2));
  fs::create_symlink(sha256 / real.hex().substr(0, 2) / real.hex(),
                     sha256 / real3.substr(0, 2) / real3);

  std::set<std::string> blobs;
  ASSERT_TRUE(
      store_->listBlobs("reg", [&](const BlobEntry& e) { blobs.insert(e.digest.str()); }).ok());
  EXPECT_EQ(blobs, std::set<std::string>{real.str()});

  std::set<std::string> ids;
  ASSERT_TRUE(store_->listUploads("reg", [&](const UploadEntry& e) { ids.insert(e.id); }).ok());
  EXPECT_EQ(ids, std::set<std::string>{"pending"});

  // A directory where a blob or upload would be is neither.
  auto other = Digest::parse("sha256:" + real2);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(store_->stat("reg", *other).error().code, Errc::kBlobUnknown);
  EXPECT_EQ(store_->open("reg", *other).error().code, Errc::kBlobUnknown);
  EXPECT_EQ(store_->openUpload("reg", "dir-id").error().code, Errc::kBlobUploadUnknown);
  EXPECT_EQ(store_->publishUpload("reg", "dir-id", real).error().code, Errc::kBlobUploadUnknown);
}

TEST_F(FsBlobStoreTest, OpenFinishesInterruptedRegistryDeletion) {
  writeFile(root_ / "trash/registry-abc123/reg/blobs/sha256/ab/abcd", "half deleted");
  writeFile(root_ / "trash/registry-abc123/reg/uploads/u", "half deleted");
  ASSERT_NO_FATAL_FAILURE(reopen());
  EXPECT_TRUE(fs::is_empty(root_ / "trash"));
}

TEST_F(FsBlobStoreTest, DeleteRegistryLeavesNoTrash) {
  ASSERT_NO_FATAL_FAILURE(put("reg", "up", "bytes"));
  ASSERT_TRUE(store_->deleteRegistry("reg").ok());
  EXPECT_FALSE(fs::exists(root_ / "registries/reg"));
  EXPECT_TRUE(fs::is_empty(root_ / "trash"));
  ASSERT_TRUE(store_->deleteRegistry("reg").ok());
  EXPECT_TRUE(fs::is_empty(root_ / "trash"));
}

TEST_F(FsBlobStoreTest, CreateUploadOfExistingIdIsConflictAndKeepsBytes) {
  auto writer = store_->createUpload("reg", "taken");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->append(asBytes("keep me")).ok());
  auto again = store_->createUpload("reg", "taken");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kConflict);
  auto reopened = store_->openUpload("reg", "taken");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->size(), 7u);
}

TEST_F(FsBlobStoreTest, PublishIsRefusedWhenTheRootVanished) {
  ASSERT_TRUE(store_->createUpload("reg", "up").ok());
  fs::remove_all(root_);
  Status published = store_->publishUpload("reg", "up", digestOf(""));
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error().code, Errc::kBlobUploadUnknown);
  auto created = store_->createUpload("reg", "up2");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Errc::kInternal);
  EXPECT_FALSE(fs::exists(root_)) << "a vanished root must not be silently recreated";
}

// `bytes` copied into page-aligned memory at `skew` bytes past a block boundary, as the pipelined
// upload path lays out its buffers.
class PlacedBytes {
 public:
  PlacedBytes(std::string_view bytes, std::size_t skew)
      : buffer_(bytes.size() + skew), view_(buffer_.data() + skew, bytes.size()) {
    std::memcpy(view_.data(), bytes.data(), bytes.size());
  }
  std::span<const std::byte> bytes() const { return view_; }

 private:
  PageBuffer buffer_;
  std::span<std::byte> view_;
};

std::string pattern(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + seed) % 251);
  return s;
}

TEST_F(FsBlobStoreTest, UncachedAppendsKeepEveryByteAtAnyAlignment) {
  auto writer = store_->createUpload("reg", "direct");
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  UploadWriter& w = **writer;
  std::string expected;
  auto appendPlaced = [&](std::string piece, std::size_t skew) {
    PlacedBytes placed(piece, skew);
    Status s = w.appendUncached(placed.bytes());
    ASSERT_TRUE(s.ok()) << s.error().message;
    expected += piece;
    ASSERT_EQ(w.size(), expected.size());
  };
  ASSERT_TRUE(w.append(asBytes(pattern(5000, 1))).ok());
  expected = pattern(5000, 1);
  // Placed as the pipeline does: the file offset's position within a block.
  appendPlaced(pattern(1024 * 1024 + 7, 2), expected.size() % kUploadDirectAlignment);
  appendPlaced(pattern(3 * 4096, 3), expected.size() % kUploadDirectAlignment);
  // Misplaced in memory, or shorter than a block: the buffered path takes it.
  appendPlaced(pattern(64 * 1024 + 3, 4), 1);
  appendPlaced(pattern(300, 5), expected.size() % kUploadDirectAlignment);
  auto reader = w.openForRead();
  ASSERT_TRUE(reader.ok());
  std::string got(expected.size(), '\0');
  auto n = (*reader)->readAt(0, std::as_writable_bytes(std::span(got)));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, expected.size());
  EXPECT_TRUE(got == expected) << "bytes differ from what was appended";
  writer->reset();
  Status published = store_->publishUpload("reg", "direct", digestOf(expected));
  ASSERT_TRUE(published.ok()) << published.error().message;
  EXPECT_TRUE(readFile(root_ / "registries/reg/blobs/sha256" /
                       digestOf(expected).hex().substr(0, 2) / digestOf(expected).hex()) ==
              expected);
}

constexpr std::size_t kFileSizeLimit = 1024 * 1024;

// Runs in a death-test child: the file size limit is process-wide. Exits 0 when every check
// holds. The child set up its own fixture and skips its destructors, so it removes its temp dir
// (the parent of `root`) itself.
[[noreturn]] void exitChild(const fs::path& root, int code) {
  std::error_code ec;
  fs::remove_all(root.parent_path(), ec);
  std::_Exit(code);
}

[[noreturn]] void appendPastFileSizeLimit(const fs::path& root, bool uncached) {
  auto check = [&root](bool ok, const std::string& what) {
    if (!ok) {
      std::fprintf(stderr, "check failed: %s\n", what.c_str());
      exitChild(root, 1);
    }
  };
  std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG from write() instead of being killed
  rlimit limit{kFileSizeLimit, kFileSizeLimit};
  check(::setrlimit(RLIMIT_FSIZE, &limit) == 0, "setrlimit");
  auto store = FsBlobStore::open(root);
  check(store.ok(), "open store");
  auto writer = (*store)->createUpload("reg", "big");
  check(writer.ok(), "create upload");
  const std::string half(kFileSizeLimit / 2, 'a');
  check((*writer)->append(asBytes(half)).ok(), "first append");
  // Half of this one fits: the partial write must be undone.
  const PlacedBytes full(std::string(kFileSizeLimit, 'b'), 0);
  Status failed = uncached ? (*writer)->appendUncached(full.bytes()) : (*writer)->append(full.bytes());
  check(!failed.ok(), "second append should fail");
  check(failed.error().code == Errc::kInternal, "code is kInternal");
  const std::string& message = failed.error().message;
  check(message.find("File too large") != std::string::npos, "errno text in: " + message);
  check(message.find("disk space") != std::string::npos, "advice in: " + message);
  check((*writer)->size() == half.size(), "size() unchanged");
  struct stat st {};
  check(::stat((root / "registries/reg/uploads/big").c_str(), &st) == 0, "stat upload");
  check(static_cast<std::size_t>(st.st_size) == half.size(), "file cut back to previous size");
  check((*writer)->append(asBytes("tail")).ok(), "append after failure");
  auto reader = (*writer)->openForRead();
  check(reader.ok() && (*reader)->size() == half.size() + 4, "size after recovery");
  std::string tail(4, '\0');
  auto n = (*reader)->readAt(half.size(), std::as_writable_bytes(std::span(tail)));
  check(n.ok() && *n == 4 && tail == "tail", "bytes after recovery");
  exitChild(root, 0);
}

TEST_F(FsBlobStoreTest, FailedAppendIsRolledBack) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(appendPastFileSizeLimit(dir_.path() / "limited", false),
              ::testing::ExitedWithCode(0), "");
}

TEST_F(FsBlobStoreTest, FailedUncachedAppendIsRolledBack) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(appendPastFileSizeLimit(dir_.path() / "limited-direct", true),
              ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace berth::storage
