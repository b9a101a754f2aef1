#include "net/host_name.h"

namespace berth::net {

namespace {

/// RFC 1035 limits.
constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;

bool validLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabel) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    // '_' is not a host name character, but private DNS zones use it and clients accept it.
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool isValidHostName(std::string_view name, bool allowWildcard) {
  if (name.empty() || name.size() > kMaxName) return false;
  bool first = true;
  for (;;) {
    std::size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    const bool wildcard = first && allowWildcard && label == "*" && dot != std::string_view::npos;
    if (!wildcard && !validLabel(label)) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
    first = false;
  }
}

}  // namespace berth::net
