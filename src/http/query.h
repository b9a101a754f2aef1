#pragma once
// Query strings: split and percent-decoded. Pure (no I/O, no asio), fuzzed by fuzz/routes_fuzz.

#include <optional>
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

/// The first value of `name` among `params` (a query or an urlencoded form), or nullopt.
std::optional<std::string_view> findParam(const std::vector<QueryParam>& params,
                                          std::string_view name);

}  // namespace berth::http
