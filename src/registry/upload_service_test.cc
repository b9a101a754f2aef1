#include "registry/upload_service.h"

#include "registry/registry_test_fixture.h"

namespace berth::registry {
namespace {

using testing::RegistryFixture;

std::span<const std::byte> bytesOf(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

class UploadServiceTest : public RegistryFixture {};

TEST_F(UploadServiceTest, ChunkedUploadPublishesVerifiedBlob) {
  auto lease = uploads_->start("repo");
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(lease->append(bytesOf("hello ")).ok());
  ASSERT_TRUE(lease->append(bytesOf("world")).ok());
  EXPECT_EQ(lease->size(), 11u);
  auto done = lease->complete(digestOf("hello world"));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(*service_->statBlob("repo", digestOf("hello world")), 11u);
}

TEST_F(UploadServiceTest, WrongDigestPublishesNothingAndEndsTheSession) {
  auto lease = uploads_->start("repo");
  std::string id = lease->id();
  ASSERT_TRUE(lease->append(bytesOf("abc")).ok());
  auto done = lease->complete(digestOf("abd"));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, Errc::kDigestInvalid);
  EXPECT_FALSE(service_->statBlob("repo", digestOf("abc")).ok());
  EXPECT_FALSE(service_->statBlob("repo", digestOf("abd")).ok());
  EXPECT_EQ(uploads_->acquire("repo", id).error().code, Errc::kBlobUploadUnknown);
}

TEST_F(UploadServiceTest, Sha512DigestsAreVerified) {
  auto lease = uploads_->start("repo");
  ASSERT_TRUE(lease->append(bytesOf("abc")).ok());
  Digest d = digestOf("abc", DigestAlgorithm::kSha512);
  ASSERT_TRUE(lease->complete(d).ok());
  EXPECT_TRUE(service_->statBlob("repo", d).ok());
}

TEST_F(UploadServiceTest, SessionSurvivesRestartAndResumes) {
  std::string id;
  {
    auto lease = uploads_->start("repo");
    id = lease->id();
    ASSERT_TRUE(lease->append(bytesOf("first half, ")).ok());
  }
  reopen();
  auto lease = uploads_->acquire("repo", id);
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  EXPECT_EQ(lease->size(), 12u);
  ASSERT_TRUE(lease->append(bytesOf("second half")).ok());
  ASSERT_TRUE(lease->complete(digestOf("first half, second half")).ok());
}

TEST_F(UploadServiceTest, SessionBelongsToItsRepository) {
  std::string id;
  {
    auto lease = uploads_->start("repo");
    id = lease->id();
  }
  EXPECT_EQ(uploads_->acquire("other", id).error().code, Errc::kBlobUploadUnknown);
  EXPECT_TRUE(uploads_->acquire("repo", id).ok());
}

TEST_F(UploadServiceTest, ConcurrentUseOfOneSessionIsRefused) {
  auto first = uploads_->start("repo");
  auto second = uploads_->acquire("repo", first->id());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kBlobUploadInvalid);
}

TEST_F(UploadServiceTest, CancelForgetsTheSession) {
  auto lease = uploads_->start("repo");
  std::string id = lease->id();
  ASSERT_TRUE(lease->cancel().ok());
  EXPECT_EQ(uploads_->acquire("repo", id).error().code, Errc::kBlobUploadUnknown);
}

TEST_F(UploadServiceTest, EphemeralUploadLeavesNothingWhenAbandoned) {
  {
    auto lease = uploads_->startEphemeral("repo");
    ASSERT_TRUE(lease->append(bytesOf("partial")).ok());
  }
  std::size_t uploads = 0;
  ASSERT_TRUE(blobs_->listUploads("testreg", [&](const storage::UploadEntry&) { ++uploads; }).ok());
  EXPECT_EQ(uploads, 0u);
}

TEST_F(UploadServiceTest, IdleSessionsArePurged) {
  std::string id;
  {
    auto lease = uploads_->start("repo");
    id = lease->id();
  }
  // Upload files carry real mtimes, so move the test clock well past real time.
  clock_.now = SystemClock().nowUnixSeconds() + 100000;
  auto purged = uploads_->purgeIdle(3600);
  ASSERT_TRUE(purged.ok());
  EXPECT_GE(*purged, 1u);
  EXPECT_EQ(uploads_->acquire("repo", id).error().code, Errc::kBlobUploadUnknown);
}

}  // namespace
}  // namespace berth::registry
