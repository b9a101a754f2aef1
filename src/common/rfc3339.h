#pragma once
// Timestamps as the management API and the token server write them (RFC 3339, UTC, whole seconds) and reads them from clients.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth {

/// "2026-11-22T09:00:00Z".
std::string formatRfc3339(std::int64_t unixSeconds);
/// "2026-11-22T09:00:00Z", with optional fractional seconds and a "+hh:mm"/"-hh:mm" offset
/// instead of Z, or a bare date "2026-11-22" (midnight UTC). kInvalidParameter naming `field`.
Result<std::int64_t> parseRfc3339(std::string_view text, std::string_view field);

}  // namespace berth
