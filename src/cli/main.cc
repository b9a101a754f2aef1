// berth: one binary for the daemon (`berth serve`) and its tools.

#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace berth::cli {

int reportError(const std::string& message) {
  std::cerr << "berth: error: " << message << "\n";
  return 1;
}

namespace {

constexpr std::string_view kVersion = "0.1.0";

void printHelp() {
  std::cout << "berth " << kVersion << " - a private-by-default OCI container registry\n\n"
            << "Usage: berth <command> [flags]\n\n"
            << "Commands:\n"
            << "  serve     run the registry daemon\n"
            << "  gc        delete unreferenced blobs and untagged manifests\n"
            << "  version   print the version\n\n"
            << "Run 'berth <command> --help' for a command's flags.\n";
}

}  // namespace
}  // namespace berth::cli

int main(int argc, char** argv) {
  using namespace berth::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printHelp();
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "serve") return runServe(args);
    if (command == "gc") return runGc(args);
    if (command == "version" || command == "--version") {
      std::cout << "berth " << kVersion << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    return reportError(std::string("unexpected failure: ") + e.what());
  }
  return reportError("'" + command + "' is not a berth command; see 'berth --help'");
}
