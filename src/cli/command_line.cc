// argparse's behaviour as az users know it: --opt value, --opt=value, -o value, -ovalue,
// nargs='*' lists, three-state booleans, errors worded like argparse's.

#include <algorithm>
#include <cctype>

#include "cli/command.h"

namespace berth::cli {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "-5", "-1.5", "-.5": argparse's _negative_number_matcher, ^-\d+$|^-\d*\.\d+$.
bool isNegativeNumber(std::string_view token) {
  std::string_view rest = token.substr(1);
  const std::size_t dot = rest.find('.');
  auto allDigits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (dot == std::string_view::npos) return !rest.empty() && allDigits(rest);
  return allDigits(rest.substr(0, dot)) && dot + 1 < rest.size() && allDigits(rest.substr(dot + 1));
}

// argparse treats "-5" and "-1.5" as values and a token with a space as a positional, so
// `--query "-x y"` or a negative number is not mistaken for an option.
bool looksLikeOption(const std::string& token) {
  if (token.size() < 2 || token[0] != '-') return false;
  if (isNegativeNumber(token)) return false;
  if (token.find(' ') != std::string::npos) return false;
  return true;
}

const OptionSpec* findOption(const std::vector<OptionSpec>& options, std::string_view name) {
  for (const auto& o : options) {
    if (o.name == name) return &o;
    if (std::find(o.aliases.begin(), o.aliases.end(), name) != o.aliases.end()) return &o;
  }
  return nullptr;
}

std::string choiceList(const std::vector<std::string>& choices) {
  std::string out;
  for (const auto& c : choices) out += (out.empty() ? "'" : ", '") + c + "'";
  return out;
}

Result<std::string> checkChoice(const OptionSpec& spec, const std::string& value) {
  if (spec.choices.empty()) return value;
  for (const auto& c : spec.choices) {
    if (lower(c) == lower(value)) return c;
  }
  return usageError("argument " + spec.displayName() + ": invalid choice: '" + value +
                    "' (choose from " + choiceList(spec.choices) + ")");
}

}  // namespace

OptionSpec OptionSpec::value(std::string name, std::string alias, std::string help) {
  OptionSpec s;
  s.name = std::move(name);
  if (!alias.empty()) s.aliases.push_back(std::move(alias));
  s.help = std::move(help);
  return s;
}

OptionSpec OptionSpec::flag(std::string name, std::string alias, std::string help) {
  OptionSpec s = value(std::move(name), std::move(alias), std::move(help));
  s.kind = OptionKind::kSwitch;
  return s;
}

OptionSpec OptionSpec::boolean(std::string name, std::string alias, std::string help) {
  OptionSpec s = value(std::move(name), std::move(alias), std::move(help));
  s.kind = OptionKind::kOptionalBool;
  s.choices = {"false", "true"};
  return s;
}

OptionSpec OptionSpec::list(std::string name, std::string alias, std::string help) {
  OptionSpec s = value(std::move(name), std::move(alias), std::move(help));
  s.kind = OptionKind::kList;
  return s;
}

OptionSpec OptionSpec::repeatedList(std::string name, std::string alias, std::string help) {
  OptionSpec s = value(std::move(name), std::move(alias), std::move(help));
  s.kind = OptionKind::kRepeatedList;
  return s;
}

OptionSpec OptionSpec::require() && {
  required = true;
  return std::move(*this);
}

OptionSpec OptionSpec::oneOf(std::vector<std::string> values) && {
  choices = std::move(values);
  return std::move(*this);
}

std::string OptionSpec::displayName() const {
  std::string out = name;
  for (const auto& a : aliases) out += "/" + a;
  return out;
}

std::optional<std::string> ParsedOptions::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

bool ParsedOptions::has(std::string_view name) const {
  return values_.find(name) != values_.end() || lists_.find(name) != lists_.end() ||
         repeated_.find(name) != repeated_.end();
}

std::vector<std::vector<std::string>> ParsedOptions::repeated(std::string_view name) const {
  auto it = repeated_.find(name);
  return it == repeated_.end() ? std::vector<std::vector<std::string>>{} : it->second;
}

std::optional<bool> ParsedOptions::boolean(std::string_view name) const {
  auto v = get(name);
  if (!v) return std::nullopt;
  return *v == "true";
}

std::optional<std::vector<std::string>> ParsedOptions::list(std::string_view name) const {
  auto it = lists_.find(name);
  if (it == lists_.end()) return std::nullopt;
  return it->second;
}

Error usageError(std::string message) {
  return makeError(Errc::kInvalidParameter, std::move(message), std::string(kUsageErrorDetail));
}

bool isUsageError(const Error& error) { return error.detail == kUsageErrorDetail; }

Result<ParsedOptions> parseCommandLine(const std::vector<std::string>& tokens,
                                       const std::vector<OptionSpec>& options,
                                       const std::vector<std::string>& positionals) {
  ParsedOptions out;
  // (token index, token): unknown options and, later, surplus positionals, reported in order.
  std::vector<std::pair<std::size_t, std::string>> unrecognized;
  std::vector<std::size_t> positionalIndex;
  bool onlyPositional = false;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (onlyPositional || !looksLikeOption(token)) {
      positionalIndex.push_back(i);
      out.addPositional(token);
      continue;
    }
    if (token == "--") {
      onlyPositional = true;
      continue;
    }
    std::string name = token;
    std::optional<std::string> explicitValue;
    if (std::size_t eq = token.find('='); eq != std::string::npos) {
      name = token.substr(0, eq);
      explicitValue = token.substr(eq + 1);
    }
    const OptionSpec* spec = findOption(options, name);
    if (spec == nullptr && !explicitValue && token.size() > 2 && token[1] != '-') {
      // -ovalue: a one-letter option with its value attached.
      spec = findOption(options, token.substr(0, 2));
      if (spec != nullptr && spec->kind == OptionKind::kValue) {
        explicitValue = token.substr(2);
      } else {
        spec = nullptr;
      }
    }
    if (spec == nullptr) {
      unrecognized.emplace_back(i, token);
      continue;
    }
    switch (spec->kind) {
      case OptionKind::kSwitch:
        if (explicitValue) {
          return usageError("argument " + spec->displayName() + ": ignored explicit argument '" +
                            *explicitValue + "'");
        }
        out.set(spec->name, "true");
        break;
      case OptionKind::kValue: {
        std::string v;
        if (explicitValue) {
          v = *explicitValue;
        } else if (i + 1 < tokens.size() && !looksLikeOption(tokens[i + 1])) {
          v = tokens[++i];
        } else {
          return usageError("argument " + spec->displayName() + ": expected one argument");
        }
        auto checked = checkChoice(*spec, v);
        if (!checked.ok()) return checked.error();
        out.set(spec->name, *checked);
        break;
      }
      case OptionKind::kOptionalBool: {
        std::string v = "true";
        if (explicitValue) {
          v = *explicitValue;
        } else if (i + 1 < tokens.size() && !looksLikeOption(tokens[i + 1])) {
          v = tokens[++i];
        }
        auto checked = checkChoice(*spec, v);
        if (!checked.ok()) return checked.error();
        out.set(spec->name, *checked);
        break;
      }
      case OptionKind::kList: {
        std::vector<std::string> values;
        if (explicitValue) {
          values.push_back(*explicitValue);
        } else {
          while (i + 1 < tokens.size() && !looksLikeOption(tokens[i + 1])) {
            values.push_back(tokens[++i]);
          }
        }
        out.setList(spec->name, std::move(values));
        break;
      }
      case OptionKind::kRepeatedList: {
        std::vector<std::string> values;
        if (explicitValue) values.push_back(*explicitValue);
        while (i + 1 < tokens.size() && !looksLikeOption(tokens[i + 1])) {
          values.push_back(tokens[++i]);
        }
        if (values.empty()) {
          return usageError("argument " + spec->displayName() + ": expected at least one argument");
        }
        out.addRepeated(spec->name, std::move(values));
        break;
      }
    }
  }
  for (std::size_t p = positionals.size(); p < out.positional().size(); ++p) {
    unrecognized.emplace_back(positionalIndex[p], out.positional()[p]);
  }
  if (!unrecognized.empty()) {
    std::sort(unrecognized.begin(), unrecognized.end());
    std::string list;
    for (const auto& [index, t] : unrecognized) list += (list.empty() ? "" : " ") + t;
    return usageError("unrecognized arguments: " + list);
  }
  std::vector<std::string> missing;
  for (const auto& spec : options) {
    if (spec.required && !out.has(spec.name)) missing.push_back(spec.displayName());
  }
  for (std::size_t p = out.positional().size(); p < positionals.size(); ++p) {
    missing.push_back(positionals[p]);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return usageError("the following arguments are required: " + list);
  }
  return out;
}

const std::vector<OptionSpec>& globalOptionSpecs() {
  static const std::vector<OptionSpec> kGlobals = {
      OptionSpec::flag("--debug", "",
                       "Increase logging verbosity to show all debug logs, "
                       "including every HTTP request."),
      OptionSpec::flag("--help", "-h", "Show this help message and exit."),
      OptionSpec::flag("--only-show-errors", "", "Only show errors, suppressing warnings."),
      OptionSpec::value("--output", "-o", "Output format.")
          .oneOf({"json", "jsonc", "none", "table", "tsv", "yaml", "yamlc"}),
      OptionSpec::value("--query", "",
                        "JMESPath query string. See http://jmespath.org/ for "
                        "more information and examples."),
      OptionSpec::value("--subscription", "",
                        "Name or ID of subscription. You can configure "
                        "the default subscription using `berth account "
                        "set -s NAME_OR_ID`."),
      OptionSpec::flag("--verbose", "",
                       "Increase logging verbosity. Use --debug for full "
                       "debug logs."),
  };
  return kGlobals;
}

}  // namespace berth::cli
