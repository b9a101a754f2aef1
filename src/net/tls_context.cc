#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstring>

#include "net/host_name.h"

namespace berth::net {

namespace {

/// TLS 1.2 suites: ECDHE only (forward secrecy), AEAD only; TLS 1.3 keeps OpenSSL's defaults,
/// which are all AEAD. Mozilla's "intermediate" profile minus the DHE suites nobody needs.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr std::string_view kHttp11 = "http/1.1";
/// Sessions resume only within berth's own contexts.
constexpr unsigned char kSessionIdContext[] = "berth";

/// Chooses "http/1.1" from the client's ALPN list. A client offering only other protocols (h2)
/// gets the RFC 7301 no_application_protocol alert instead of an HTTP/1.1 reply it cannot parse.
int selectAlpn(SSL*, const unsigned char** out, unsigned char* outLen, const unsigned char* in,
               unsigned int inLen, void*) {
  for (unsigned int i = 0; i < inLen;) {
    const unsigned int len = in[i];
    if (i + 1 + len > inLen) break;
    if (len == kHttp11.size() && std::memcmp(in + i + 1, kHttp11.data(), len) == 0) {
      *out = in + i + 1;
      *outLen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/// Runs inside the handshake on the default context of the set given as `arg`.
int selectCertificate(SSL* ssl, int* alert, void* arg) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;  // no SNI (an IP literal): the default serves
  SSL_CTX* ctx = static_cast<const TlsContextSet*>(arg)->select(name);
  if (ctx != nullptr && SSL_set_SSL_CTX(ssl, ctx) == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

Error invalid(const std::string& what) {
  return makeError(Errc::kInvalidParameter, openSslError(what));
}

/// One server context with berth's protocol settings and the identity's certificate and key.
/// Every context gets the same settings because OpenSSL reads ALPN from the context the SNI
/// callback switched to.
Result<SslCtxPtr> makeContext(const TlsIdentity& identity, const std::string& label) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return makeError(Errc::kInternal, openSslError("cannot create a TLS context"));
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx.get(), kTls12Ciphers) != 1 ||
      SSL_CTX_set_session_id_context(ctx.get(), kSessionIdContext, sizeof kSessionIdContext - 1) !=
          1) {
    return makeError(Errc::kInternal, openSslError("cannot configure a TLS context"));
  }
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // An idle keep-alive connection then holds no 2 x 17 KiB record buffers: with thousands of
  // pull clients memory matters more than one allocation per record.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_alpn_select_cb(ctx.get(), selectAlpn, nullptr);

  BioPtr certBio = memoryBio(identity.certificateChainPem);
  X509Ptr leaf(PEM_read_bio_X509_AUX(certBio.get(), nullptr, nullptr, nullptr));
  if (!leaf) return invalid(label + ": the certificate is not PEM");
  if (SSL_CTX_use_certificate(ctx.get(), leaf.get()) != 1) {
    return invalid(label + ": the certificate is not usable");
  }
  // The rest of the file is the chain sent after the leaf (intermediates, or our local CA).
  while (X509Ptr next{PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr)}) {
    if (SSL_CTX_add1_chain_cert(ctx.get(), next.get()) != 1) {
      return invalid(label + ": a chain certificate is not usable");
    }
  }
  ERR_clear_error();  // the loop above ends on "no start line"

  BioPtr keyBio = memoryBio(identity.privateKeyPem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!key) return invalid(label + ": the private key is not PEM (or is encrypted)");
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return invalid(label + ": the private key does not belong to the certificate");
  }
  return ctx;
}

Result<std::string> readFile(const std::filesystem::path& file, const char* what) {
  BioPtr bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return fail(Errc::kInvalidParameter, std::string("cannot read the TLS ") + what + " " +
                                             file.string() + ": " + std::strerror(errno));
  }
  std::string out;
  char chunk[4096];
  int n = 0;
  while ((n = BIO_read(bio.get(), chunk, sizeof chunk)) > 0)
    out.append(chunk, static_cast<std::size_t>(n));
  return out;
}

/// Lowercases a pattern and checks it; "" when it is not a host name or one-label wildcard.
std::string normalizePattern(std::string_view pattern) {
  std::string p = lowerAscii(pattern);
  if (!p.empty() && p.back() == '.') p.pop_back();
  if (!isValidHostName(p, /*allowWildcard=*/true)) return {};
  // "*.com" would claim a whole top-level domain: require a name below it.
  if (p.starts_with("*.") && p.find('.', 2) == std::string::npos) return {};
  return p;
}

}  // namespace

Result<TlsIdentity> loadTlsIdentity(const std::filesystem::path& certificateFile,
                                    const std::filesystem::path& privateKeyFile) {
  auto cert = readFile(certificateFile, "certificate");
  if (!cert.ok()) return cert.error();
  auto key = readFile(privateKeyFile, "private key");
  if (!key.ok()) return key.error();
  return TlsIdentity{std::move(*cert), std::move(*key)};
}

SSL_CTX* TlsContextSet::select(std::string_view serverName) const {
  if (exact_.empty() && wildcard_.empty()) return nullptr;
  std::string name = lowerAscii(serverName);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (auto it = exact_.find(name); it != exact_.end()) return it->second.get();
  const std::size_t dot = name.find('.');
  if (dot != std::string::npos && dot > 0) {
    if (auto it = wildcard_.find(name.substr(dot + 1)); it != wildcard_.end())
      return it->second.get();
  }
  return nullptr;
}

Result<std::shared_ptr<const TlsContextSet>> TlsContextProvider::build(
    TlsIdentity defaultIdentity, std::vector<SniCertificate> sni) {
  std::shared_ptr<TlsContextSet> set(new TlsContextSet());
  auto def = makeContext(defaultIdentity, "default certificate");
  if (!def.ok()) return def.error();
  // The set outlives every handshake that can call back into it (sessions hold the set).
  SSL_CTX_set_tlsext_servername_callback(def->get(), selectCertificate);
  SSL_CTX_set_tlsext_servername_arg(def->get(), set.get());
  set->default_ = std::make_unique<boost::asio::ssl::context>(def->release());
  for (const SniCertificate& cert : sni) {
    if (cert.hostPatterns.empty()) {
      return fail(Errc::kInvalidParameter, "an SNI certificate needs at least one host name");
    }
    auto ctx = makeContext(cert.identity, "certificate for " + cert.hostPatterns.front());
    if (!ctx.ok()) return ctx.error();
    std::shared_ptr<SSL_CTX> shared(ctx->release(), SSL_CTX_free);
    for (const std::string& raw : cert.hostPatterns) {
      std::string pattern = normalizePattern(raw);
      if (pattern.empty()) {
        return fail(Errc::kInvalidParameter,
                    "TLS host name '" + raw + "' must be a DNS name or '*.' followed by one");
      }
      if (pattern.starts_with("*.")) {
        set->wildcard_[pattern.substr(2)] = shared;
      } else {
        set->exact_[pattern] = shared;
      }
    }
  }
  set->defaultIdentity_ = std::move(defaultIdentity);
  set->sni_ = std::move(sni);
  return std::shared_ptr<const TlsContextSet>(std::move(set));
}

Result<std::shared_ptr<TlsContextProvider>> TlsContextProvider::create(
    TlsIdentity defaultIdentity, std::vector<SniCertificate> sni) {
  auto set = build(std::move(defaultIdentity), std::move(sni));
  if (!set.ok()) return set.error();
  std::shared_ptr<TlsContextProvider> provider(new TlsContextProvider());
  provider->current_.store(std::move(*set));
  return provider;
}

Status TlsContextProvider::replaceDefault(TlsIdentity identity) {
  std::lock_guard lock(writeMu_);
  auto set = build(std::move(identity), current_.load()->sni_);
  if (!set.ok()) return set.error();
  current_.store(std::move(*set));
  return okStatus();
}

Status TlsContextProvider::addCertificate(SniCertificate cert) {
  std::lock_guard lock(writeMu_);
  auto old = current_.load();
  std::vector<SniCertificate> sni;
  // Later entries win in build(), but dropping superseded patterns keeps the list from growing
  // with every replacement.
  for (const SniCertificate& existing : old->sni_) {
    SniCertificate kept{{}, existing.identity};
    for (const std::string& p : existing.hostPatterns) {
      bool replaced = false;
      for (const std::string& q : cert.hostPatterns)
        replaced = replaced || normalizePattern(p) == normalizePattern(q);
      if (!replaced) kept.hostPatterns.push_back(p);
    }
    if (!kept.hostPatterns.empty()) sni.push_back(std::move(kept));
  }
  sni.push_back(std::move(cert));
  auto set = build(old->defaultIdentity_, std::move(sni));
  if (!set.ok()) return set.error();
  current_.store(std::move(*set));
  return okStatus();
}

}  // namespace berth::net
