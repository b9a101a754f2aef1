#include "common/reference.h"

#include <string>

namespace berth {
namespace {

// Offending input is echoed in `detail` for the operator, but bounded so a hostile client cannot
// make us log or return megabytes.
constexpr std::size_t kMaxDetailLength = 300;

bool isLowerAlnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool isTagStart(char c) noexcept {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isTagChar(char c) noexcept { return isTagStart(c) || c == '.' || c == '-'; }

std::string truncatedDetail(std::string_view s) {
  return std::string(s.substr(0, kMaxDetailLength));
}

// One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*. Scanned left to right, every separator
// run must sit between two alphanumerics, so a single pass decides it.
bool isValidComponent(std::string_view c) noexcept {
  std::size_t i = 0;
  const std::size_t n = c.size();
  while (true) {
    if (i == n || !isLowerAlnum(c[i])) {
      return false;  // empty component, or a separator where an alphanumeric is required
    }
    while (i < n && isLowerAlnum(c[i])) {
      ++i;
    }
    if (i == n) {
      return true;
    }
    const char sep = c[i];
    std::size_t run = 0;
    while (i < n && c[i] == sep) {
      ++i;
      ++run;
    }
    switch (sep) {
      case '.':
        if (run != 1) {
          return false;
        }
        break;
      case '_':
        if (run > 2) {
          return false;
        }
        break;
      case '-':
        break;  // any number of dashes
      default:
        return false;
    }
  }
}

}  // namespace

Status validateRepositoryName(std::string_view name) {
  constexpr std::string_view kRule =
      "repository name must be 1 to 255 characters of lowercase path components separated by "
      "single '/'; each component consists of a-z and 0-9, optionally joined by '.', '_', '__' "
      "or '-' runs (no separator at the start or end)";
  if (name.empty() || name.size() > kMaxRepositoryNameLength) {
    return fail(Errc::kNameInvalid, std::string(kRule), truncatedDetail(name));
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = name.find('/', start);
    const std::string_view component =
        name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!isValidComponent(component)) {
      return fail(Errc::kNameInvalid, std::string(kRule), truncatedDetail(name));
    }
    if (slash == std::string_view::npos) {
      return okStatus();
    }
    start = slash + 1;
  }
}

Status validateTag(std::string_view tag) {
  bool valid = !tag.empty() && tag.size() <= kMaxTagLength && isTagStart(tag.front());
  for (std::size_t i = 1; valid && i < tag.size(); ++i) {
    valid = isTagChar(tag[i]);
  }
  if (!valid) {
    return fail(Errc::kTagInvalid,
                "tag must be 1 to 128 characters of A-Z, a-z, 0-9, '_', '.' and '-', and must not "
                "start with '.' or '-'",
                truncatedDetail(tag));
  }
  return okStatus();
}

bool looksLikeDigest(std::string_view reference) noexcept {
  return reference.find(':') != std::string_view::npos;
}

}  // namespace berth
