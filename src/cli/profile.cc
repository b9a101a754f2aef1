#include "cli/text_encoding.h"
#include "cli/profile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/unique_fd.h"

namespace berth::cli {
namespace {

constexpr std::string_view kFileName = "profile.json";



}  // namespace

std::filesystem::path profileDirectory(const char* configDirVariable, const char* home) {
  if (configDirVariable != nullptr && *configDirVariable != '\0') return configDirVariable;
  return std::filesystem::path(home != nullptr && *home != '\0' ? home : ".") / ".config" / "berth";
}

Result<std::optional<Profile>> loadProfile(const std::filesystem::path& dir) {
  const auto path = dir / kFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<Profile>{};
  std::ifstream in(path);
  if (!in) return fail(Errc::kInternal, "cannot read " + path.string() + ": " + errnoText());
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  auto str = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!doc.is_object() || str("server").empty()) {
    return fail(Errc::kInvalidParameter,
                path.string() + " is not a berth profile; run 'berth login' to write a new one");
  }
  Profile p;
  p.server = str("server");
  p.accessToken = str("accessToken");
  p.expiresOn = str("expiresOn");
  p.username = str("username");
  p.subscription = str("subscription");
  p.domain = str("domain");
  if (auto it = doc.find("dataPlane"); it != doc.end() && it->is_array()) {
    for (const auto& a : *it) {
      if (a.is_string()) p.dataPlane.push_back(a.get<std::string>());
    }
  }
  return std::optional<Profile>(std::move(p));
}

Status saveProfile(const std::filesystem::path& dir, const Profile& p) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::kInternal, "cannot create " + dir.string() + ": " + ec.message());
  // Tightened even if it existed: the directory holds a bearer token.
  if (::chmod(dir.c_str(), 0700) != 0) {
    return fail(Errc::kInternal, "cannot restrict " + dir.string() + " to 0700: " + errnoText());
  }
  nlohmann::ordered_json doc = {
      {"server", p.server},       {"accessToken", p.accessToken},   {"expiresOn", p.expiresOn},
      {"username", p.username},   {"subscription", p.subscription}, {"domain", p.domain},
      {"dataPlane", p.dataPlane},
  };
  const auto path = dir / kFileName;
  const auto tmp = dir / (std::string(kFileName) + ".tmp");
  ::unlink(tmp.c_str());
  // Created 0600 from the start, so the token is never readable by others, not even briefly.
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return fail(Errc::kInternal, "cannot create " + tmp.string() + ": " + errnoText());
  BERTH_TRY(writeAll(fd.get(), doc.dump(2) + "\n", tmp));
  if (::fsync(fd.get()) != 0) {
    return fail(Errc::kInternal, "cannot sync " + tmp.string() + ": " + errnoText());
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(Errc::kInternal, "cannot replace " + path.string() + ": " + errnoText());
  }
  return okStatus();
}

Result<bool> removeProfile(const std::filesystem::path& dir) {
  const auto path = dir / kFileName;
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return fail(Errc::kInternal, "cannot remove " + path.string() + ": " + errnoText());
}

}  // namespace berth::cli
