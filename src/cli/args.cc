#include "cli/args.h"

#include <sstream>

namespace berth::cli {

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

bool ParsedArgs::has(std::string_view name) const { return values_.find(name) != values_.end(); }

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<FlagSpec>& specs, std::string_view command) {
  ParsedArgs out;
  auto findSpec = [&](std::string_view flag) -> const FlagSpec* {
    for (const auto& s : specs) {
      if (s.name == flag || (!s.shortName.empty() && s.shortName == flag)) return &s;
    }
    return nullptr;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      out.positional_.push_back(arg);
      continue;
    }
    std::string flag = arg;
    std::optional<std::string> inlineValue;
    if (std::size_t eq = arg.find('='); eq != std::string::npos && arg.starts_with("--")) {
      flag = arg.substr(0, eq);
      inlineValue = arg.substr(eq + 1);
    }
    const FlagSpec* spec = findSpec(flag);
    if (spec == nullptr) {
      return fail(Errc::kInvalidParameter, "unrecognized argument '" + flag + "' for 'berth " +
                                               std::string(command) + "'; see --help");
    }
    if (!spec->takesValue) {
      if (inlineValue) {
        return fail(Errc::kInvalidParameter, spec->name + " takes no value");
      }
      out.values_[spec->name] = "true";
      continue;
    }
    if (!inlineValue) {
      if (i + 1 >= args.size()) {
        return fail(Errc::kInvalidParameter, "argument " + spec->name + " expects a value");
      }
      inlineValue = args[++i];
    }
    out.values_[spec->name] = *inlineValue;
  }
  return out;
}

std::string usage(std::string_view command, std::string_view summary,
                  const std::vector<FlagSpec>& specs) {
  std::ostringstream out;
  out << "Usage: berth " << command << " [flags]\n\n" << summary << "\n\nFlags:\n";
  for (const auto& s : specs) {
    std::string left = "  " + (s.shortName.empty() ? "" : s.shortName + ", ") + s.name;
    if (s.takesValue) left += " " + s.valueName;
    out << left;
    if (left.size() < 30) out << std::string(30 - left.size(), ' ');
    else out << "\n" << std::string(30, ' ');
    out << s.help << "\n";
  }
  return out.str();
}

}  // namespace berth::cli
