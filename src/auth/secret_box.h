#pragma once
// Authenticated encryption (AES-256-GCM) for secrets the server must be able to show again, such
// as a registry's admin passwords (`acr credential show` returns them, as the cloud does). The key
// lives in its own file (mode 0600) beside the database, so a copy of the database alone reveals
// nothing.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::auth {

class SecretBox {
 public:
  /// Reads the 32-byte key, creating it with fresh random bytes (mode 0600) when absent.
  static Result<SecretBox> openKeyFile(const std::filesystem::path& file);
  static SecretBox fromKey(std::string key);  // for tests

  /// nonce || ciphertext || tag, binary.
  Result<std::string> seal(std::string_view plaintext) const;
  /// kInternal when the data was tampered with or sealed under another key.
  Result<std::string> open(std::string_view sealed) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace berth::auth
