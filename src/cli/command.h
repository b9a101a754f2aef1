#pragma once
// The az-style command framework: a command is a path of words ("acr repository list"), its
// options, a one-line summary, and a handler returning the JSON result that --query and --output
// then shape. One file per command group registers its commands in a CommandTable.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/output/output_format.h"
#include "common/result.h"

namespace berth::cli {

class CommandContext;

enum class OptionKind {
  kSwitch,        // --yes: present or absent, takes no value
  kValue,         // --name X
  kOptionalBool,  // --admin-enabled [true|false]: bare means true (az's three-state flags)
  kList,          // --tags a=b c=d: every following token up to the next option (nargs='*')
  kRepeatedList,  // --repository r a1 a2 [--repository ...]: each use kept (append, nargs='+')
};

struct OptionSpec {
  std::string name;                  // "--resource-group"
  std::vector<std::string> aliases;  // {"-g"}
  OptionKind kind = OptionKind::kValue;
  std::string help;
  bool required = false;
  /// Accepted values, matched case-insensitively and normalized to the spelling listed here.
  std::vector<std::string> choices;

  static OptionSpec value(std::string name, std::string alias, std::string help);
  static OptionSpec flag(std::string name, std::string alias, std::string help);
  static OptionSpec boolean(std::string name, std::string alias, std::string help);
  static OptionSpec list(std::string name, std::string alias, std::string help);
  static OptionSpec repeatedList(std::string name, std::string alias, std::string help);
  OptionSpec require() &&;
  OptionSpec oneOf(std::vector<std::string> values) &&;

  /// "--resource-group/-g", as argparse names an option in errors.
  std::string displayName() const;
};

/// What the command line said, by canonical option name.
class ParsedOptions {
 public:
  /// The value of a kValue option; kOptionalBool options read "true"/"false".
  std::optional<std::string> get(std::string_view name) const;
  bool has(std::string_view name) const;
  /// kOptionalBool (and kSwitch) as a bool, nullopt when not given.
  std::optional<bool> boolean(std::string_view name) const;
  /// The values of a kList option, nullopt when not given (an empty list when given bare).
  std::optional<std::vector<std::string>> list(std::string_view name) const;
  /// Each use of a kRepeatedList option, in order; empty when not given.
  std::vector<std::vector<std::string>> repeated(std::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  void set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }
  void setList(std::string name, std::vector<std::string> values) {
    lists_[std::move(name)] = std::move(values);
  }
  void addPositional(std::string value) { positional_.push_back(std::move(value)); }
  void addRepeated(std::string name, std::vector<std::string> values) {
    repeated_[std::move(name)].push_back(std::move(values));
  }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::vector<std::string>, std::less<>> lists_;
  std::map<std::string, std::vector<std::vector<std::string>>, std::less<>> repeated_;
  std::vector<std::string> positional_;
};

/// A command's result; nullopt prints nothing (az commands that return None).
using CommandOutput = std::optional<Json>;
using CommandHandler = std::function<Result<CommandOutput>(CommandContext&)>;
/// Reshapes a result for -o table only, like az's table_transformer (not applied after --query).
using TableTransform = std::function<Json(const Json&)>;

struct CommandSpec {
  // Every member has an initializer so tables may name only the fields they use.
  std::string path{};  // "acr repository list"
  std::string summary{};
  std::vector<OptionSpec> options{};
  CommandHandler run{};
  TableTransform tableTransform{};
  /// Positional arguments (e.g. jp's EXPRESSION), all required.
  std::vector<std::string> positionals{};
  /// False for commands outside the az surface (jp) that take no --output/--query/--subscription.
  bool globalOptions = true;
  std::string longHelp{};  // optional paragraph after the summary
};

/// Usage errors (unknown option, missing required option, bad choice) exit with status 2, as
/// argparse's do in az; every other error exits with 1.
inline constexpr std::string_view kUsageErrorDetail = "usage";
Error usageError(std::string message);
bool isUsageError(const Error& error);

/// Parses `tokens` (the words after the command path) against `options`.
Result<ParsedOptions> parseCommandLine(const std::vector<std::string>& tokens,
                                       const std::vector<OptionSpec>& options,
                                       const std::vector<std::string>& positionals);

/// The options every az-style command accepts (--output, --query, --subscription, ...).
const std::vector<OptionSpec>& globalOptionSpecs();

}  // namespace berth::cli
