#include "common/digest.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace berth {
namespace {

constexpr std::string_view kSha256Prefix = "sha256:";
constexpr std::string_view kSha512Prefix = "sha512:";

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// The high bit of each byte of `word` (all bytes below 0x80) set where that byte is >= lo, and
// where it is <= hi: adding never carries into the next byte because every sum stays below 0x100.
constexpr std::uint64_t bytesAtLeast(std::uint64_t word, unsigned char lo) {
  return (word + (0x80 - lo) * kOnes) & kHighBits;
}
constexpr std::uint64_t bytesAtMost(std::uint64_t word, unsigned char hi) {
  return ~(word + (0x7f - hi) * kOnes) & kHighBits;
}

// Every digest of the index is checked again when it loads, tens of thousands at a time, so this
// tests eight characters per step instead of one.
bool isLowerHex(std::string_view s) {
  std::uint64_t invalid = 0;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, sizeof word);
    std::uint64_t ascii = word & kHighBits;
    std::uint64_t hex = (bytesAtLeast(word, '0') & bytesAtMost(word, '9')) |
                        (bytesAtLeast(word, 'a') & bytesAtMost(word, 'f'));
    invalid |= ascii | (hex ^ kHighBits);
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    invalid |= !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  return invalid == 0;
}

const EVP_MD* mdFor(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? EVP_sha256() : EVP_sha512();
}

}  // namespace

Result<Digest> Digest::parse(std::string_view text) {
  DigestAlgorithm algorithm;
  std::size_t hexLength;
  if (text.starts_with(kSha256Prefix)) {
    algorithm = DigestAlgorithm::kSha256;
    hexLength = 64;
  } else if (text.starts_with(kSha512Prefix)) {
    algorithm = DigestAlgorithm::kSha512;
    hexLength = 128;
  } else {
    return fail(Errc::kDigestInvalid,
                "digest must be 'sha256:<64 hex>' or 'sha512:<128 hex>'", std::string(text.substr(0, 200)));
  }
  std::string_view hex = text.substr(7);
  if (hex.size() != hexLength || !isLowerHex(hex)) {
    return fail(Errc::kDigestInvalid,
                "digest has the wrong length or is not lowercase hex", std::string(text.substr(0, 200)));
  }
  return Digest(algorithm, std::string(text));
}

std::string_view Digest::algorithmName() const noexcept {
  return algorithm_ == DigestAlgorithm::kSha256 ? "sha256" : "sha512";
}

std::string_view Digest::hex() const noexcept {
  return text_.empty() ? std::string_view{} : std::string_view(text_).substr(7);
}

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(DigestAlgorithm algorithm) : impl_(std::make_unique<Impl>()), algorithm_(algorithm) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, mdFor(algorithm), nullptr) != 1) {
    // Only reachable when OpenSSL itself is broken; nothing sensible can continue.
    throw std::runtime_error("OpenSSL digest initialisation failed");
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hasher Hasher::clone() const {
  Hasher copy(algorithm_);
  if (EVP_MD_CTX_copy_ex(copy.impl_->ctx, impl_->ctx) != 1) {
    throw std::runtime_error("OpenSSL digest copy failed");
  }
  return copy;
}

void Hasher::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(impl_->ctx, data, size);
}

Digest Hasher::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(impl_->ctx, md.data(), &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(algorithm_ == DigestAlgorithm::kSha256 ? kSha256Prefix : kSha512Prefix);
  text.reserve(text.size() + 2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    text.push_back(kHex[md[i] >> 4]);
    text.push_back(kHex[md[i] & 0xf]);
  }
  return Digest(algorithm_, std::move(text));
}

Digest digestOf(std::string_view bytes, DigestAlgorithm algorithm) {
  Hasher h(algorithm);
  h.update(bytes);
  return h.finish();
}

}  // namespace berth
