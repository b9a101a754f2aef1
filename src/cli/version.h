#pragma once
// The one place the CLI's version is written.

#include <string_view>

namespace berth::cli {

inline constexpr std::string_view kBerthVersion = "0.1.0";

}  // namespace berth::cli
