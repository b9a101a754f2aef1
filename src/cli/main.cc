// berth: one binary for the daemon (`berth serve`), its maintenance tools, and the az-style
// client of the management API (`berth acr ...`, `berth group ...`).

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_app.h"
#include "cli/commands.h"
#include "cli/version.h"

namespace berth::cli {

int reportError(const std::string& message) {
  std::cerr << "berth: error: " << message << "\n";
  return 1;
}

namespace {

void printHelp(const CommandTable& table) {
  std::cout << "berth " << kBerthVersion << " - a private-by-default OCI container registry\n\n"
            << "Usage: berth <command> [flags]\n\n"
            << "Daemon:\n"
            << "    serve                      : run the registry daemon\n"
            << "    gc                         : delete unreferenced blobs and untagged "
               "manifests\n"
            << "    signing-key                : list, rotate or remove the keys that sign "
               "registry tokens\n"
            << "    version                    : print the version\n"
            << "\nClient of the management API (az-style; see docs/cli.md):\n"
            << table.groupHelp("");
}

// Reads one line from the terminal, echo off for secrets; restores the terminal either way.
std::optional<std::string> promptTerminal(std::string_view prompt, bool echo) {
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool tty = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty && !echo) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty && !echo) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!got) return std::nullopt;
  return line;
}

}  // namespace
}  // namespace berth::cli

int main(int argc, char** argv) {
  using namespace berth::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  const CommandTable table = buildCommandTable();
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printHelp(table);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  try {
    if (command == "serve") return runServe({args.begin() + 1, args.end()});
    if (command == "gc") return runGc({args.begin() + 1, args.end()});
    if (command == "signing-key") return runSigningKey({args.begin() + 1, args.end()});
    if (command == "version" || command == "--version") {
      std::cout << "berth " << kBerthVersion << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    return reportError(std::string("unexpected failure: ") + e.what());
  }
  Environment env;
  env.in = &std::cin;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.stdinIsTty = ::isatty(STDIN_FILENO) == 1;
  env.stdoutIsTty = ::isatty(STDOUT_FILENO) == 1;
  env.configDir = profileDirectory(std::getenv("BERTH_CONFIG_DIR"), std::getenv("HOME"));
  env.prompt = promptTerminal;
  return runCommandLine(table, args, env);
}
