#include "auth/secret_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "common/digest.h"

namespace berth::auth {

namespace {

// scrypt parameters: 2^15 x 8 x 128 bytes = 32 MiB and ~50 ms per check here, which makes
// offline guessing expensive while a login stays quick. Stored with the hash so they can grow.
constexpr std::uint64_t kScryptN = 1u << 15;
constexpr std::uint64_t kScryptR = 8;
constexpr std::uint64_t kScryptP = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

std::string toHex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xf]);
  }
  return out;
}

bool fromHex(std::string_view hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc{} || p != hex.data() + i + 2) return false;
    out.push_back(static_cast<unsigned char>(value));
  }
  return true;
}

bool scrypt(std::string_view password, const std::vector<unsigned char>& salt, std::uint64_t n,
            std::uint64_t r, std::uint64_t p, unsigned char* out, std::size_t outLen) {
  // maxmem must cover 128 * N * r plus slack, or OpenSSL refuses.
  const std::uint64_t maxmem = 128 * n * r * p + (64u << 20);
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n, r, p,
                        maxmem, out, outLen) == 1;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    std::size_t i = s.find(sep);
    parts.push_back(s.substr(0, i));
    if (i == std::string_view::npos) break;
    s.remove_prefix(i + 1);
  }
  return parts;
}

}  // namespace

std::string randomHex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  return toHex(raw.data(), raw.size());
}

std::string randomPassword(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    unsigned char byte = 0;
    RAND_bytes(&byte, 1);
    // Rejection sampling keeps every character equally likely.
    if (byte < 248) out.push_back(kAlphabet[byte % kAlphabet.size()]);
  }
  return out;
}

std::string tokenDigest(std::string_view token) {
  return std::string(digestOf(token).hex());
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> hashPassword(std::string_view password) {
  std::vector<unsigned char> salt(kSaltBytes);
  RAND_bytes(salt.data(), static_cast<int>(salt.size()));
  unsigned char hash[kHashBytes];
  if (!scrypt(password, salt, kScryptN, kScryptR, kScryptP, hash, sizeof hash)) {
    return internalError("scrypt failed; OpenSSL could not allocate its working memory");
  }
  return "scrypt$" + std::to_string(kScryptN) + "$" + std::to_string(kScryptR) + "$" +
         std::to_string(kScryptP) + "$" + toHex(salt.data(), salt.size()) + "$" +
         toHex(hash, sizeof hash);
}

bool verifyPassword(std::string_view password, std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  std::uint64_t n = 0, r = 0, p = 0;
  auto num = [](std::string_view s, std::uint64_t& v) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && ptr == s.data() + s.size();
  };
  if (!num(parts[1], n) || !num(parts[2], r) || !num(parts[3], p)) return false;
  // Refuse absurd parameters from a tampered row rather than allocating gigabytes.
  if (n > (1u << 20) || r > 32 || p > 16) return false;
  std::vector<unsigned char> salt;
  std::vector<unsigned char> expected;
  if (!fromHex(parts[4], salt) || !fromHex(parts[5], expected) || expected.empty()) return false;
  std::vector<unsigned char> actual(expected.size());
  if (!scrypt(password, salt, n, r, p, actual.data(), actual.size())) return false;
  return CRYPTO_memcmp(actual.data(), expected.data(), expected.size()) == 0;
}

}  // namespace berth::auth
