#include "cli/cli_app.h"

#include <algorithm>
#include <ostream>

#include "cli/jmespath/jmespath.h"

namespace berth::cli {
namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int report(Environment& env, const Error& e) {
  *env.err << "ERROR: " << e.message << "\n";
  return isUsageError(e) ? kExitUsage : kExitError;
}

bool wantsHelp(const std::vector<std::string>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(),
                     [](const std::string& t) { return t == "--help" || t == "-h"; });
}

std::vector<OptionSpec> effectiveOptions(const CommandSpec& spec) {
  std::vector<OptionSpec> options = spec.options;
  for (const auto& g : globalOptionSpecs()) {
    if (!spec.globalOptions && g.name != "--help") continue;
    const bool overridden = std::any_of(options.begin(), options.end(),
                                        [&](const OptionSpec& o) { return o.name == g.name; });
    if (!overridden) options.push_back(g);
  }
  return options;
}

Result<GlobalOptions> globalsFrom(const CommandSpec& spec, const ParsedOptions& args) {
  GlobalOptions g;
  if (!spec.globalOptions) return g;
  if (auto o = args.get("--output")) {
    auto format = parseOutputFormat(*o);
    if (!format.ok()) return usageError(format.error().message);
    g.output = *format;
  }
  g.query = args.get("--query");
  // A command's own --subscription (account set) is its argument, not the global selector.
  const bool ownSubscription =
      std::any_of(spec.options.begin(), spec.options.end(),
                  [](const OptionSpec& o) { return o.name == "--subscription"; });
  if (!ownSubscription) g.subscription = args.get("--subscription");
  g.onlyShowErrors = args.has("--only-show-errors");
  g.debug = args.has("--debug");
  g.verbose = args.has("--verbose");
  return g;
}

int runCommand(const CommandTable& table, const CommandSpec& spec,
               const std::vector<std::string>& tokens, Environment& env) {
  if (wantsHelp(tokens)) {
    *env.out << table.commandHelp(spec);
    return 0;
  }
  auto parsed = parseCommandLine(tokens, effectiveOptions(spec), spec.positionals);
  if (!parsed.ok()) return report(env, parsed.error());
  auto globals = globalsFrom(spec, *parsed);
  if (!globals.ok()) return report(env, globals.error());
  // Compiled before the command runs, so a typo in --query changes nothing on the server.
  std::optional<jmespath::Expression> query;
  if (globals->query) {
    auto compiled = jmespath::Expression::compile(*globals->query);
    if (!compiled.ok()) {
      return report(env, usageError("argument --query: invalid jmespath query supplied for "
                                    "'--query': " +
                                    compiled.error().message));
    }
    query = std::move(*compiled);
  }
  const OutputFormat format = globals->output;
  CommandContext ctx(spec, std::move(*parsed), std::move(*globals), env);
  auto result = spec.run(ctx);
  if (!result.ok()) return report(env, result.error());
  if (!result->has_value()) return 0;
  Json value = std::move(**result);
  FormatOptions options;
  options.color = env.stdoutIsTty;
  if (query) {
    auto searched = query->search(toSortedJson(value));
    if (!searched.ok()) return report(env, searched.error());
    value = toOrderedJson(*searched);
    options.sortKeys = false;  // az keeps the order a --query projection wrote
  } else if (format == OutputFormat::kTable && spec.tableTransform) {
    value = spec.tableTransform(value);
    options.sortKeys = false;
  }
  *env.out << formatOutput(value, format, options);
  env.out->flush();
  return 0;
}

}  // namespace

int runCommandLine(const CommandTable& table, const std::vector<std::string>& args,
                   Environment& env) {
  try {
    auto match = table.find(args);
    std::vector<std::string> rest(args.begin() + static_cast<long>(match.wordsUsed), args.end());
    if (match.command != nullptr) return runCommand(table, *match.command, rest, env);
    if (rest.empty() || wantsHelp(rest)) {
      *env.out << table.groupHelp(match.group);
      return 0;
    }
    if (!rest.front().starts_with('-')) {
      return report(env, usageError("'" + rest.front() +
                                    "' is misspelled or not recognized by "
                                    "the system. See 'berth " +
                                    (match.group.empty() ? "" : match.group + " ") + "--help'."));
    }
    return report(env, usageError("'berth " + match.group + "' needs a subcommand; see 'berth " +
                                  match.group + " --help'."));
  } catch (const std::exception& e) {
    // Last line of defence: a library threw where we expected a value.
    *env.err << "ERROR: unexpected failure: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace berth::cli
