#pragma once
// TLS server contexts: one default certificate plus optional per-host certificates chosen by SNI
// (exact names first, then one-label wildcards "*.example.com"). The set is an immutable
// snapshot replaced atomically, like berth's other routing state: a handshake in progress keeps
// the snapshot it started with, and certificates for new registries appear without a restart.
//
// Every context speaks TLS 1.2 and 1.3 only, with forward-secret AEAD ciphers, and selects the
// ALPN protocol "http/1.1" (berth serves HTTP/1.1 only).

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "net/openssl_ptr.h"

namespace berth::net {

/// A certificate chain (leaf first) and its private key, as PEM text.
struct TlsIdentity {
  std::string certificateChainPem;
  std::string privateKeyPem;
};

/// Reads PEM files; errors name the file and say what is wrong with it.
Result<TlsIdentity> loadTlsIdentity(const std::filesystem::path& certificateFile,
                                    const std::filesystem::path& privateKeyFile);

/// A certificate served for the SNI names matching any of `hostPatterns` ("a.b.c" or "*.b.c").
struct SniCertificate {
  std::vector<std::string> hostPatterns;
  TlsIdentity identity;
};

/// One immutable generation of contexts. Sessions hold it (shared_ptr) for their lifetime, which
/// keeps every context the SNI callback may switch to alive.
class TlsContextSet {
 public:
  TlsContextSet(const TlsContextSet&) = delete;
  TlsContextSet& operator=(const TlsContextSet&) = delete;

  /// The context new TLS streams are created from; its SNI callback switches to the others.
  boost::asio::ssl::context& defaultContext() const noexcept { return *default_; }
  /// The context serving `serverName` (case-insensitive, a trailing dot ignored): an exact
  /// pattern, else the wildcard for everything after its first label, else nullptr (= default).
  SSL_CTX* select(std::string_view serverName) const;

 private:
  friend class TlsContextProvider;
  TlsContextSet() = default;

  std::unique_ptr<boost::asio::ssl::context> default_;
  TlsIdentity defaultIdentity_;
  std::vector<SniCertificate> sni_;
  std::unordered_map<std::string, std::shared_ptr<SSL_CTX>> exact_;
  std::unordered_map<std::string, std::shared_ptr<SSL_CTX>> wildcard_;  // key: suffix after "*."
};

class TlsContextProvider {
 public:
  /// Fails with kInvalidParameter when a certificate or key does not parse, the key does not
  /// match its certificate, or a host pattern is malformed.
  static Result<std::shared_ptr<TlsContextProvider>> create(TlsIdentity defaultIdentity,
                                                            std::vector<SniCertificate> sni = {});

  /// The current snapshot; lock-free for readers.
  std::shared_ptr<const TlsContextSet> current() const { return current_.load(); }

  /// Replaces the default certificate, keeping the SNI certificates. Builds the whole new set
  /// before publishing it: on failure the current one stays in service.
  Status replaceDefault(TlsIdentity identity);
  /// Adds certificates for more host names; a pattern already present now maps to `cert`.
  Status addCertificate(SniCertificate cert);

 private:
  TlsContextProvider() = default;
  static Result<std::shared_ptr<const TlsContextSet>> build(TlsIdentity defaultIdentity,
                                                            std::vector<SniCertificate> sni);

  std::mutex writeMu_;  // serializes writers; readers never take it
  std::atomic<std::shared_ptr<const TlsContextSet>> current_;
};

}  // namespace berth::net
