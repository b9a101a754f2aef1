#include "cli/command_table.h"

#include <algorithm>
#include <sstream>

namespace berth::cli {
namespace {

constexpr std::size_t kHelpColumn = 30;  // where the ": summary" column starts in help listings

std::string lastWord(std::string_view path) {
  std::size_t space = path.rfind(' ');
  return std::string(space == std::string_view::npos ? path : path.substr(space + 1));
}

bool isChildOf(std::string_view path, std::string_view parent) {
  if (parent.empty()) return path.find(' ') == std::string_view::npos;
  return path.size() > parent.size() + 1 && path.starts_with(parent) &&
         path[parent.size()] == ' ' &&
         path.substr(parent.size() + 1).find(' ') == std::string_view::npos;
}

void listing(std::ostringstream& out, const std::string& left, const std::string& summary) {
  std::string line = "    " + left;
  if (line.size() < kHelpColumn) line.append(kHelpColumn - line.size(), ' ');
  out << line << " : " << summary << "\n";
}

std::string optionLeft(const OptionSpec& o) {
  std::string left = o.name;
  for (const auto& a : o.aliases) left += " " + a;
  return left;
}

std::string optionSummary(const OptionSpec& o) {
  std::string text = o.required ? "[Required] " + o.help : o.help;
  if (!o.choices.empty()) {
    std::string values;
    for (const auto& c : o.choices) values += (values.empty() ? "" : ", ") + c;
    text += "  Allowed values: " + values + ".";
  }
  return text;
}

}  // namespace

void CommandTable::addGroup(std::string path, std::string summary) {
  groups_.push_back({std::move(path), std::move(summary)});
}

void CommandTable::add(CommandSpec spec) { commands_.push_back(std::move(spec)); }

bool CommandTable::isGroup(std::string_view path) const {
  return std::any_of(groups_.begin(), groups_.end(),
                     [&](const Group& g) { return g.path == path; });
}

CommandTable::Match CommandTable::find(const std::vector<std::string>& words) const {
  Match match;
  std::string path;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].starts_with('-')) break;
    std::string candidate = path.empty() ? words[i] : path + " " + words[i];
    auto cmd = std::find_if(commands_.begin(), commands_.end(),
                            [&](const CommandSpec& c) { return c.path == candidate; });
    if (cmd != commands_.end()) {
      match.command = &*cmd;
      match.group.clear();
      match.wordsUsed = i + 1;
      return match;
    }
    if (!isGroup(candidate)) break;
    path = candidate;
    match.group = path;
    match.wordsUsed = i + 1;
  }
  return match;
}

std::string CommandTable::groupHelp(std::string_view group) const {
  std::ostringstream out;
  if (!group.empty()) {
    out << "\nGroup\n";
    auto g = std::find_if(groups_.begin(), groups_.end(),
                          [&](const Group& x) { return x.path == group; });
    out << "    berth " << group << " : " << (g != groups_.end() ? g->summary : "") << "\n";
  }
  std::vector<const Group*> subgroups;
  for (const auto& g : groups_) {
    if (isChildOf(g.path, group)) subgroups.push_back(&g);
  }
  std::vector<const CommandSpec*> commands;
  for (const auto& c : commands_) {
    if (isChildOf(c.path, group)) commands.push_back(&c);
  }
  auto byName = [](const auto* a, const auto* b) { return a->path < b->path; };
  std::sort(subgroups.begin(), subgroups.end(), byName);
  std::sort(commands.begin(), commands.end(), byName);
  if (!subgroups.empty()) {
    out << "\nSubgroups:\n";
    for (const auto* g : subgroups) listing(out, lastWord(g->path), g->summary);
  }
  if (!commands.empty()) {
    out << "\nCommands:\n";
    for (const auto* c : commands) listing(out, lastWord(c->path), c->summary);
  }
  out << "\nTo search for commands, run 'berth <group> --help'.\n";
  return out.str();
}

std::string CommandTable::commandHelp(const CommandSpec& spec) const {
  std::ostringstream out;
  out << "\nCommand\n    berth " << spec.path << " : " << spec.summary << "\n";
  if (!spec.longHelp.empty()) {
    std::istringstream lines(spec.longHelp);
    for (std::string line; std::getline(lines, line);) out << "        " << line << "\n";
  }
  if (!spec.positionals.empty() || !spec.options.empty()) {
    out << "\nArguments\n";
    for (const auto& p : spec.positionals) listing(out, p, "[Required]");
    std::vector<const OptionSpec*> sorted;
    for (const auto& o : spec.options) sorted.push_back(&o);
    // az lists required arguments first, then the rest, each alphabetically.
    std::stable_sort(sorted.begin(), sorted.end(), [](const OptionSpec* a, const OptionSpec* b) {
      if (a->required != b->required) return a->required;
      return a->name < b->name;
    });
    for (const auto* o : sorted) listing(out, optionLeft(*o), optionSummary(*o));
  }
  out << "\nGlobal Arguments\n";
  for (const auto& o : globalOptionSpecs()) {
    if (!spec.globalOptions && o.name != "--help") continue;
    const bool overridden = std::any_of(spec.options.begin(), spec.options.end(),
                                        [&](const OptionSpec& x) { return x.name == o.name; });
    if (!overridden) listing(out, optionLeft(o), optionSummary(o));
  }
  return out.str();
}

CommandTable buildCommandTable() {
  CommandTable table;
  registerLoginCommands(table);
  registerAccountCommands(table);
  registerProviderCommands(table);
  registerGroupCommands(table);
  registerAcrCommands(table);
  registerAcrCredentialCommands(table);
  registerAcrRepositoryCommands(table);
  registerAcrHealthCommands(table);
  registerAcrAuditCommands(table);
  registerAcrLoginCommands(table);
  registerAcrScopeMapCommands(table);
  registerAcrTokenCommands(table);
  registerRoleCommands(table);
  registerServicePrincipalCommands(table);
  registerJpCommand(table);
  return table;
}

}  // namespace berth::cli
