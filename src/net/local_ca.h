#pragma once
// A certificate authority private to one berth data directory. It exists because public and
// cloud certificates do not cover the names a private registry is reached by (notably
// <name>.privatelink.<domain>): the operator trusts ca.pem once and every leaf berth issues for
// its login servers, data endpoints and private-link names verifies.
//
// Files: <dir>/ca.pem (the CA certificate, 0644: meant to be copied to clients) and
// <dir>/ca.key (its private key, 0600). Keys are ECDSA P-256, signatures SHA-256.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "net/openssl_ptr.h"

namespace berth::net {

struct IssuedCert {
  /// The leaf followed by the CA certificate, as servers send it.
  std::string certificateChainPem;
  std::string privateKeyPem;
  std::int64_t notAfterUnixSeconds = 0;
};

class LocalCa {
 public:
  /// The CA certificate's lifetime: long, because every client that trusts it must be touched to
  /// replace it.
  static constexpr int kCaValidityDays = 3650;
  /// Leaves stay under the 398-day ceiling that browsers and Apple platforms enforce, so an
  /// operator may reuse one anywhere.
  static constexpr int kLeafValidityDays = 397;

  /// Loads <dir>/ca.pem and ca.key, or creates both (and dir, 0700) when neither exists. One
  /// without the other is an error naming both files: silently replacing a CA would break
  /// every client that trusts the old one.
  static Result<LocalCa> openOrCreate(const std::filesystem::path& dir, const Clock& clock);

  /// True when openOrCreate() made a new CA (the daemon then tells the operator where it is).
  bool created() const noexcept { return created_; }
  const std::filesystem::path& certificatePath() const noexcept { return certificatePath_; }
  std::string certificatePem() const;

  /// Issues a serverAuth leaf for these names, signed by the CA, with a fresh key. DNS names may
  /// start with "*." (one label, as TLS clients match wildcards); IPs are v4 or v6 literals.
  /// Fails with kInvalidParameter naming a malformed entry, or when both lists are empty.
  Result<IssuedCert> issue(const std::vector<std::string>& dnsNames,
                           const std::vector<std::string>& ips) const;

 private:
  LocalCa(X509Ptr cert, EvpPkeyPtr key, std::filesystem::path certificatePath, bool created,
          const Clock& clock);

  X509Ptr cert_;
  EvpPkeyPtr key_;
  std::filesystem::path certificatePath_;
  bool created_ = false;
  const Clock* clock_;
};

}  // namespace berth::net
