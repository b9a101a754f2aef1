#pragma once
// Query strings: split and percent-decoded. Pure (no I/O, no asio), fuzzed by fuzz/routes_fuzz.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::http {

struct QueryParam {
  std::string name;
  std::string value;  // percent-decoded
};

/// Splits and percent-decodes a query string; malformed escapes fail with kRequestInvalid.
Result<std::vector<QueryParam>> parseQuery(std::string_view query);

}  // namespace berth::http
