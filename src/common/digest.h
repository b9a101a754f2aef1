#pragma once
// Content digests ("sha256:<64 hex>", "sha512:<128 hex>") and an incremental hasher.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

enum class DigestAlgorithm : std::uint8_t { kSha256, kSha512 };

/// A validated digest. Holds the canonical text form so that it can be used as a map key and
/// written to the wire without formatting.
class Digest {
 public:
  Digest() = default;

  /// Accepts only registered algorithms with lowercase hex of the exact length; anything else is
  /// DIGEST_INVALID (an unknown algorithm names content we could never verify).
  static Result<Digest> parse(std::string_view text);

  DigestAlgorithm algorithm() const noexcept { return algorithm_; }
  const std::string& str() const noexcept { return text_; }
  std::string_view algorithmName() const noexcept;
  std::string_view hex() const noexcept;
  bool empty() const noexcept { return text_.empty(); }

  friend bool operator==(const Digest& a, const Digest& b) noexcept { return a.text_ == b.text_; }
  friend auto operator<=>(const Digest& a, const Digest& b) noexcept { return a.text_ <=> b.text_; }

 private:
  Digest(DigestAlgorithm algorithm, std::string text)
      : algorithm_(algorithm), text_(std::move(text)) {}
  friend class Hasher;

  DigestAlgorithm algorithm_ = DigestAlgorithm::kSha256;
  std::string text_;
};

/// Incremental hash over a byte stream. Movable, not copyable; owns its OpenSSL context.
class Hasher {
 public:
  explicit Hasher(DigestAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  /// An independent hasher in the same state, e.g. to return to after bytes hashed ahead of
  /// their write turn out not to be stored.
  Hasher clone() const;
  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  /// Ends the stream; the hasher must not be updated afterwards.
  Digest finish();
  DigestAlgorithm algorithm() const noexcept { return algorithm_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  DigestAlgorithm algorithm_;
};

Digest digestOf(std::string_view bytes, DigestAlgorithm algorithm = DigestAlgorithm::kSha256);

}  // namespace berth

template <>
struct std::hash<berth::Digest> {
  std::size_t operator()(const berth::Digest& d) const noexcept {
    return std::hash<std::string>{}(d.str());
  }
};
