#pragma once
// What a command handler works with: its parsed options, the global options, the terminal, and
// lazily the signed-in profile and a management client. Built once per invocation by cli_app.

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/http_client.h"
#include "cli/management_client.h"
#include "cli/profile.h"

namespace berth::cli {

/// The process's outside world, injected so commands can be tested without a terminal.
struct Environment {
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool stdinIsTty = false;
  bool stdoutIsTty = false;
  std::filesystem::path configDir;
  /// Asks the user on the terminal (no echo when !echo); nullopt when there is no terminal.
  std::function<std::optional<std::string>(std::string_view prompt, bool echo)> prompt;
};

struct GlobalOptions {
  OutputFormat output = OutputFormat::kJson;
  std::optional<std::string> query;
  std::optional<std::string> subscription;
  bool onlyShowErrors = false;
  bool debug = false;
  bool verbose = false;
};

class CommandContext {
 public:
  CommandContext(const CommandSpec& spec, ParsedOptions args, GlobalOptions globals,
                 Environment& env);

  const CommandSpec& spec() const { return *spec_; }
  const ParsedOptions& args() const { return args_; }
  const GlobalOptions& globals() const { return globals_; }
  Environment& env() { return *env_; }
  std::ostream& out() { return *env_->out; }
  const HttpClient& http() const { return http_; }

  /// "WARNING: <message>" on stderr unless --only-show-errors.
  void warn(std::string_view message) const;

  /// The signed-in profile; "Please run 'berth login' to set up an account." without one, and
  /// a re-login hint when its token has expired.
  Result<const Profile*> profile();
  /// A client of the profile's server with its bearer token.
  Result<const ManagementClient*> api();
  /// --subscription resolved (by id or display name) against the server, else the profile's.
  Result<std::string> subscriptionId();
  /// "/subscriptions/<id>" for the subscription in effect.
  Result<std::string> subscriptionPath();

  /// true when --yes was given or the user answered y; false when they declined. Without a
  /// terminal to ask on it is an error telling them to pass --yes, as az does.
  Result<bool> confirm(std::string_view question);

 private:
  const CommandSpec* spec_;
  ParsedOptions args_;
  GlobalOptions globals_;
  Environment* env_;
  HttpClient http_;
  std::optional<Profile> profile_;
  std::unique_ptr<ManagementClient> api_;
  std::optional<std::string> subscription_;
};

}  // namespace berth::cli
