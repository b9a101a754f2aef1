#pragma once
// All az-style commands and their groups, looked up by the longest run of leading words that
// names a command or group, and the help text at every level (`berth acr --help`).

#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"

namespace berth::cli {

class CommandTable {
 public:
  void addGroup(std::string path, std::string summary);
  void add(CommandSpec spec);

  struct Match {
    const CommandSpec* command = nullptr;  // set when the words name a command
    std::string group;                     // else the deepest group they name ("" = top level)
    std::size_t wordsUsed = 0;
  };
  /// Walks `words` while they extend a known group or command path; options stop the walk.
  Match find(const std::vector<std::string>& words) const;

  std::string groupHelp(std::string_view group) const;
  std::string commandHelp(const CommandSpec& spec) const;

  const std::vector<CommandSpec>& commands() const { return commands_; }

 private:
  struct Group {
    std::string path;
    std::string summary;
  };
  bool isGroup(std::string_view path) const;

  std::vector<Group> groups_;
  std::vector<CommandSpec> commands_;
};

/// Each command group file registers its commands here.
void registerLoginCommands(CommandTable& table);
void registerAccountCommands(CommandTable& table);
void registerProviderCommands(CommandTable& table);
void registerGroupCommands(CommandTable& table);
void registerAcrCommands(CommandTable& table);
void registerAcrCredentialCommands(CommandTable& table);
void registerAcrRepositoryCommands(CommandTable& table);
void registerAcrHealthCommands(CommandTable& table);
void registerAcrAuditCommands(CommandTable& table);
void registerAcrLoginCommands(CommandTable& table);
void registerAcrScopeMapCommands(CommandTable& table);
void registerAcrTokenCommands(CommandTable& table);
void registerRoleCommands(CommandTable& table);
void registerServicePrincipalCommands(CommandTable& table);
void registerJpCommand(CommandTable& table);

/// The table with every group above registered.
CommandTable buildCommandTable();

}  // namespace berth::cli
