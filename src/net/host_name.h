#pragma once
// Host names as TLS compares them (RFC 6125): case-insensitive LDH labels, where a certificate
// or SNI pattern may replace exactly the first label with "*".

#include <string>
#include <string_view>

namespace berth::net {

std::string lowerAscii(std::string_view text);

/// A lowercase DNS name of 1-63 character labels of [a-z0-9_-] (no leading/trailing '-'), at
/// most 253 characters; with allowWildcard the first label may be "*" when more labels follow.
bool isValidHostName(std::string_view name, bool allowWildcard);

}  // namespace berth::net
