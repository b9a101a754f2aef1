#pragma once
// Small helpers the client's files and URLs share.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::cli {

/// RFC 3986 percent-encoding: unreserved characters and those in `keep` stay as they are.
std::string percentEncode(std::string_view text, std::string_view keep = {});

/// strerror(errno), for messages about the call that just failed.
std::string errnoText();

/// Writes all of `data` to `fd`, retrying short writes and EINTR; `path` names the file in errors.
Status writeAll(int fd, std::string_view data, const std::filesystem::path& path);

}  // namespace berth::cli
