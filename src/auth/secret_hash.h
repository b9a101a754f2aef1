#pragma once
// Slow, salted hashing for passwords (scrypt, memory-hard) and fast hashing for high-entropy
// tokens (SHA-256: a 256-bit random token cannot be brute-forced, so slowness buys nothing).
// Comparisons are constant-time.

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::auth {

/// "scrypt$<N>$<r>$<p>$<salt hex>$<hash hex>"
Result<std::string> hashPassword(std::string_view password);
/// False for a wrong password or a malformed stored hash; never throws.
bool verifyPassword(std::string_view password, std::string_view stored);

/// `bytes` random bytes as lowercase hex (OpenSSL's CSPRNG).
std::string randomHex(std::size_t bytes);
/// A password of letters and digits, as long as the cloud's generated ones.
std::string randomPassword(std::size_t length = 32);
/// Lowercase hex SHA-256 of a token, used as its storage key.
std::string tokenDigest(std::string_view token);

bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace berth::auth
