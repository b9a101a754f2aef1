#include "common/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace berth {
namespace {

TEST(DigestTest, KnownSha256OfEmptyInput) {
  EXPECT_EQ(digestOf("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(DigestTest, KnownSha512OfAbc) {
  EXPECT_EQ(digestOf("abc", DigestAlgorithm::kSha512).str(),
            "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a8"
            "36ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(DigestTest, IncrementalEqualsOneShot) {
  Hasher h(DigestAlgorithm::kSha256);
  h.update("hello ");
  h.update("world");
  EXPECT_EQ(h.finish(), digestOf("hello world"));
}

TEST(DigestTest, CloneContinuesIndependently) {
  Hasher h(DigestAlgorithm::kSha256);
  h.update("hello ");
  Hasher saved = h.clone();
  h.update("world");
  saved.update("there");
  EXPECT_EQ(h.finish(), digestOf("hello world"));
  EXPECT_EQ(saved.finish(), digestOf("hello there"));
}

TEST(DigestTest, ParseAcceptsCanonicalForms) {
  auto d = Digest::parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->algorithm(), DigestAlgorithm::kSha256);
  EXPECT_EQ(d->algorithmName(), "sha256");
  EXPECT_EQ(d->hex().size(), 64u);
}

TEST(DigestTest, ParseRejectsMalformed) {
  for (const char* bad : {"", "sha256:", "sha256:abc", "md5:d41d8cd98f00b204e9800998ecf8427e",
                          "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                          "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
                          "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/",
                          "sha512:abcd", "../../etc/passwd"}) {
    auto d = Digest::parse(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().code, Errc::kDigestInvalid) << bad;
  }
}

// The hex check tests eight characters at a time; every byte value at every position of both
// lengths must be judged exactly like the plain character test.
TEST(DigestTest, ParseJudgesEveryByteAtEveryPosition) {
  for (const auto& [prefix, length] : {std::pair{std::string("sha256:"), 64},
                                       std::pair{std::string("sha512:"), 128}}) {
    for (int position = 0; position < length; ++position) {
      for (int value = 0; value < 256; ++value) {
        std::string text = prefix + std::string(length, '0');
        char c = static_cast<char>(value);
        text[prefix.size() + position] = c;
        bool lowerHex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        EXPECT_EQ(Digest::parse(text).ok(), lowerHex) << "position " << position << " byte " << value;
      }
    }
  }
}

}  // namespace
}  // namespace berth
