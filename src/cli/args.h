#pragma once
// A small argument parser for `berth <command> [flags]`: --flag value, --flag=value, short
// aliases, boolean switches. Unknown flags are errors naming the flag and the command's --help.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::cli {

struct FlagSpec {
  std::string name;        // "--data-dir"
  std::string shortName;   // "-d" or empty
  bool takesValue = true;
  std::string help;
  std::string valueName = "VALUE";
};

class ParsedArgs {
 public:
  std::optional<std::string> value(std::string_view name) const;
  bool has(std::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                                      const std::vector<FlagSpec>& specs, std::string_view command);
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> positional_;
};

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<FlagSpec>& specs, std::string_view command);

/// "Usage: berth <command> [flags]" followed by one line per flag.
std::string usage(std::string_view command, std::string_view summary,
                  const std::vector<FlagSpec>& specs);

}  // namespace berth::cli
