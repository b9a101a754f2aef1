// table output: knack's _TableOutput feeding tabulate(headers="keys", tablefmt="simple",
// disable_numparse=True), which is what `az ... -o table` prints without a table transformer.

#include <algorithm>
#include <string>
#include <vector>

#include "cli/output/output_format.h"

namespace berth::cli {
namespace {

// tabulate pads each column to at least its header's width plus this.
constexpr std::size_t kMinPadding = 2;
constexpr std::string_view kColumnGap = "  ";

bool skippedKey(std::string_view key) { return key == "id" || key == "type" || key == "etag"; }

std::string capitalized(std::string key) {
  if (!key.empty() && key[0] >= 'a' && key[0] <= 'z')
    key[0] = static_cast<char>(key[0] - 'a' + 'A');
  return key;
}

std::string cellText(const Json& v) {
  switch (v.type()) {
    case Json::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case Json::value_t::string:
      return v.get<std::string>();
    default:
      return v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

// Terminal columns of a UTF-8 string, counting each code point as one (tabulate without wcwidth).
std::size_t displayWidth(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

using Row = std::vector<std::pair<std::string, std::string>>;  // header -> cell, in column order

Row tableRow(const Json& item, bool sortKeys) {
  Row row;
  if (item.is_object()) {
    std::vector<std::pair<std::string, const Json*>> fields;
    for (auto it = item.begin(); it != item.end(); ++it) fields.emplace_back(it.key(), &*it);
    if (sortKeys) {
      std::stable_sort(fields.begin(), fields.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    for (const auto& [key, v] : fields) {
      if (skippedKey(key) || v->is_null() || v->is_structured()) continue;
      row.emplace_back(capitalized(key), cellText(*v));
    }
  } else if (item.is_array()) {
    std::size_t column = 1;
    for (const auto& v : item) row.emplace_back("Column" + std::to_string(column++), cellText(v));
  } else {
    row.emplace_back("Result", cellText(item));
  }
  return row;
}

}  // namespace

std::string formatTable(const Json& value, bool sortKeys) {
  std::vector<Row> rows;
  if (value.is_array()) {
    for (const auto& item : value) rows.push_back(tableRow(item, sortKeys));
  } else {
    rows.push_back(tableRow(value, sortKeys));
  }
  std::vector<std::string> headers;  // union of the rows' keys in order of first appearance
  for (const auto& row : rows) {
    for (const auto& [header, cell] : row) {
      if (std::find(headers.begin(), headers.end(), header) == headers.end()) {
        headers.push_back(header);
      }
    }
  }
  if (headers.empty()) return "\n";
  std::vector<std::vector<std::string>> cells(rows.size(),
                                              std::vector<std::string>(headers.size()));
  std::vector<std::size_t> widths;
  for (const auto& h : headers) widths.push_back(displayWidth(h) + kMinPadding);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (const auto& [header, cell] : rows[r]) {
      std::size_t c = static_cast<std::size_t>(std::find(headers.begin(), headers.end(), header) -
                                               headers.begin());
      cells[r][c] = cell;
      widths[c] = std::max(widths[c], displayWidth(cell));
    }
  }
  std::string out;
  auto writeLine = [&](const std::vector<std::string>& line) {
    for (std::size_t c = 0; c < line.size(); ++c) {
      if (c > 0) out += kColumnGap;
      out += line[c];
      out.append(widths[c] - displayWidth(line[c]), ' ');
    }
    out += '\n';
  };
  writeLine(headers);
  std::vector<std::string> dashes;
  for (std::size_t w : widths) dashes.emplace_back(w, '-');
  writeLine(dashes);
  for (const auto& line : cells) writeLine(line);
  return out;
}

}  // namespace berth::cli
