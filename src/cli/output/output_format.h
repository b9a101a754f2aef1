#pragma once
// Renders a command's result the way the Azure CLI (knack) does for each --output format, so
// scripts written against `az` read berth's output unchanged.
//
// Key order: az prints JSON and YAML with sorted keys, and sorts the keys of the objects a command
// returned in tsv and table output; only objects built by --query keep their written order. The
// caller says which case applies through FormatOptions::sortKeys.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::cli {

using Json = nlohmann::ordered_json;

enum class OutputFormat { kJson, kJsonc, kYaml, kYamlc, kTsv, kTable, kNone };

/// Case-insensitive, like az's `type=str.lower`; the error lists the choices.
Result<OutputFormat> parseOutputFormat(std::string_view text);

struct FormatOptions {
  /// Colors for jsonc/yamlc; the caller clears it when stdout is not a terminal.
  bool color = false;
  /// tsv/table: order an object's fields by key (true for command results, false after --query).
  bool sortKeys = true;
};

/// json: 2-space indent, keys sorted, non-ASCII kept, ending in a newline (json.dumps as az calls
/// it).
std::string formatJson(const Json& value, bool color);
/// yaml: block style with sorted keys and PyYAML's quoting rules (safe_dump as az calls it).
std::string formatYaml(const Json& value, bool color);
/// tsv: one line per top-level list item, an object's values tab-separated; nested lists print
/// their length and nested objects an empty field (so columns stay aligned), booleans inside a row
/// True/False, null None -- byte for byte what knack's _TsvOutput writes.
std::string formatTsv(const Json& value, bool sortKeys);
/// table: a header row from the union of the rows' keys (first letter capitalized; id, type and
/// etag left out; null, list and object values left out), a dashed line, left-aligned cells.
std::string formatTable(const Json& value, bool sortKeys);

/// Dispatches on `format`. A null result prints nothing in every format, as in az.
std::string formatOutput(const Json& value, OutputFormat format, const FormatOptions& options);

/// Converts between the ordered document the CLI builds and the sorted one the JMESPath engine
/// takes. Both are lossless apart from key order.
nlohmann::json toSortedJson(const Json& value);
Json toOrderedJson(const nlohmann::json& value);

}  // namespace berth::cli
