#include "auth/signing_keys.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/unique_fd.h"

namespace berth::auth {

namespace fs = std::filesystem;

void EvpPkeyFree::operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }

namespace {

/// 15 bytes = 120 bits: collision-free for any realistic number of keys, and a multiple of 3 so
/// the base64url form has no partial group (20 characters).
constexpr std::size_t kKidBytes = 15;
constexpr std::string_view kActiveFile = "active";
constexpr std::string_view kKeySuffix = ".pem";
/// A PEM P-256 key is ~240 bytes; anything much larger is not one of ours.
constexpr std::size_t kMaxKeyFileBytes = 16 * 1024;

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

std::string errnoText() { return std::strerror(errno); }

Error keyFileError(const fs::path& path, const std::string& what) {
  return internalError("token signing key " + path.string() + ": " + what);
}

bool isP256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) {
    return false;
  }
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1) {
    return false;
  }
  const std::string_view name(group, len);
  return name == "prime256v1" || name == "P-256";
}

Result<std::string> publicKeyDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0 || der == nullptr) {
    return internalError("cannot encode a token signing key's public half");
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// Writes `data` to `path` through a temporary file so a crash never leaves a half-written key.
Status writeFileAtomically(const fs::path& path, std::string_view data, mode_t mode) {
  fs::path tmp = path;
  tmp += ".tmp";
  UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!out) {
    return keyFileError(tmp, "cannot create it: " + errnoText());
  }
  // O_CREAT's mode is filtered by the umask; a private key must not be readable by others.
  if (::fchmod(out.get(), mode) != 0) {
    return keyFileError(tmp, "cannot set its mode: " + errnoText());
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(out.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      ::unlink(tmp.c_str());
      return keyFileError(tmp, "cannot write it: " + errnoText());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(out.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return keyFileError(path, "cannot store it: " + errnoText());
  }
  // Make the rename itself durable, or a crash could lose a key that already signed tokens.
  UniqueFd dir(::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) {
    (void)::fsync(dir.get());
  }
  return okStatus();
}

Result<std::string> readSmallFile(const fs::path& path) {
  UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) {
    return keyFileError(path, "cannot open it: " + errnoText());
  }
  std::string data;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(in.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return keyFileError(path, "cannot read it: " + errnoText());
    }
    if (n == 0) {
      break;
    }
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kMaxKeyFileBytes) {
      return keyFileError(path, "it is too large to be a P-256 private key");
    }
  }
  return data;
}

}  // namespace

Result<SigningKey> SigningKey::fromPkey(EvpPkeyPtr key) {
  if (!key || !isP256(key.get())) {
    return fail(Errc::kInvalidParameter, "a token signing key must be an EC key on P-256 (ES256)");
  }
  auto der = publicKeyDer(key.get());
  if (!der.ok()) {
    return fail(std::move(der).error());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestLen = 0;
  if (EVP_Digest(der->data(), der->size(), digest, &digestLen, EVP_sha256(), nullptr) != 1 ||
      digestLen < kKidBytes) {
    return internalError("cannot hash a token signing key");
  }
  std::string kid =
      base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), kKidBytes));
  return SigningKey(std::move(key), std::move(kid));
}

Result<SigningKey> SigningKey::generate() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    return internalError("cannot generate a P-256 token signing key");
  }
  return fromPkey(std::move(key));
}

Result<SigningKey> SigningKey::fromPem(std::string_view pem) {
  if (pem.size() > kMaxKeyFileBytes) {
    return fail(Errc::kInvalidParameter, "a token signing key PEM is too large");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return internalError("cannot allocate a memory BIO");
  }
  // An empty passphrase callback result: encrypted keys fail instead of prompting on a terminal.
  auto noPassphrase = [](char*, int, int, void*) -> int { return 0; };
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
  if (!key) {
    return fail(Errc::kInvalidParameter,
                "not an unencrypted PEM private key; generate one with "
                "`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`");
  }
  return fromPkey(std::move(key));
}

Result<std::string> SigningKey::privatePem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return internalError("cannot encode a token signing key as PEM");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) {
    return internalError("cannot encode a token signing key as PEM");
  }
  return std::string(data, static_cast<std::size_t>(len));
}

nlohmann::json SigningKey::publicJwk() const {
  // Uncompressed point: 0x04 || X (32 bytes) || Y (32 bytes).
  unsigned char point[65];
  std::size_t len = 0;
  nlohmann::json jwk = {
      {"kty", "EC"}, {"crv", "P-256"}, {"kid", kid_}, {"alg", "ES256"}, {"use", "sig"}};
  if (EVP_PKEY_get_octet_string_param(pkey_.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                      &len) == 1 &&
      len == sizeof(point) && point[0] == 0x04) {
    jwk["x"] = base64UrlEncode(std::string_view(reinterpret_cast<const char*>(point + 1), 32));
    jwk["y"] = base64UrlEncode(std::string_view(reinterpret_cast<const char*>(point + 33), 32));
  }
  return jwk;
}

Result<SigningKeySet> SigningKeySet::inMemory() {
  auto key = SigningKey::generate();
  if (!key.ok()) {
    return fail(std::move(key).error());
  }
  std::vector<SigningKey> keys;
  keys.push_back(std::move(*key));
  return fromKeys(std::move(keys));
}

Result<SigningKeySet> SigningKeySet::fromKeys(std::vector<SigningKey> keys) {
  if (keys.empty()) {
    return fail(Errc::kInvalidParameter, "a signing key set needs at least one key");
  }
  SigningKeySet set;
  for (auto& key : keys) {
    set.keys_.push_back(std::make_shared<const SigningKey>(std::move(key)));
    set.files_.emplace_back();
  }
  set.active_ = 0;
  return set;
}

Result<SigningKeySet> SigningKeySet::openDirectory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (!fs::create_directories(dir, ec) || ec) {
      return keyFileError(dir, "cannot create the directory: " + ec.message());
    }
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  if (!fs::is_directory(dir, ec)) {
    return keyFileError(dir, "it is not a directory");
  }

  struct Loaded {
    fs::path path;
    fs::file_time_type mtime;
  };
  std::vector<Loaded> paths;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (!it->is_regular_file(ec) || p.extension() != kKeySuffix) {
      continue;
    }
    paths.push_back({p, it->last_write_time(ec)});
  }
  if (ec) {
    return keyFileError(dir, "cannot list the directory: " + ec.message());
  }
  // Oldest first, so kids() and the "newest wins" fallback are deterministic.
  std::sort(paths.begin(), paths.end(), [](const Loaded& a, const Loaded& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.path < b.path;
  });

  SigningKeySet set;
  set.dir_ = dir;
  for (const auto& loaded : paths) {
    auto pem = readSmallFile(loaded.path);
    if (!pem.ok()) {
      return fail(std::move(pem).error());
    }
    auto key = SigningKey::fromPem(*pem);
    if (!key.ok()) {
      return keyFileError(loaded.path, key.error().message);
    }
    if (set.find(key->kid()) != nullptr) {
      continue;  // the same key under two names verifies the same tokens; load it once
    }
    set.keys_.push_back(std::make_shared<const SigningKey>(std::move(*key)));
    set.files_.push_back(loaded.path);
  }

  if (set.keys_.empty()) {
    auto kid = set.rotate();
    if (!kid.ok()) {
      return fail(std::move(kid).error());
    }
    return set;
  }

  set.active_ = set.keys_.size() - 1;
  bool activeFound = false;
  const fs::path activePath = dir / kActiveFile;
  if (fs::exists(activePath, ec)) {
    auto text = readSmallFile(activePath);
    if (!text.ok()) {
      return fail(std::move(text).error());
    }
    std::string_view kid = *text;
    while (!kid.empty() && (kid.back() == '\n' || kid.back() == '\r' || kid.back() == ' ')) {
      kid.remove_suffix(1);
    }
    for (std::size_t i = 0; i < set.keys_.size(); ++i) {
      if (set.keys_[i]->kid() == kid) {
        set.active_ = i;
        activeFound = true;
      }
    }
  }
  if (!activeFound) {
    BERTH_TRY(set.persistActive());
  }
  return set;
}

const SigningKey* SigningKeySet::find(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (key->kid() == kid) {
      return key.get();
    }
  }
  return nullptr;
}

std::vector<std::string> SigningKeySet::kids() const {
  std::vector<std::string> out;
  for (const auto& key : keys_) {
    out.push_back(key->kid());
  }
  return out;
}

nlohmann::json SigningKeySet::jwks() const {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& key : keys_) {
    keys.push_back(key->publicJwk());
  }
  return {{"keys", std::move(keys)}};
}

Status SigningKeySet::persistActive() const {
  if (dir_.empty()) {
    return okStatus();
  }
  return writeFileAtomically(dir_ / kActiveFile, active().kid() + "\n", 0600);
}

Result<std::string> SigningKeySet::rotate() {
  auto key = SigningKey::generate();
  if (!key.ok()) {
    return fail(std::move(key).error());
  }
  fs::path file;
  if (!dir_.empty()) {
    auto pem = key->privatePem();
    if (!pem.ok()) {
      return fail(std::move(pem).error());
    }
    file = dir_ / (key->kid() + std::string(kKeySuffix));
    BERTH_TRY(writeFileAtomically(file, *pem, 0600));
  }
  std::string kid = key->kid();
  const std::size_t previous = active_;
  keys_.push_back(std::make_shared<const SigningKey>(std::move(*key)));
  files_.push_back(file);
  active_ = keys_.size() - 1;
  if (auto st = persistActive(); !st.ok()) {
    // The key file exists but is not active; it verifies nothing it did not sign, so leave it and
    // keep signing with the previous key rather than diverge from what a restart would load.
    active_ = previous;
    return fail(std::move(st).error());
  }
  return kid;
}

Status SigningKeySet::remove(std::string_view kid) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i]->kid() != kid) {
      continue;
    }
    if (i == active_) {
      return fail(Errc::kConflict,
                  "the active token signing key cannot be removed; rotate to a new key first");
    }
    if (!files_[i].empty() && ::unlink(files_[i].c_str()) != 0 && errno != ENOENT) {
      return keyFileError(files_[i], "cannot delete it: " + errnoText());
    }
    keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
    files_.erase(files_.begin() + static_cast<std::ptrdiff_t>(i));
    if (active_ > i) {
      --active_;
    }
    return okStatus();
  }
  return fail(Errc::kResourceNotFound, "no token signing key has id " + std::string(kid));
}

}  // namespace berth::auth
