// berth jp EXPRESSION: JMESPath over JSON read from stdin, printed as JSON -- the `jp` tool, so
// --query expressions can be tried on saved output.

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command_context.h"
#include "cli/command_table.h"
#include "cli/jmespath/jmespath.h"

namespace berth::cli {
namespace {

Result<CommandOutput> jp(CommandContext& ctx) {
  std::stringstream text;
  if (auto file = ctx.args().get("--filename")) {
    std::ifstream in(*file);
    if (!in) return fail(Errc::kInvalidParameter, "cannot read '" + *file + "'");
    text << in.rdbuf();
  } else {
    text << ctx.env().in->rdbuf();
  }
  auto input = nlohmann::json::parse(text.str(), nullptr, false);
  if (input.is_discarded()) {
    return fail(Errc::kInvalidParameter, "Error parsing input json: the input is not valid JSON");
  }
  auto result = jmespath::search(ctx.args().positional().front(), input);
  if (!result.ok()) return result.error();
  if (ctx.args().has("--unquoted") && result->is_string()) {
    ctx.out() << result->get<std::string>() << "\n";
  } else {
    // jp prints null too, unlike az's output, so `jp` is usable as a test.
    ctx.out() << formatJson(toOrderedJson(*result), false);
  }
  return CommandOutput();
}

}  // namespace

void registerJpCommand(CommandTable& table) {
  table.add({.path = "jp",
             .summary = "Evaluate a JMESPath expression against JSON from stdin (like jp).",
             .options = {OptionSpec::flag("--unquoted", "-u",
                                          "Print a string result without "
                                          "JSON quotes."),
                         OptionSpec::value("--filename", "-f",
                                           "Read the JSON from this file "
                                           "instead of stdin.")},
             .run = jp,
             .positionals = {"EXPRESSION"},
             .globalOptions = false});
}

}  // namespace berth::cli
