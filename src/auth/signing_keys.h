#pragma once
// The asymmetric keys that sign data-plane access tokens (ES256: ECDSA on P-256 with SHA-256).
//
// On disk a key set is a directory (mode 0700) of PKCS#8 PEM private keys, one file per key named
// `<kid>.pem` (mode 0600), plus a file `active` holding the key id that signs new tokens. Every key
// in the directory verifies. Rotation: rotate() creates a key and makes it active; tokens signed by
// the previous key keep verifying until that key is removed (after the longest token lifetime has
// passed), so a rotation never logs anyone out.
//
// The key id is derived from the key itself: base64url of the first 15 bytes of SHA-256 over the
// DER SubjectPublicKeyInfo (20 characters). It is stable across restarts and copies, and the file
// name is informational only.
//
// Thread-safety: a SigningKeySet is a value. Concurrent const use is safe; rotate()/remove() mutate
// and must not race with readers. Copies are cheap (keys are shared, immutable), so the daemon
// rotates a copy and then publishes it, as with any other immutable snapshot.

#include <openssl/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::auth {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const noexcept;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

/// One P-256 key pair. Immutable after construction.
class SigningKey {
 public:
  /// A fresh key from OpenSSL's CSPRNG.
  static Result<SigningKey> generate();
  /// Parses a PEM private key; kInvalidParameter unless it is an EC key on P-256.
  static Result<SigningKey> fromPem(std::string_view pem);

  const std::string& kid() const { return kid_; }
  /// The key, owned by this object; never null.
  EVP_PKEY* pkey() const { return pkey_.get(); }
  /// PKCS#8 PEM of the private key (what is written to `<kid>.pem`).
  Result<std::string> privatePem() const;
  /// The public key as a JWK (RFC 7517/7518): kty, crv, x, y, kid, alg, use.
  nlohmann::json publicJwk() const;

 private:
  SigningKey(EvpPkeyPtr key, std::string kid) : pkey_(std::move(key)), kid_(std::move(kid)) {}
  static Result<SigningKey> fromPkey(EvpPkeyPtr key);

  EvpPkeyPtr pkey_;
  std::string kid_;
};

class SigningKeySet {
 public:
  /// Loads every `*.pem` in `dir` (creating the directory, mode 0700, when absent). When the
  /// directory holds no key, one is generated and written. The active key is the one named by
  /// `dir/active`; when that file is missing or names no loaded key, the newest key file wins and
  /// `active` is rewritten. kInternal naming the file when a key cannot be read or is not P-256.
  static Result<SigningKeySet> openDirectory(const std::filesystem::path& dir);
  /// A set held only in memory with one fresh key; rotate()/remove() touch no files. For tests and
  /// for daemons run without a data directory.
  static Result<SigningKeySet> inMemory();
  /// A set of the given keys held only in memory; the first is active. kInvalidParameter if empty.
  static Result<SigningKeySet> fromKeys(std::vector<SigningKey> keys);

  /// The key that signs new tokens.
  const SigningKey& active() const { return *keys_[active_]; }
  /// Any key of the set (the active one included), or nullptr for an unknown kid.
  const SigningKey* find(std::string_view kid) const;
  /// All keys, oldest first.
  std::vector<std::string> kids() const;
  /// {"keys":[<public JWK>...]} for publishing the verification keys.
  nlohmann::json jwks() const;

  /// Creates a key, persists it (0600) and makes it active; returns its kid. The previous keys keep
  /// verifying. kInternal when the directory cannot be written (nothing changes then).
  Result<std::string> rotate();
  /// Deletes a retired key: tokens it signed stop verifying at once. kConflict for the active key
  /// (rotate first), kResourceNotFound for an unknown kid.
  Status remove(std::string_view kid);

 private:
  SigningKeySet() = default;
  Status persistActive() const;

  std::filesystem::path dir_;  // empty: in memory only
  std::vector<std::shared_ptr<const SigningKey>> keys_;
  std::vector<std::filesystem::path> files_;  // parallel to keys_; empty paths in memory
  std::size_t active_ = 0;
};

}  // namespace berth::auth
