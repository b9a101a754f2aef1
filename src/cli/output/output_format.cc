#include "cli/output/output_format.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace berth::cli {
namespace {

struct FormatName {
  std::string_view name;
  OutputFormat format;
};
constexpr std::array<FormatName, 7> kFormats{{
    {"json", OutputFormat::kJson},
    {"jsonc", OutputFormat::kJsonc},
    {"none", OutputFormat::kNone},
    {"table", OutputFormat::kTable},
    {"tsv", OutputFormat::kTsv},
    {"yaml", OutputFormat::kYaml},
    {"yamlc", OutputFormat::kYamlc},
}};

}  // namespace

Result<OutputFormat> parseOutputFormat(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& f : kFormats) {
    if (f.name == lower) return f.format;
  }
  std::string choices;
  for (const auto& f : kFormats) {
    choices += (choices.empty() ? "'" : ", '") + std::string(f.name) + "'";
  }
  return fail(Errc::kInvalidParameter, "argument --output/-o: invalid choice: '" +
                                           std::string(text) + "' (choose from " + choices + ")");
}

std::string formatOutput(const Json& value, OutputFormat format, const FormatOptions& options) {
  if (value.is_null()) return {};
  switch (format) {
    case OutputFormat::kJson:
      return formatJson(value, false);
    case OutputFormat::kJsonc:
      return formatJson(value, options.color);
    case OutputFormat::kYaml:
      return formatYaml(value, false);
    case OutputFormat::kYamlc:
      return formatYaml(value, options.color);
    case OutputFormat::kTsv:
      return formatTsv(value, options.sortKeys);
    case OutputFormat::kTable:
      return formatTable(value, options.sortKeys);
    case OutputFormat::kNone:
      return {};
  }
  return {};
}

}  // namespace berth::cli
