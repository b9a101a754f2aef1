#include "auth/authorization_header.h"

#include <algorithm>

#include "common/base64.h"

namespace berth::auth {

namespace {

bool startsWithScheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  return std::equal(scheme.begin(), scheme.end(), header.begin(), [](char a, char b) {
    return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool hasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

/// RFC 6750 b64token: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" followed by "=".
bool isB64Token(std::string_view s) {
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return false;
  for (; i < s.size(); ++i) {
    if (s[i] != '=') return false;
  }
  return true;
}

}  // namespace

Authorization parseAuthorization(std::string_view header) {
  Authorization out;
  header = trim(header);
  if (header.empty()) return out;
  out.kind = Authorization::Kind::kMalformed;
  if (header.size() > kMaxAuthorizationBytes) return out;
  if (startsWithScheme(header, "basic")) {
    auto decoded = base64Decode(trim(header.substr(6)));
    if (!decoded) return out;
    auto colon = decoded->find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == decoded->size()) return out;
    std::string_view user(decoded->data(), colon);
    std::string_view pass(decoded->data() + colon + 1, decoded->size() - colon - 1);
    if (hasControlCharacter(user) || hasControlCharacter(pass)) return out;
    out.username = std::string(user);
    out.password = std::string(pass);
    out.kind = Authorization::Kind::kBasic;
    return out;
  }
  if (startsWithScheme(header, "bearer")) {
    std::string_view token = trim(header.substr(7));
    if (!isB64Token(token)) return out;
    out.bearer = token;
    out.kind = Authorization::Kind::kBearer;
    return out;
  }
  return out;
}

}  // namespace berth::auth
