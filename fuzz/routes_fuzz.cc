// Fuzz target for the request-target parsers on the data plane: /v2/ routes (names with slashes
// decided from the end of the path) and query strings (percent-decoding). Checks invariants, not
// only crashes: a parsed route's name is a suffix-free prefix of the path and valid by grammar.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/reference.h"
#include "http/query.h"
#include "registry/routes.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t q = input.find('?');
  const std::string_view path = input.substr(0, q);

  auto route = berth::registry::parseRoute(path);
  if (route.ok()) {
    check(path.starts_with("/v2"));
    if (!route->name.empty()) {
      check(berth::validateRepositoryName(route->name).ok());
      // Views point into the path itself.
      check(route->name.data() >= path.data() &&
            route->name.data() + route->name.size() <= path.data() + path.size());
      check(route->reference.find('/') == std::string_view::npos);
    }
  }
  if (q != std::string_view::npos) {
    auto query = berth::http::parseQuery(input.substr(q + 1));
    if (query.ok()) {
      for (const auto& p : *query) check(p.name.size() <= size && p.value.size() <= size);
    }
  }
  return 0;
}
