// tsv output, following knack's _TsvOutput so `az ... -o tsv` pipelines work unchanged.

#include <string>
#include <vector>

#include "cli/output/output_format.h"

namespace berth::cli {
namespace {

// Python's str() of a value inside a row.
std::string pythonStr(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case Json::value_t::string:
      return v.get<std::string>();
    default:
      return v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

void writeField(const Json& v, std::string& out) {
  if (v.is_array()) {
    out += std::to_string(v.size());  // knack prints a nested list's length
  } else if (v.is_object()) {
    // Empty but present, so rows whose field is sometimes null and sometimes an object keep
    // the same number of columns.
  } else {
    out += pythonStr(v);
  }
}

std::vector<const Json*> fields(const Json& object, bool sortKeys) {
  std::vector<std::pair<std::string_view, const Json*>> items;
  for (auto it = object.begin(); it != object.end(); ++it) items.emplace_back(it.key(), &*it);
  if (sortKeys) {
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  std::vector<const Json*> out;
  for (const auto& [k, v] : items) out.push_back(v);
  return out;
}

void writeRow(const Json& row, bool sortKeys, std::string& out) {
  if (row.is_object() || row.is_array()) {
    std::vector<const Json*> values;
    if (row.is_object()) {
      values = fields(row, sortKeys);
    } else {
      for (const auto& item : row) values.push_back(&item);
    }
    const char* separator = "";
    for (const Json* v : values) {
      out += separator;
      writeField(*v, out);
      separator = "\t";
    }
  } else if (row.is_boolean()) {
    out += row.get<bool>() ? "true" : "false";  // a bare boolean row is lowercased by knack
  } else {
    out += pythonStr(row);
  }
  out += '\n';
}

}  // namespace

std::string formatTsv(const Json& value, bool sortKeys) {
  std::string out;
  if (value.is_array()) {
    for (const auto& row : value) writeRow(row, sortKeys, out);
  } else {
    writeRow(value, sortKeys, out);
  }
  return out;
}

}  // namespace berth::cli
