#include "http/session.h"

#include <algorithm>
#include <charconv>

namespace berth::http::detail {

Method toMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    default:
      return Method::kOther;
  }
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

void appendNumber(std::string& out, std::uint64_t v) {
  char digits[24];
  auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), v);
  out.append(digits, static_cast<std::size_t>(end - digits));
}

std::string_view stripPortAndLower(std::string_view host, std::string& storage) {
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else {
    std::size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) {
      host = host.substr(0, colon);
    }
  }
  if (std::any_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    storage.assign(host);
    for (char& c : storage) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return storage;
  }
  return host;
}

}  // namespace berth::http::detail
