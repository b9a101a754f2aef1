// json and jsonc output, and the conversions between ordered and sorted documents.

#include <string>

#include "cli/output/output_format.h"

namespace berth::cli {
namespace {

// ANSI colors close to what pygments' TerminalFormatter gives az's jsonc.
constexpr std::string_view kKeyColor = "\x1b[94m";
constexpr std::string_view kStringColor = "\x1b[33m";
constexpr std::string_view kLiteralColor = "\x1b[36m";
constexpr std::string_view kReset = "\x1b[0m";

std::string quoted(const std::string& s) {
  // replace: invalid UTF-8 from a server must not abort the output (dump would throw).
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void paint(std::string& out, bool color, std::string_view code, const std::string& text) {
  if (color) out.append(code);
  out.append(text);
  if (color) out.append(kReset);
}

void writeJson(const nlohmann::json& v, std::size_t indent, bool color, std::string& out) {
  const std::string pad(indent + 2, ' ');
  if (v.is_object()) {
    if (v.empty()) {
      out.append("{}");
      return;
    }
    out.append("{\n");
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out.append(",\n");
      first = false;
      out.append(pad);
      paint(out, color, kKeyColor, quoted(it.key()));
      out.append(": ");
      writeJson(it.value(), indent + 2, color, out);
    }
    out.append("\n").append(indent, ' ').append("}");
  } else if (v.is_array()) {
    if (v.empty()) {
      out.append("[]");
      return;
    }
    out.append("[\n");
    bool first = true;
    for (const auto& item : v) {
      if (!first) out.append(",\n");
      first = false;
      out.append(pad);
      writeJson(item, indent + 2, color, out);
    }
    out.append("\n").append(indent, ' ').append("]");
  } else if (v.is_string()) {
    paint(out, color, kStringColor, quoted(v.get_ref<const std::string&>()));
  } else {
    paint(out, color, kLiteralColor,
          v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

}  // namespace

nlohmann::json toSortedJson(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      nlohmann::json out = nlohmann::json::object();
      for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = toSortedJson(*it);
      return out;
    }
    case Json::value_t::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : value) out.push_back(toSortedJson(item));
      return out;
    }
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::number_integer:
      return value.get<std::int64_t>();
    case Json::value_t::number_unsigned:
      return value.get<std::uint64_t>();
    case Json::value_t::number_float:
      return value.get<double>();
    default:
      return nullptr;
  }
}

Json toOrderedJson(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      Json out = Json::object();
      for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = toOrderedJson(*it);
      return out;
    }
    case nlohmann::json::value_t::array: {
      Json out = Json::array();
      for (const auto& item : value) out.push_back(toOrderedJson(item));
      return out;
    }
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    case nlohmann::json::value_t::boolean:
      return value.get<bool>();
    case nlohmann::json::value_t::number_integer:
      return value.get<std::int64_t>();
    case nlohmann::json::value_t::number_unsigned:
      return value.get<std::uint64_t>();
    case nlohmann::json::value_t::number_float:
      return value.get<double>();
    default:
      return nullptr;
  }
}

std::string formatJson(const Json& value, bool color) {
  std::string out;
  writeJson(toSortedJson(value), 0, color, out);
  out.push_back('\n');
  return out;
}

}  // namespace berth::cli
