#pragma once
// Parses the Authorization request header (RFC 7235) into the two schemes the data plane accepts:
// Basic (RFC 7617) and Bearer (RFC 6750). Pure, bounded, safe on any input.

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::auth {

/// Longer headers are refused outright: no legitimate Basic pair or token comes near this.
constexpr std::size_t kMaxAuthorizationBytes = 16 * 1024;

struct Authorization {
  enum class Kind : std::uint8_t { kNone, kBasic, kBearer, kMalformed };
  Kind kind = Kind::kNone;
  std::string username;  // kBasic
  std::string password;  // kBasic
  std::string_view bearer;  // kBearer: points into the header
};

/// kNone for an empty header; kMalformed for an unknown scheme, bad base64, a Basic pair without
/// ':', empty parts, control characters, or an oversized header.
Authorization parseAuthorization(std::string_view header);

}  // namespace berth::auth
