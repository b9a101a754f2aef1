#include "auth/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/unique_fd.h"

namespace berth::auth {

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

Error keyError(const std::filesystem::path& file, const std::string& what) {
  return internalError("secret key " + file.string() + ": " + what +
                       "; check the data directory's permissions");
}

}  // namespace

SecretBox SecretBox::fromKey(std::string key) { return SecretBox(std::move(key)); }

Result<SecretBox> SecretBox::openKeyFile(const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd && errno == ENOENT) {
    std::string key(kKeyBytes, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size()));
    std::filesystem::path tmp = file;
    tmp += ".tmp";
    UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!out || ::write(out.get(), key.data(), key.size()) != static_cast<ssize_t>(key.size()) ||
        ::fsync(out.get()) != 0 || ::rename(tmp.c_str(), file.c_str()) != 0) {
      return keyError(file, std::string("cannot create it: ") + std::strerror(errno));
    }
    return SecretBox(std::move(key));
  }
  if (!fd) return keyError(file, std::string("cannot open it: ") + std::strerror(errno));
  std::string key(kKeyBytes + 1, '\0');
  ssize_t n = ::read(fd.get(), key.data(), key.size());
  if (n != static_cast<ssize_t>(kKeyBytes)) return keyError(file, "it is not 32 bytes long");
  key.resize(kKeyBytes);
  return SecretBox(std::move(key));
}

Result<std::string> SecretBox::seal(std::string_view plaintext) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  RAND_bytes(bytes, kNonceBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()), bytes) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes + kNonceBytes, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          bytes + kNonceBytes + plaintext.size()) != 1) {
    return internalError("AES-GCM encryption failed");
  }
  return out;
}

Result<std::string> SecretBox::open(std::string_view sealed) const {
  if (sealed.size() < kNonceBytes + kTagBytes) return internalError("sealed secret is truncated");
  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed.data());
  const std::size_t textLen = sealed.size() - kNonceBytes - kTagBytes;
  std::string out(textLen, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string tag(sealed.substr(kNonceBytes + textLen));
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()), bytes) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        bytes + kNonceBytes, static_cast<int>(textLen)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) != 1) {
    return internalError("a stored secret failed authentication: the data or secret.key changed");
  }
  return out;
}

}  // namespace berth::auth
