#include "storage/blob_store_conformance.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/digest.h"

namespace berth::storage {

void BlobStoreConformanceTest::SetUp() {
  harness_ = GetParam().makeHarness();
  ASSERT_NE(harness_, nullptr) << "driver " << GetParam().name << " could not make a store";
}

void BlobStoreConformanceTest::TearDown() { harness_.reset(); }

namespace {

constexpr std::string_view kRegistry = "conformance";
constexpr std::string_view kOtherRegistry = "other";

template <typename R>
::testing::AssertionResult isOk(const R& result) {
  if (result.ok()) {
    return ::testing::AssertionSuccess();
  }
  const Error& e = result.error();
  return ::testing::AssertionFailure()
         << "error " << wireInfo(e.code).ociCode << " (" << static_cast<int>(e.code)
         << "): " << e.message << " [" << e.detail << "]";
}

template <typename R>
::testing::AssertionResult failsWith(const R& result, Errc code) {
  if (result.ok()) {
    return ::testing::AssertionFailure() << "succeeded, expected errc " << static_cast<int>(code);
  }
  if (result.error().code != code) {
    return ::testing::AssertionFailure()
           << "failed with errc " << static_cast<int>(result.error().code) << " ("
           << result.error().message << "), expected errc " << static_cast<int>(code);
  }
  return ::testing::AssertionSuccess();
}

std::span<const std::byte> asBytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

// Deterministic, incompressible-looking bytes so that misplaced ranges cannot compare equal.
std::string pattern(std::size_t size, std::uint64_t seed) {
  std::string out(size, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return out;
}

Result<std::string> readAll(BlobReader& reader) {
  std::string out;
  std::vector<std::byte> buffer(64 * 1024);
  for (;;) {
    Result<std::size_t> n = reader.readAt(out.size(), buffer);
    if (!n.ok()) {
      return fail(std::move(n).error());
    }
    if (*n == 0) {
      return out;
    }
    if (out.size() + *n > reader.size()) {
      return fail(Errc::kInternal, "reader returned more bytes than its size");
    }
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
}

Result<std::string> readBlob(BlobStore& store, std::string_view registry, const Digest& digest) {
  Result<std::unique_ptr<BlobReader>> reader = store.open(registry, digest);
  if (!reader.ok()) {
    return fail(std::move(reader).error());
  }
  return readAll(**reader);
}

Status writeUpload(BlobStore& store, std::string_view registry, std::string_view uploadId,
                   std::string_view content) {
  Result<std::unique_ptr<UploadWriter>> writer = store.createUpload(registry, uploadId);
  if (!writer.ok()) {
    return fail(std::move(writer).error());
  }
  return (*writer)->append(asBytes(content));
}

Status putBlob(BlobStore& store, std::string_view registry, std::string_view uploadId,
               std::string_view content, const Digest& digest) {
  BERTH_TRY(writeUpload(store, registry, uploadId, content));
  return store.publishUpload(registry, uploadId, digest);
}

std::map<std::string, BlobEntry> listBlobs(BlobStore& store, std::string_view registry) {
  std::map<std::string, BlobEntry> out;
  EXPECT_TRUE(isOk(store.listBlobs(registry, [&](const BlobEntry& e) {
    EXPECT_TRUE(out.emplace(e.digest.str(), e).second) << "listed twice: " << e.digest.str();
  })));
  return out;
}

std::map<std::string, UploadEntry> listUploads(BlobStore& store, std::string_view registry) {
  std::map<std::string, UploadEntry> out;
  EXPECT_TRUE(isOk(store.listUploads(registry, [&](const UploadEntry& e) {
    EXPECT_TRUE(out.emplace(e.id, e).second) << "listed twice: " << e.id;
  })));
  return out;
}

std::int64_t nowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_P(BlobStoreConformanceTest, PublishedBlobReadsBackIdentically) {
  const std::string content = pattern(300 * 1024 + 7, 1);
  const Digest digest = digestOf(content);
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up-1", content, digest)));

  Result<std::unique_ptr<BlobReader>> reader = store().open(kRegistry, digest);
  ASSERT_TRUE(isOk(reader));
  EXPECT_EQ((*reader)->size(), content.size());
  Result<std::string> bytes = readAll(**reader);
  ASSERT_TRUE(isOk(bytes));
  EXPECT_TRUE(*bytes == content) << "bytes differ";

  // Reads at arbitrary offsets, and past the end.
  std::vector<std::byte> buffer(1000);
  Result<std::size_t> n = (*reader)->readAt(12345, buffer);
  ASSERT_TRUE(isOk(n));
  ASSERT_GT(*n, 0u);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(buffer.data()), *n),
            std::string_view(content).substr(12345, *n));
  n = (*reader)->readAt(content.size(), buffer);
  ASSERT_TRUE(isOk(n));
  EXPECT_EQ(*n, 0u);
  n = (*reader)->readAt(content.size() + 100, buffer);
  ASSERT_TRUE(isOk(n));
  EXPECT_EQ(*n, 0u);

  int fd = (*reader)->fileDescriptor();
  if (fd >= 0) {
    std::string viaFd(content.size(), '\0');
    std::size_t got = 0;
    while (got < viaFd.size()) {
      ssize_t r = ::pread(fd, viaFd.data() + got, viaFd.size() - got, static_cast<off_t>(got));
      ASSERT_GT(r, 0) << "pread on fileDescriptor() failed at " << got;
      got += static_cast<std::size_t>(r);
    }
    EXPECT_TRUE(viaFd == content) << "fileDescriptor() bytes differ";
  }
}

TEST_P(BlobStoreConformanceTest, EmptyBlob) {
  const Digest digest = digestOf("");
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "empty", "", digest)));
  Result<std::uint64_t> size = store().stat(kRegistry, digest);
  ASSERT_TRUE(isOk(size));
  EXPECT_EQ(*size, 0u);
  Result<std::string> bytes = readBlob(store(), kRegistry, digest);
  ASSERT_TRUE(isOk(bytes));
  EXPECT_EQ(*bytes, "");
}

TEST_P(BlobStoreConformanceTest, StatReportsSizeOrBlobUnknown) {
  const std::string content = "hello blob";
  const Digest digest = digestOf(content);
  EXPECT_TRUE(failsWith(store().stat(kRegistry, digest), Errc::kBlobUnknown));
  EXPECT_TRUE(failsWith(store().open(kRegistry, digest), Errc::kBlobUnknown));
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up", content, digest)));
  Result<std::uint64_t> size = store().stat(kRegistry, digest);
  ASSERT_TRUE(isOk(size));
  EXPECT_EQ(*size, content.size());
  // An upload in progress is not a blob.
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "pending", "pending bytes")));
  EXPECT_TRUE(failsWith(store().stat(kRegistry, digestOf("pending bytes")), Errc::kBlobUnknown));
}

TEST_P(BlobStoreConformanceTest, BlobsArePerRegistry) {
  const Digest digest = digestOf("mine");
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up", "mine", digest)));
  EXPECT_TRUE(failsWith(store().stat(kOtherRegistry, digest), Errc::kBlobUnknown));
  EXPECT_TRUE(failsWith(store().open(kOtherRegistry, digest), Errc::kBlobUnknown));
  EXPECT_TRUE(isOk(store().deleteBlob(kOtherRegistry, digest)));
  EXPECT_TRUE(isOk(store().stat(kRegistry, digest)));
}

TEST_P(BlobStoreConformanceTest, UploadIdsArePerRegistry) {
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "same-id", "a")));
  ASSERT_TRUE(isOk(writeUpload(store(), kOtherRegistry, "same-id", "bbb")));
  Result<std::unique_ptr<UploadWriter>> writer = store().openUpload(kRegistry, "same-id");
  ASSERT_TRUE(isOk(writer));
  EXPECT_EQ((*writer)->size(), 1u);
  EXPECT_TRUE(isOk(store().deleteUpload(kOtherRegistry, "same-id")));
  EXPECT_TRUE(isOk(store().openUpload(kRegistry, "same-id")));
}

TEST_P(BlobStoreConformanceTest, PublishOfExistingDigestDiscardsUpload) {
  const std::string content = pattern(4096, 2);
  const Digest digest = digestOf(content);
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "first", content, digest)));
  Result<std::unique_ptr<BlobReader>> before = store().open(kRegistry, digest);
  ASSERT_TRUE(isOk(before));

  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "second", content, digest)));
  EXPECT_TRUE(failsWith(store().openUpload(kRegistry, "second"), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(listUploads(store(), kRegistry).empty());
  Result<std::string> bytes = readBlob(store(), kRegistry, digest);
  ASSERT_TRUE(isOk(bytes));
  EXPECT_TRUE(*bytes == content);
  Result<std::string> oldReader = readAll(**before);
  ASSERT_TRUE(isOk(oldReader));
  EXPECT_TRUE(*oldReader == content);
}

TEST_P(BlobStoreConformanceTest, PublishRemovesUpload) {
  const Digest digest = digestOf("payload");
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up", "payload", digest)));
  EXPECT_TRUE(failsWith(store().openUpload(kRegistry, "up"), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(listUploads(store(), kRegistry).empty());
  // Publishing the same id again finds nothing to publish.
  EXPECT_TRUE(failsWith(store().publishUpload(kRegistry, "up", digest), Errc::kBlobUploadUnknown));
}

TEST_P(BlobStoreConformanceTest, PublishOfUnknownUploadIsUploadUnknown) {
  EXPECT_TRUE(
      failsWith(store().publishUpload(kRegistry, "nope", digestOf("x")), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(failsWith(store().stat(kRegistry, digestOf("x")), Errc::kBlobUnknown));
}

TEST_P(BlobStoreConformanceTest, DeleteBlobIsIdempotent) {
  const Digest digest = digestOf("delete me");
  EXPECT_TRUE(isOk(store().deleteBlob(kRegistry, digest)));
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up", "delete me", digest)));
  EXPECT_TRUE(isOk(store().deleteBlob(kRegistry, digest)));
  EXPECT_TRUE(failsWith(store().stat(kRegistry, digest), Errc::kBlobUnknown));
  EXPECT_TRUE(failsWith(store().open(kRegistry, digest), Errc::kBlobUnknown));
  EXPECT_TRUE(isOk(store().deleteBlob(kRegistry, digest)));
  EXPECT_TRUE(listBlobs(store(), kRegistry).empty());
  // The digest can be published again after deletion.
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "again", "delete me", digest)));
  EXPECT_TRUE(isOk(store().stat(kRegistry, digest)));
}

TEST_P(BlobStoreConformanceTest, ReaderStillReadsAfterDelete) {
  const std::string content = pattern(200 * 1024, 3);
  const Digest digest = digestOf(content);
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up", content, digest)));
  Result<std::unique_ptr<BlobReader>> reader = store().open(kRegistry, digest);
  ASSERT_TRUE(isOk(reader));
  ASSERT_TRUE(isOk(store().deleteBlob(kRegistry, digest)));
  ASSERT_TRUE(isOk(store().deleteRegistry(kRegistry)));
  Result<std::string> bytes = readAll(**reader);
  ASSERT_TRUE(isOk(bytes));
  EXPECT_TRUE(*bytes == content);
}

TEST_P(BlobStoreConformanceTest, UploadResumesAfterRestart) {
  {
    Result<std::unique_ptr<UploadWriter>> writer = store().createUpload(kRegistry, "resume");
    ASSERT_TRUE(isOk(writer));
    EXPECT_EQ((*writer)->size(), 0u);
    ASSERT_TRUE(isOk((*writer)->append(asBytes("hello"))));
    EXPECT_EQ((*writer)->size(), 5u);
  }
  ASSERT_TRUE(harness().restart());
  {
    Result<std::unique_ptr<UploadWriter>> writer = store().openUpload(kRegistry, "resume");
    ASSERT_TRUE(isOk(writer));
    EXPECT_EQ((*writer)->size(), 5u);
    ASSERT_TRUE(isOk((*writer)->append(asBytes(", "))));
    EXPECT_EQ((*writer)->size(), 7u);
  }
  // Re-opened twice within one process, too.
  Result<std::unique_ptr<UploadWriter>> writer = store().openUpload(kRegistry, "resume");
  ASSERT_TRUE(isOk(writer));
  EXPECT_EQ((*writer)->size(), 7u);
  ASSERT_TRUE(isOk((*writer)->append(asBytes("world"))));
  EXPECT_EQ((*writer)->size(), 12u);

  Result<std::unique_ptr<BlobReader>> partial = (*writer)->openForRead();
  ASSERT_TRUE(isOk(partial));
  Result<std::string> sofar = readAll(**partial);
  ASSERT_TRUE(isOk(sofar));
  EXPECT_EQ(*sofar, "hello, world");
  writer->reset();

  const Digest digest = digestOf("hello, world");
  ASSERT_TRUE(isOk(store().publishUpload(kRegistry, "resume", digest)));
  Result<std::string> bytes = readBlob(store(), kRegistry, digest);
  ASSERT_TRUE(isOk(bytes));
  EXPECT_EQ(*bytes, "hello, world");
}

TEST_P(BlobStoreConformanceTest, PublishedBlobSurvivesRestart) {
  const std::string content = pattern(10000, 4);
  const Digest digest = digestOf(content);
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up", content, digest)));
  ASSERT_TRUE(harness().restart());
  Result<std::string> bytes = readBlob(store(), kRegistry, digest);
  ASSERT_TRUE(isOk(bytes));
  EXPECT_TRUE(*bytes == content);
  EXPECT_EQ(listBlobs(store(), kRegistry).size(), 1u);
}

TEST_P(BlobStoreConformanceTest, TruncateDropsTail) {
  Result<std::unique_ptr<UploadWriter>> writer = store().createUpload(kRegistry, "trunc");
  ASSERT_TRUE(isOk(writer));
  UploadWriter& w = **writer;
  ASSERT_TRUE(isOk(w.append(asBytes("0123456789"))));
  ASSERT_TRUE(isOk(w.truncate(4)));
  EXPECT_EQ(w.size(), 4u);
  ASSERT_TRUE(isOk(w.append(asBytes("abc"))));
  EXPECT_EQ(w.size(), 7u);
  // Growing is refused: it would invent bytes nobody sent.
  EXPECT_FALSE(w.truncate(100).ok());
  EXPECT_EQ(w.size(), 7u);
  ASSERT_TRUE(isOk(w.truncate(7)));
  EXPECT_EQ(w.size(), 7u);

  Result<std::unique_ptr<BlobReader>> reader = w.openForRead();
  ASSERT_TRUE(isOk(reader));
  Result<std::string> bytes = readAll(**reader);
  ASSERT_TRUE(isOk(bytes));
  EXPECT_EQ(*bytes, "0123abc");

  ASSERT_TRUE(isOk(w.truncate(0)));
  EXPECT_EQ(w.size(), 0u);
  writer->reset();
  Result<std::unique_ptr<UploadWriter>> reopened = store().openUpload(kRegistry, "trunc");
  ASSERT_TRUE(isOk(reopened));
  EXPECT_EQ((*reopened)->size(), 0u);
}

TEST_P(BlobStoreConformanceTest, OpenUploadOfUnknownIdIsUploadUnknown) {
  EXPECT_TRUE(failsWith(store().openUpload(kRegistry, "missing"), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(isOk(store().deleteUpload(kRegistry, "missing")));
}

TEST_P(BlobStoreConformanceTest, DeleteUploadIsIdempotent) {
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "doomed", "bytes")));
  EXPECT_TRUE(isOk(store().deleteUpload(kRegistry, "doomed")));
  EXPECT_TRUE(failsWith(store().openUpload(kRegistry, "doomed"), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(isOk(store().deleteUpload(kRegistry, "doomed")));
  EXPECT_TRUE(listUploads(store(), kRegistry).empty());
}

TEST_P(BlobStoreConformanceTest, ListBlobsReportsEveryBlobOnce) {
  EXPECT_TRUE(listBlobs(store(), kRegistry).empty());  // unknown registry: nothing, no error
  const std::string a = pattern(100, 5);
  const std::string b = pattern(5000, 6);
  const std::string c = pattern(1, 7);
  const Digest da = digestOf(a);
  const Digest db = digestOf(b, DigestAlgorithm::kSha512);
  const Digest dc = digestOf(c);
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "a", a, da)));
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "b", b, db)));
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "c", c, dc)));
  ASSERT_TRUE(isOk(putBlob(store(), kOtherRegistry, "x", "elsewhere", digestOf("elsewhere"))));
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "pending", "not a blob")));

  std::map<std::string, BlobEntry> blobs = listBlobs(store(), kRegistry);
  ASSERT_EQ(blobs.size(), 3u);
  const std::int64_t now = nowUnixSeconds();
  const std::vector<std::pair<Digest, std::size_t>> expected = {
      {da, a.size()}, {db, b.size()}, {dc, c.size()}};
  for (const auto& [digest, size] : expected) {
    auto it = blobs.find(digest.str());
    ASSERT_NE(it, blobs.end()) << digest.str();
    EXPECT_EQ(it->second.digest, digest);
    EXPECT_EQ(it->second.size, size);
    EXPECT_LT(std::abs(it->second.modifiedUnixSeconds - now), 3600) << "modification time";
  }

  ASSERT_TRUE(isOk(store().deleteBlob(kRegistry, db)));
  blobs = listBlobs(store(), kRegistry);
  EXPECT_EQ(blobs.size(), 2u);
  EXPECT_FALSE(blobs.contains(db.str()));
}

TEST_P(BlobStoreConformanceTest, ListUploadsReportsUploadsInProgress) {
  EXPECT_TRUE(listUploads(store(), kRegistry).empty());
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "u-1", "")));
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "u-2", "twelve bytes")));
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "u-3", "three")));
  ASSERT_TRUE(isOk(writeUpload(store(), kOtherRegistry, "u-4", "elsewhere")));
  ASSERT_TRUE(isOk(store().publishUpload(kRegistry, "u-3", digestOf("three"))));

  std::map<std::string, UploadEntry> uploads = listUploads(store(), kRegistry);
  ASSERT_EQ(uploads.size(), 2u);
  ASSERT_TRUE(uploads.contains("u-1"));
  ASSERT_TRUE(uploads.contains("u-2"));
  EXPECT_EQ(uploads["u-1"].size, 0u);
  EXPECT_EQ(uploads["u-2"].size, 12u);
  EXPECT_LT(std::abs(uploads["u-2"].modifiedUnixSeconds - nowUnixSeconds()), 3600);

  ASSERT_TRUE(isOk(store().deleteUpload(kRegistry, "u-1")));
  uploads = listUploads(store(), kRegistry);
  EXPECT_EQ(uploads.size(), 1u);
  EXPECT_TRUE(uploads.contains("u-2"));
}

TEST_P(BlobStoreConformanceTest, InvalidRegistryNamesAreRejected) {
  const Digest digest = digestOf("x");
  auto expectRejected = [&](const std::string& name) {
    SCOPED_TRACE("registry '" + name + "'");
    const Errc k = Errc::kNameInvalid;
    EXPECT_TRUE(failsWith(store().stat(name, digest), k));
    EXPECT_TRUE(failsWith(store().open(name, digest), k));
    EXPECT_TRUE(failsWith(store().createUpload(name, "up"), k));
    EXPECT_TRUE(failsWith(store().openUpload(name, "up"), k));
    EXPECT_TRUE(failsWith(store().publishUpload(name, "up", digest), k));
    EXPECT_TRUE(failsWith(store().deleteUpload(name, "up"), k));
    EXPECT_TRUE(failsWith(store().deleteBlob(name, digest), k));
    EXPECT_TRUE(failsWith(store().listBlobs(name, [](const BlobEntry&) {}), k));
    EXPECT_TRUE(failsWith(store().listUploads(name, [](const UploadEntry&) {}), k));
    EXPECT_TRUE(failsWith(store().deleteRegistry(name), k));
  };
  for (const std::string& name :
       {std::string(""), std::string("Upper"), std::string("a/b"), std::string(".."),
        std::string("."), std::string("a.b"), std::string("a-b"), std::string("a_b"),
        std::string("a b"), std::string("../etc"), std::string("/abs"), std::string(51, 'a'),
        std::string("a\0b", 3), std::string("\xc3\xa4")}) {
    expectRejected(name);
  }
  for (const std::string& name : {std::string(50, 'z'), std::string("0"), std::string("ab12")}) {
    SCOPED_TRACE("registry '" + name + "'");
    EXPECT_TRUE(isOk(putBlob(store(), name, "up", "x", digest)));
    EXPECT_TRUE(isOk(store().stat(name, digest)));
  }
}

TEST_P(BlobStoreConformanceTest, InvalidUploadIdsAreRejected) {
  const Digest digest = digestOf("x");
  for (const std::string& id :
       {std::string(""), std::string("../up"), std::string("a/b"), std::string("a.b"),
        std::string("."), std::string(".."), std::string("a_b"), std::string("a b"),
        std::string(129, 'a'), std::string("a\0b", 3), std::string("\xc3\xa4")}) {
    SCOPED_TRACE("upload id '" + id + "'");
    const Errc k = Errc::kBlobUploadUnknown;
    EXPECT_TRUE(failsWith(store().createUpload(kRegistry, id), k));
    EXPECT_TRUE(failsWith(store().openUpload(kRegistry, id), k));
    EXPECT_TRUE(failsWith(store().publishUpload(kRegistry, id, digest), k));
    EXPECT_TRUE(failsWith(store().deleteUpload(kRegistry, id), k));
  }
  for (const std::string& id : {std::string(128, 'A'), std::string("Az-09-f81d4fae")}) {
    SCOPED_TRACE("upload id '" + id + "'");
    EXPECT_TRUE(isOk(putBlob(store(), kRegistry, id, "x", digest)));
  }
  EXPECT_TRUE(listUploads(store(), kRegistry).empty());
}

// A default-constructed Digest names nothing; above all, publishing to it must not lose the upload.
TEST_P(BlobStoreConformanceTest, EmptyDigestIsRejected) {
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "up", "bytes")));
  const Digest none;
  EXPECT_TRUE(failsWith(store().publishUpload(kRegistry, "up", none), Errc::kDigestInvalid));
  EXPECT_TRUE(failsWith(store().stat(kRegistry, none), Errc::kDigestInvalid));
  EXPECT_TRUE(failsWith(store().open(kRegistry, none), Errc::kDigestInvalid));
  EXPECT_TRUE(failsWith(store().deleteBlob(kRegistry, none), Errc::kDigestInvalid));
  Result<std::unique_ptr<UploadWriter>> writer = store().openUpload(kRegistry, "up");
  ASSERT_TRUE(isOk(writer));
  EXPECT_EQ((*writer)->size(), 5u);
}

TEST_P(BlobStoreConformanceTest, DeleteRegistryRemovesBlobsAndUploads) {
  const Digest mine = digestOf("mine");
  const Digest theirs = digestOf("theirs");
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up", "mine", mine)));
  ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "pending", "half")));
  ASSERT_TRUE(isOk(putBlob(store(), kOtherRegistry, "up", "theirs", theirs)));
  ASSERT_TRUE(isOk(writeUpload(store(), kOtherRegistry, "pending", "other half")));

  ASSERT_TRUE(isOk(store().deleteRegistry(kRegistry)));
  EXPECT_TRUE(failsWith(store().stat(kRegistry, mine), Errc::kBlobUnknown));
  EXPECT_TRUE(failsWith(store().openUpload(kRegistry, "pending"), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(listBlobs(store(), kRegistry).empty());
  EXPECT_TRUE(listUploads(store(), kRegistry).empty());
  EXPECT_TRUE(isOk(store().deleteRegistry(kRegistry)));
  EXPECT_TRUE(isOk(store().deleteRegistry("neverexisted")));

  // Neighbours are untouched.
  EXPECT_TRUE(isOk(store().stat(kOtherRegistry, theirs)));
  EXPECT_TRUE(isOk(store().openUpload(kOtherRegistry, "pending")));

  // The name can be used again.
  ASSERT_TRUE(isOk(putBlob(store(), kRegistry, "up", "mine", mine)));
  EXPECT_TRUE(isOk(store().stat(kRegistry, mine)));
}

TEST_P(BlobStoreConformanceTest, ConcurrentAppendsToDifferentUploads) {
  constexpr int kThreads = 8;
  constexpr int kChunks = 64;
  constexpr std::size_t kChunkSize = 4096 + 13;
  std::vector<std::string> contents(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = "thread-" + std::to_string(t);
      Result<std::unique_ptr<UploadWriter>> writer = store().createUpload(kRegistry, id);
      ASSERT_TRUE(isOk(writer));
      for (int c = 0; c < kChunks; ++c) {
        std::string chunk = pattern(kChunkSize, static_cast<std::uint64_t>(t * 1000 + c));
        ASSERT_TRUE(isOk((*writer)->append(asBytes(chunk))));
        contents[t] += chunk;
      }
      EXPECT_EQ((*writer)->size(), kChunks * kChunkSize);
      writer->reset();
      EXPECT_TRUE(isOk(store().publishUpload(kRegistry, id, digestOf(contents[t]))));
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(listBlobs(store(), kRegistry).size(), static_cast<std::size_t>(kThreads));
  for (const std::string& content : contents) {
    Result<std::string> bytes = readBlob(store(), kRegistry, digestOf(content));
    ASSERT_TRUE(isOk(bytes));
    EXPECT_TRUE(*bytes == content);
  }
}

TEST_P(BlobStoreConformanceTest, ConcurrentPublishesOfOneDigest) {
  constexpr int kThreads = 6;
  const std::string content = pattern(64 * 1024, 8);
  const Digest digest = digestOf(content);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(isOk(writeUpload(store(), kRegistry, "same-" + std::to_string(t), content)));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      EXPECT_TRUE(isOk(store().publishUpload(kRegistry, "same-" + std::to_string(t), digest)));
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_TRUE(listUploads(store(), kRegistry).empty());
  EXPECT_EQ(listBlobs(store(), kRegistry).size(), 1u);
  Result<std::string> bytes = readBlob(store(), kRegistry, digest);
  ASSERT_TRUE(isOk(bytes));
  EXPECT_TRUE(*bytes == content);
}

// A digest never names partial bytes: whoever opens a blob while it is being published and
// deleted sees either nothing or all of it.
TEST_P(BlobStoreConformanceTest, ReadersNeverSeePartialBlobs) {
  constexpr int kRounds = 40;
  constexpr int kReaders = 3;
  constexpr std::size_t kAppendSize = 32 * 1024;
  const std::string content = pattern(256 * 1024, 9);
  const Digest digest = digestOf(content);
  std::atomic<bool> done{false};
  std::atomic<int> fullReads{0};

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        Result<std::uint64_t> size = store().stat(kRegistry, digest);
        if (size.ok()) {
          EXPECT_EQ(*size, content.size());
        } else {
          EXPECT_TRUE(failsWith(size, Errc::kBlobUnknown));
        }
        Result<std::string> bytes = readBlob(store(), kRegistry, digest);
        if (!bytes.ok()) {
          EXPECT_TRUE(failsWith(bytes, Errc::kBlobUnknown));
          continue;
        }
        EXPECT_EQ(bytes->size(), content.size());
        EXPECT_TRUE(*bytes == content) << "a reader saw different bytes";
        ++fullReads;
      }
    });
  }
  auto publishAndDelete = [&] {
    for (int round = 0; round < kRounds; ++round) {
      const std::string id = "round-" + std::to_string(round);
      Result<std::unique_ptr<UploadWriter>> writer = store().createUpload(kRegistry, id);
      ASSERT_TRUE(isOk(writer));
      // Several appends, so that a reader would catch a half-written upload were it visible.
      for (std::size_t offset = 0; offset < content.size(); offset += kAppendSize) {
        std::string_view piece = std::string_view(content).substr(offset, kAppendSize);
        ASSERT_TRUE(isOk((*writer)->append(asBytes(piece))));
      }
      writer->reset();
      ASSERT_TRUE(isOk(store().publishUpload(kRegistry, id, digest)));
      // Once, wait for a reader to get the blob, so the test cannot pass without reading.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (round == 0 && fullReads.load() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ASSERT_TRUE(isOk(store().deleteBlob(kRegistry, digest)));
    }
  };
  publishAndDelete();  // its assertions return early, but the readers are always joined below
  done = true;
  for (std::thread& th : readers) {
    th.join();
  }
  EXPECT_GT(fullReads.load(), 0) << "no reader ever saw the blob";
  RecordProperty("fullReads", fullReads.load());
}

TEST_P(BlobStoreConformanceTest, LargeStreamedUpload) {
  constexpr std::size_t kChunkSize = 1024 * 1024;
  constexpr int kChunks = 64;
  Hasher hasher(DigestAlgorithm::kSha256);
  {
    Result<std::unique_ptr<UploadWriter>> writer = store().createUpload(kRegistry, "large");
    ASSERT_TRUE(isOk(writer));
    std::string chunk;
    for (int c = 0; c < kChunks; ++c) {
      chunk = pattern(kChunkSize, static_cast<std::uint64_t>(100 + c));
      hasher.update(chunk);
      ASSERT_TRUE(isOk((*writer)->append(asBytes(chunk))));
    }
    EXPECT_EQ((*writer)->size(), kChunks * kChunkSize);
  }
  const Digest digest = hasher.finish();
  ASSERT_TRUE(isOk(store().publishUpload(kRegistry, "large", digest)));
  Result<std::uint64_t> size = store().stat(kRegistry, digest);
  ASSERT_TRUE(isOk(size));
  EXPECT_EQ(*size, kChunks * kChunkSize);

  Result<std::unique_ptr<BlobReader>> reader = store().open(kRegistry, digest);
  ASSERT_TRUE(isOk(reader));
  Hasher check(DigestAlgorithm::kSha256);
  std::vector<std::byte> buffer(kChunkSize);
  std::uint64_t offset = 0;
  for (;;) {
    Result<std::size_t> n = (*reader)->readAt(offset, buffer);
    ASSERT_TRUE(isOk(n));
    if (*n == 0) {
      break;
    }
    check.update(buffer.data(), *n);
    offset += *n;
  }
  EXPECT_EQ(offset, kChunks * kChunkSize);
  EXPECT_EQ(check.finish(), digest);
}

}  // namespace
}  // namespace berth::storage
