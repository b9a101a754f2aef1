#pragma once
// Base64 in both alphabets berth meets on the wire: standard (RFC 4648 §4, padded) for HTTP Basic
// credentials, and base64url without padding (RFC 4648 §5, RFC 7515 §2) for JWS segments.
//
// Decoders are strict: characters outside the alphabet, padding in the wrong place, impossible
// lengths and non-zero unused trailing bits are all rejected. Every byte string therefore has
// exactly one accepted encoding, so a token cannot be re-spelled into a different string that
// still verifies. Pure functions, safe on any input, linear time.

#include <optional>
#include <string>
#include <string_view>

namespace berth {

/// Standard alphabet with '=' padding.
std::string base64Encode(std::string_view bytes);
/// Accepts the standard alphabet, with correct '=' padding or none at all; nullopt otherwise.
std::optional<std::string> base64Decode(std::string_view text);

/// URL-safe alphabet ('-' and '_'), no padding.
std::string base64UrlEncode(std::string_view bytes);
/// Accepts the URL-safe alphabet without padding only (JWS forbids '='); nullopt otherwise.
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace berth
