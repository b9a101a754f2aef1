#pragma once
// The files container clients read registry credentials from, as `berth acr login` writes them:
// docker's config ($DOCKER_CONFIG/config.json, default ~/.docker/config.json) and the containers
// auth file of podman, skopeo and buildah ($REGISTRY_AUTH_FILE, else
// $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/<uid>/auth.json). Both hold
// {"auths": {"<login server>": {"auth": base64("<user>:<password>")}}}.
//
// An update is prepared first (read, validate, merge in memory) and written only when every file
// involved could be prepared, so a malformed file stops the login before anything changes.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::cli {

/// $DOCKER_CONFIG/config.json if set, else $HOME/.docker/config.json. The caller passes the
/// variables (null when unset) so tests need not touch the process environment.
std::filesystem::path dockerConfigFile(const char* dockerConfigVariable, const char* home);

/// $REGISTRY_AUTH_FILE if set, else $XDG_RUNTIME_DIR/containers/auth.json, else
/// /run/containers/<uid>/auth.json -- the order containers/image reads them in.
std::filesystem::path containersAuthFile(const char* registryAuthFileVariable,
                                         const char* xdgRuntimeDir, uid_t uid);

/// One auth file's new content, merged and validated, not yet written.
struct AuthFileUpdate {
  std::filesystem::path path;      // where it is written (a symlink's target)
  std::string content;             // the whole new file
  std::vector<std::string> notes;  // advice for the user (e.g. a credential helper overrides it)
};

/// Reads `file` (missing or empty: {}), sets auths[server] = {"auth": base64(user:password)} and
/// keeps every other entry and key. A file that is not a JSON object, or whose "auths" is not an
/// object, is an error naming it; nothing is written then.
Result<AuthFileUpdate> prepareAuthFileUpdate(const std::filesystem::path& file,
                                             std::string_view server, std::string_view username,
                                             std::string_view password);

/// Writes the update with writePrivateFile.
Status writeAuthFile(const AuthFileUpdate& update);

/// Replaces `path` atomically with `content`: missing parent directories created (0700), a
/// temporary file of mode 0600 in the same directory, fsync, rename over the old file, fsync of
/// the directory. Readers see the old file or the new one, and no one else can read either.
Status writePrivateFile(const std::filesystem::path& path, std::string_view content);

}  // namespace berth::cli
