#include <gtest/gtest.h>

#include "cli/command.h"
#include "cli/command_table.h"

namespace berth::cli {
namespace {

std::vector<OptionSpec> specs() {
  return {
      OptionSpec::value("--name", "-n", "name").require(),
      OptionSpec::value("--resource-group", "-g", "group"),
      OptionSpec::value("--sku", "", "sku").oneOf({"Basic", "Standard", "Premium"}),
      OptionSpec::boolean("--admin-enabled", "", "admin"),
      OptionSpec::list("--tags", "", "tags"),
      OptionSpec::flag("--yes", "-y", "yes"),
      OptionSpec::value("--output", "-o", "out"),
  };
}

Result<ParsedOptions> parse(std::vector<std::string> tokens) {
  return parseCommandLine(tokens, specs(), {});
}

TEST(CommandLine, LongShortAndInlineValues) {
  auto p = parse({"-n", "reg1", "--resource-group=rg", "-otsv", "--yes"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(*p->get("--name"), "reg1");
  EXPECT_EQ(*p->get("--resource-group"), "rg");
  EXPECT_EQ(*p->get("--output"), "tsv");
  EXPECT_TRUE(p->has("--yes"));
  EXPECT_FALSE(p->has("--sku"));
}

TEST(CommandLine, ChoicesAreCaseInsensitiveAndNormalized) {
  auto p = parse({"-n", "x", "--sku", "premium"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->get("--sku"), "Premium");
  auto bad = parse({"-n", "x", "--sku", "Gold"});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(isUsageError(bad.error()));
  EXPECT_EQ(bad.error().message,
            "argument --sku: invalid choice: 'Gold' (choose from 'Basic', 'Standard', 'Premium')");
}

TEST(CommandLine, ThreeStateBooleans) {
  EXPECT_EQ(*parse({"-n", "x", "--admin-enabled"})->boolean("--admin-enabled"), true);
  EXPECT_EQ(*parse({"-n", "x", "--admin-enabled", "false"})->boolean("--admin-enabled"), false);
  EXPECT_EQ(*parse({"-n", "x", "--admin-enabled", "TRUE"})->boolean("--admin-enabled"), true);
  EXPECT_EQ(*parse({"--admin-enabled", "-n", "x"})->boolean("--admin-enabled"), true);
  auto bad = parse({"-n", "x", "--admin-enabled", "maybe"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "argument --admin-enabled: invalid choice: 'maybe' (choose from 'false', 'true')");
}

TEST(CommandLine, ListsTakeTokensUpToTheNextOption) {
  auto p = parse({"--tags", "a=b", "c", "-n", "x"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->list("--tags"), (std::vector<std::string>{"a=b", "c"}));
  auto empty = parse({"-n", "x", "--tags"});
  EXPECT_TRUE(empty->list("--tags")->empty());
}

TEST(CommandLine, MissingRequiredNamedLikeArgparse) {
  auto p = parse({"-g", "rg"});
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(isUsageError(p.error()));
  EXPECT_EQ(p.error().message, "the following arguments are required: --name/-n");
}

TEST(CommandLine, UnknownOptionsAndStrayWordsReportedTogether) {
  auto p = parse({"-n", "x", "--bogus", "value", "--other"});
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(isUsageError(p.error()));
  EXPECT_EQ(p.error().message, "unrecognized arguments: --bogus value --other");
}

TEST(CommandLine, MissingValue) {
  auto p = parse({"-n"});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "argument --name/-n: expected one argument");
  auto q = parse({"-n", "--yes"});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().message, "argument --name/-n: expected one argument");
}

TEST(CommandLine, NegativeNumbersAndSpacedTokensAreValues) {
  auto p = parse({"-n", "-5"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->get("--name"), "-5");
  auto q = parse({"-n", "-a b"});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->get("--name"), "-a b");
}

TEST(CommandLine, SwitchRejectsValue) {
  auto p = parse({"-n", "x", "--yes=1"});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "argument --yes/-y: ignored explicit argument '1'");
}

TEST(CommandLine, Positionals) {
  auto p =
      parseCommandLine({"a.b", "-u"}, {OptionSpec::flag("--unquoted", "-u", "")}, {"EXPRESSION"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->positional().front(), "a.b");
  auto missing = parseCommandLine({}, {}, {"EXPRESSION"});
  EXPECT_EQ(missing.error().message, "the following arguments are required: EXPRESSION");
  auto extra = parseCommandLine({"a", "b"}, {}, {"EXPRESSION"});
  EXPECT_EQ(extra.error().message, "unrecognized arguments: b");
}

TEST(CommandTable, FindsLongestPathAndGroups) {
  CommandTable table = buildCommandTable();
  auto m = table.find({"acr", "repository", "list", "-n", "x"});
  ASSERT_NE(m.command, nullptr);
  EXPECT_EQ(m.command->path, "acr repository list");
  EXPECT_EQ(m.wordsUsed, 3u);
  auto g = table.find({"acr", "repository"});
  EXPECT_EQ(g.command, nullptr);
  EXPECT_EQ(g.group, "acr repository");
  auto unknown = table.find({"acr", "frobnicate"});
  EXPECT_EQ(unknown.group, "acr");
  EXPECT_EQ(unknown.wordsUsed, 1u);
}

TEST(CommandTable, GroupHelpListsSubgroupsAndCommands) {
  CommandTable table = buildCommandTable();
  const std::string help = table.groupHelp("acr");
  EXPECT_NE(help.find("Subgroups:"), std::string::npos);
  EXPECT_NE(help.find("    repository"), std::string::npos);
  EXPECT_NE(help.find("    credential"), std::string::npos);
  EXPECT_NE(help.find("    create"), std::string::npos);
  EXPECT_NE(help.find("    check-health"), std::string::npos);
  EXPECT_EQ(help.find("    list-tags"), std::string::npos);
}

TEST(CommandTable, EveryCommandHasASummaryAndUniqueOptionNames) {
  CommandTable table = buildCommandTable();
  for (const auto& c : table.commands()) {
    EXPECT_FALSE(c.summary.empty()) << c.path;
    std::vector<std::string> names;
    for (const auto& o : c.options) {
      names.push_back(o.name);
      for (const auto& a : o.aliases) names.push_back(a);
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << c.path;
    const std::string help = table.commandHelp(c);
    EXPECT_NE(help.find("berth " + c.path), std::string::npos);
  }
}

}  // namespace
}  // namespace berth::cli
