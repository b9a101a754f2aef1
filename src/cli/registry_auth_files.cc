#include "cli/text_encoding.h"
#include "cli/registry_auth_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/http_client.h"
#include "common/base64.h"
#include "common/unique_fd.h"

namespace berth::cli {
namespace {

namespace fs = std::filesystem;
using OrderedJson = nlohmann::ordered_json;

constexpr int kMaxSymlinkHops = 16;


Error fileError(const fs::path& path, std::string what) {
  return makeError(Errc::kInvalidParameter, path.string() + ": " + std::move(what) +
                                                "; fix or remove it and log in again (nothing "
                                                "was written)");
}

// Clients write through a symlinked config (dotfile managers do that): keep the link, replace
// its target.
Result<fs::path> followSymlinks(fs::path path) {
  for (int hop = 0; hop < kMaxSymlinkHops; ++hop) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(path, ec))) return path;
    fs::path target = fs::read_symlink(path, ec);
    if (ec)
      return fail(Errc::kInternal, "cannot read the link " + path.string() + ": " + ec.message());
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  return fail(Errc::kInvalidParameter, path.string() + ": too many levels of symbolic links");
}


// mkdir -p, each directory it creates private (0700): they will hold credentials.
Status createPrivateDirectories(const fs::path& dir) {
  if (dir.empty()) return okStatus();
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return okStatus();
  BERTH_TRY(createPrivateDirectories(dir.parent_path()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(Errc::kInternal, "cannot create " + dir.string() + ": " + errnoText());
  }
  return okStatus();
}

}  // namespace

fs::path dockerConfigFile(const char* dockerConfigVariable, const char* home) {
  if (dockerConfigVariable != nullptr && *dockerConfigVariable != '\0') {
    return fs::path(dockerConfigVariable) / "config.json";
  }
  return fs::path(home != nullptr && *home != '\0' ? home : ".") / ".docker" / "config.json";
}

fs::path containersAuthFile(const char* registryAuthFileVariable, const char* xdgRuntimeDir,
                            uid_t uid) {
  if (registryAuthFileVariable != nullptr && *registryAuthFileVariable != '\0') {
    return registryAuthFileVariable;
  }
  if (xdgRuntimeDir != nullptr && *xdgRuntimeDir != '\0') {
    return fs::path(xdgRuntimeDir) / "containers" / "auth.json";
  }
  return fs::path("/run/containers") / std::to_string(uid) / "auth.json";
}

Result<AuthFileUpdate> prepareAuthFileUpdate(const fs::path& file, std::string_view server,
                                             std::string_view username, std::string_view password) {
  auto target = followSymlinks(file);
  if (!target.ok()) return target.error();
  AuthFileUpdate update;
  update.path = *target;

  OrderedJson doc = OrderedJson::object();
  std::error_code ec;
  if (fs::exists(update.path, ec)) {
    std::ifstream in(update.path, std::ios::binary);
    if (!in)
      return fail(Errc::kInternal, "cannot read " + update.path.string() + ": " + errnoText());
    std::stringstream text;
    text << in.rdbuf();
    const std::string raw = text.str();
    if (raw.find_first_not_of(" \t\r\n") != std::string::npos) {
      try {
        doc = OrderedJson::parse(raw);
      } catch (const nlohmann::json::exception& e) {
        return fileError(update.path, std::string("not valid JSON (") + e.what() + ")");
      }
      if (!doc.is_object()) return fileError(update.path, "not a JSON object");
    }
  }
  if (!doc.contains("auths")) doc["auths"] = OrderedJson::object();
  if (!doc["auths"].is_object()) return fileError(update.path, "\"auths\" is not a JSON object");

  std::string pair(username);
  pair += ':';
  pair += password;
  // Replaced whole: an old identitytoken or registrytoken beside "auth" would win over it.
  doc["auths"][std::string(server)] = OrderedJson{{"auth", base64Encode(pair)}};

  if (auto store = doc.find("credsStore");
      store != doc.end() && store->is_string() && !store->get<std::string>().empty()) {
    update.notes.push_back(update.path.string() + " names the credential store '" +
                           store->get<std::string>() +
                           "': docker asks it instead of this file; run 'docker login " +
                           std::string(server) + "' with the same credentials to use it");
  }
  if (auto helpers = doc.find("credHelpers");
      helpers != doc.end() && helpers->is_object() && helpers->contains(std::string(server))) {
    update.notes.push_back(update.path.string() + " names a credential helper for " +
                           std::string(server) + ": docker asks it instead of this file");
  }
  update.content = doc.dump(1, '\t', false, nlohmann::json::error_handler_t::replace) + "\n";
  return update;
}

Status writeAuthFile(const AuthFileUpdate& update) {
  return writePrivateFile(update.path, update.content);
}

Status writePrivateFile(const fs::path& path, std::string_view content) {
  const fs::path dir = path.parent_path();
  BERTH_TRY(createPrivateDirectories(dir));
  std::string tmpl = path.string() + ".tmp-XXXXXX";
  // mkstemp creates the file 0600, so the credentials are never readable by others.
  UniqueFd fd(::mkstemp(tmpl.data()));
  if (!fd)
    return fail(Errc::kInternal, "cannot create a file in " + dir.string() + ": " + errnoText());
  const fs::path tmp = tmpl;
  auto abandon = [&](Error e) -> Status {
    ::unlink(tmp.c_str());
    return e;
  };
  if (::fchmod(fd.get(), 0600) != 0) {
    return abandon(makeError(Errc::kInternal, "cannot chmod " + tmp.string() + ": " + errnoText()));
  }
  if (auto written = writeAll(fd.get(), content, tmp); !written.ok()) {
    return abandon(written.error());
  }
  if (::fsync(fd.get()) != 0) {
    return abandon(makeError(Errc::kInternal, "cannot sync " + tmp.string() + ": " + errnoText()));
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return abandon(
        makeError(Errc::kInternal, "cannot replace " + path.string() + ": " + errnoText()));
  }
  UniqueFd dirFd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd) ::fsync(dirFd.get());  // best effort: the rename itself already happened
  return okStatus();
}

}  // namespace berth::cli
