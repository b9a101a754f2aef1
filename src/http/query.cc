#include "http/query.h"

namespace berth::http {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) {
        return fail(Errc::kRequestInvalid, "malformed percent-escape in the query string");
      }
      int hi = hexValue(in[i + 1]);
      int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return fail(Errc::kRequestInvalid, "malformed percent-escape in the query string");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Result<std::vector<QueryParam>> parseQuery(std::string_view query) {
  std::vector<QueryParam> params;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    std::size_t eq = pair.find('=');
    auto name = percentDecode(pair.substr(0, eq));
    if (!name.ok()) return name.error();
    auto value = percentDecode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!value.ok()) return value.error();
    params.push_back(QueryParam{std::move(*name), std::move(*value)});
  }
  return params;
}

std::optional<std::string_view> findParam(const std::vector<QueryParam>& params,
                                          std::string_view name) {
  for (const auto& p : params) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

}  // namespace berth::http
