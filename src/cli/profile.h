#pragma once
// The signed-in state of the CLI: which management server, the token it issued, the default
// subscription, and the data-plane facts the registry commands need. One JSON file,
// $BERTH_CONFIG_DIR/profile.json (default ~/.config/berth/profile.json), readable only by its
// owner because it holds a bearer token.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::cli {

struct Profile {
  std::string server;       // "http://127.0.0.1:5001"
  std::string accessToken;  // opaque bearer token from POST /auth/token
  std::string expiresOn;    // RFC 3339
  std::string username;
  std::string subscription;  // default subscription id (the uuid, not the /subscriptions/ path)
  std::string domain;        // login servers are <name>.<domain>
  std::vector<std::string> dataPlane;  // "host:port" addresses of the daemon's registry listener
};

/// $BERTH_CONFIG_DIR if set, else $HOME/.config/berth. The caller passes the two variables (null
/// when unset) so tests need not touch the process environment.
std::filesystem::path profileDirectory(const char* configDirVariable, const char* homeVariable);

/// nullopt when no profile exists. A file that is not a valid profile is an error naming it.
Result<std::optional<Profile>> loadProfile(const std::filesystem::path& dir);
/// Creates the directory (0700) if needed and replaces profile.json atomically with a 0600 file.
Status saveProfile(const std::filesystem::path& dir, const Profile& profile);
/// Removes profile.json; true if there was one.
Result<bool> removeProfile(const std::filesystem::path& dir);

}  // namespace berth::cli
