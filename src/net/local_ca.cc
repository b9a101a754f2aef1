#include "net/local_ca.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/unique_fd.h"
#include "net/host_name.h"

namespace berth::net {

namespace {

/// RFC 5280 allows 20 octets; 16 random ones make two serials from one CA collide never in
/// practice, which is all a CA without a database needs.
constexpr int kSerialBytes = 16;
/// notBefore is backdated so a client whose clock runs a little behind accepts a fresh leaf.
constexpr long kBackdateSeconds = 3600;
/// X.520 upper bound for a common name.
constexpr std::size_t kMaxCommonName = 64;

Error internal(std::string_view what) { return makeError(Errc::kInternal, openSslError(what)); }

Result<EvpPkeyPtr> generateP256() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return internal("cannot generate an ECDSA P-256 key");
  return key;
}

Status setRandomSerial(X509* cert) {
  unsigned char bytes[kSerialBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return internal("cannot draw a certificate serial");
  // Serials are positive INTEGERs; a leading 1 bit would encode a negative number.
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x01);
  BignumPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return internal("cannot set a certificate serial");
  }
  return okStatus();
}

Status setValidity(X509* cert, std::time_t now, int days) {
  if (X509_time_adj_ex(X509_getm_notBefore(cert), 0, -kBackdateSeconds, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, &now) == nullptr) {
    return internal("cannot set a certificate's validity");
  }
  return okStatus();
}

Status addNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                 0) != 1) {
    return internal("cannot set certificate name field " + std::string(field));
  }
  return okStatus();
}

/// Adds an extension written in OpenSSL's config syntax ("critical,CA:TRUE"); the values are
/// constants of this file, never input.
Status addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return internal(std::string("cannot add certificate extension ") + OBJ_nid2sn(nid));
  }
  return okStatus();
}

Status pushName(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  GeneralNamePtr gn(GENERAL_NAME_new());
  if (!gn) {
    ASN1_STRING_free(value);
    return internal("out of memory building subjectAltName");
  }
  GENERAL_NAME_set0_value(gn.get(), type, value);
  if (sk_GENERAL_NAME_push(names, gn.get()) == 0)
    return internal("out of memory building subjectAltName");
  [[maybe_unused]] GENERAL_NAME* owned = gn.release();
  return okStatus();
}

Result<GeneralNamesPtr> subjectAltNames(const std::vector<std::string>& dnsNames,
                                        const std::vector<std::string>& ips) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return internal("out of memory building subjectAltName");
  for (const std::string& raw : dnsNames) {
    std::string dns = lowerAscii(raw);
    if (!isValidHostName(dns, /*allowWildcard=*/true)) {
      return fail(Errc::kInvalidParameter,
                  "'" + raw +
                      "' is not a DNS name a certificate can hold (letters, digits, '-', "
                      "optionally a leading '*.')");
    }
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    if (s == nullptr || ASN1_STRING_set(s, dns.data(), static_cast<int>(dns.size())) != 1) {
      ASN1_IA5STRING_free(s);
      return internal("out of memory building subjectAltName");
    }
    BERTH_TRY(pushName(names.get(), GEN_DNS, s));
  }
  for (const std::string& ip : ips) {
    ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
    if (octets == nullptr) {
      ERR_clear_error();
      return fail(Errc::kInvalidParameter, "'" + ip + "' is not an IPv4 or IPv6 address");
    }
    BERTH_TRY(pushName(names.get(), GEN_IPADD, octets));
  }
  return names;
}

Result<std::string> readFile(const std::filesystem::path& file) {
  BioPtr bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return fail(Errc::kInvalidParameter,
                "cannot read " + file.string() + ": " + std::strerror(errno));
  }
  std::string out;
  char chunk[4096];
  int n = 0;
  while ((n = BIO_read(bio.get(), chunk, sizeof chunk)) > 0)
    out.append(chunk, static_cast<std::size_t>(n));
  return out;
}

/// Writes a whole file durably under its final name (temp file, fsync, rename, fsync dir), so a
/// crash never leaves a half-written key.
Status writeFileAtomically(const std::filesystem::path& file, const std::string& text,
                           mode_t mode) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  auto ioError = [&](const std::filesystem::path& p) {
    return makeError(Errc::kInternal, "cannot write " + p.string() + ": " + std::strerror(errno));
  };
  if (!fd) return ioError(tmp);
  // The daemon's umask (077) would narrow a public certificate; set the mode we mean.
  if (::fchmod(fd.get(), mode) != 0) return ioError(tmp);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ioError(tmp);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return ioError(tmp);
  fd.reset();
  if (::rename(tmp.c_str(), file.c_str()) != 0) return ioError(file);
  UniqueFd dir(::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) ::fsync(dir.get());
  return okStatus();
}

std::string pemOf(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  return bioText(bio.get());
}

std::string pemOf(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  return bioText(bio.get());
}

struct CaFiles {
  X509Ptr cert;
  EvpPkeyPtr key;
};

Result<CaFiles> createCa(const std::filesystem::path& certFile,
                         const std::filesystem::path& keyFile, std::time_t now) {
  auto key = generateP256();
  if (!key.ok()) return key.error();
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    return internal("cannot create the CA certificate");
  BERTH_TRY(setRandomSerial(cert.get()));
  BERTH_TRY(setValidity(cert.get(), now, LocalCa::kCaValidityDays));
  // A per-CA suffix tells apart the CAs of several data directories in one trust store.
  unsigned char tag[4];
  if (RAND_bytes(tag, sizeof tag) != 1) return internal("cannot draw the CA name");
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", tag[0], tag[1], tag[2], tag[3]);
  X509_NAME* name = X509_get_subject_name(cert.get());
  BERTH_TRY(addNameEntry(name, "O", "berth"));
  BERTH_TRY(addNameEntry(name, "CN", std::string("berth local CA ") + hex));
  if (X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key->get()) != 1) {
    return internal("cannot create the CA certificate");
  }
  // pathlen:0: this CA signs leaves only, so a stolen leaf key can never mint certificates.
  BERTH_TRY(
      addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  BERTH_TRY(addExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  BERTH_TRY(addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key->get(), EVP_sha256()) <= 0)
    return internal("cannot sign the CA certificate");

  // Key first: a crash between the two renames leaves a key without a certificate, which the
  // next start reports instead of silently making a second CA.
  BERTH_TRY(writeFileAtomically(keyFile, pemOf(key->get()), 0600));
  BERTH_TRY(writeFileAtomically(certFile, pemOf(cert.get()), 0644));
  return CaFiles{std::move(cert), std::move(*key)};
}

Result<CaFiles> loadCa(const std::filesystem::path& certFile,
                       const std::filesystem::path& keyFile) {
  auto certText = readFile(certFile);
  if (!certText.ok()) return certText.error();
  auto keyText = readFile(keyFile);
  if (!keyText.ok()) return keyText.error();
  BioPtr certBio = memoryBio(*certText);
  X509Ptr cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return fail(Errc::kInvalidParameter,
                openSslError(certFile.string() + " is not a PEM certificate"));
  }
  BioPtr keyBio = memoryBio(*keyText);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return fail(Errc::kInvalidParameter,
                openSslError(keyFile.string() + " is not a PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return fail(Errc::kInvalidParameter,
                openSslError(keyFile.string() + " is not the key of " + certFile.string()));
  }
  return CaFiles{std::move(cert), std::move(key)};
}

}  // namespace

LocalCa::LocalCa(X509Ptr cert, EvpPkeyPtr key, std::filesystem::path certificatePath, bool created,
                 const Clock& clock)
    : cert_(std::move(cert)),
      key_(std::move(key)),
      certificatePath_(std::move(certificatePath)),
      created_(created),
      clock_(&clock) {}

Result<LocalCa> LocalCa::openOrCreate(const std::filesystem::path& dir, const Clock& clock) {
  const std::filesystem::path certFile = dir / "ca.pem";
  const std::filesystem::path keyFile = dir / "ca.key";
  std::error_code ec;
  const bool haveCert = std::filesystem::exists(certFile, ec);
  const bool haveKey = std::filesystem::exists(keyFile, ec);
  if (haveCert != haveKey) {
    return fail(Errc::kInvalidParameter,
                "local CA: found " + (haveCert ? certFile : keyFile).string() + " without " +
                    (haveCert ? keyFile : certFile).string() +
                    "; restore the missing file, or remove both to create a new CA (clients "
                    "must then trust the new ca.pem)");
  }
  if (haveCert) {
    auto loaded = loadCa(certFile, keyFile);
    if (!loaded.ok()) return loaded.error();
    return LocalCa(std::move(loaded->cert), std::move(loaded->key), certFile, false, clock);
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::kInternal, "cannot create " + dir.string() + ": " + ec.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  auto created = createCa(certFile, keyFile, static_cast<std::time_t>(clock.nowUnixSeconds()));
  if (!created.ok()) return created.error();
  return LocalCa(std::move(created->cert), std::move(created->key), certFile, true, clock);
}

std::string LocalCa::certificatePem() const { return pemOf(cert_.get()); }

Result<IssuedCert> LocalCa::issue(const std::vector<std::string>& dnsNames,
                                  const std::vector<std::string>& ips) const {
  if (dnsNames.empty() && ips.empty()) {
    return fail(Errc::kInvalidParameter, "a certificate needs at least one DNS name or IP address");
  }
  auto names = subjectAltNames(dnsNames, ips);
  if (!names.ok()) return names.error();
  auto key = generateP256();
  if (!key.ok()) return key.error();
  const auto now = static_cast<std::time_t>(clock_->nowUnixSeconds());

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    return internal("cannot create a certificate");
  BERTH_TRY(setRandomSerial(cert.get()));
  BERTH_TRY(setValidity(cert.get(), now, kLeafValidityDays));
  // Clients match the SANs; the CN is only for people reading the certificate.
  std::string commonName = dnsNames.empty() ? ips.front() : lowerAscii(dnsNames.front());
  if (commonName.size() > kMaxCommonName) commonName = "berth";
  X509_NAME* subject = X509_get_subject_name(cert.get());
  BERTH_TRY(addNameEntry(subject, "O", "berth"));
  BERTH_TRY(addNameEntry(subject, "CN", commonName));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert_.get())) != 1 ||
      X509_set_pubkey(cert.get(), key->get()) != 1) {
    return internal("cannot create a certificate");
  }
  BERTH_TRY(addExtension(cert.get(), cert_.get(), NID_basic_constraints, "critical,CA:FALSE"));
  // ECDSA keys sign the handshake; keyEncipherment is for RSA key transport only.
  BERTH_TRY(addExtension(cert.get(), cert_.get(), NID_key_usage, "critical,digitalSignature"));
  BERTH_TRY(addExtension(cert.get(), cert_.get(), NID_ext_key_usage, "serverAuth"));
  BERTH_TRY(addExtension(cert.get(), cert_.get(), NID_subject_key_identifier, "hash"));
  BERTH_TRY(addExtension(cert.get(), cert_.get(), NID_authority_key_identifier, "keyid:always"));
  // Critical only when the subject is empty (RFC 5280 4.2.1.6); ours never is.
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names->get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return internal("cannot add subjectAltName");
  }
  if (X509_sign(cert.get(), key_.get(), EVP_sha256()) <= 0)
    return internal("cannot sign a certificate");

  IssuedCert out;
  out.certificateChainPem = pemOf(cert.get()) + pemOf(cert_.get());
  out.privateKeyPem = pemOf(key->get());
  out.notAfterUnixSeconds =
      static_cast<std::int64_t>(now) + static_cast<std::int64_t>(kLeafValidityDays) * 24 * 3600;
  if (out.certificateChainPem.empty() || out.privateKeyPem.empty()) {
    return internal("cannot encode the issued certificate");
  }
  return out;
}

}  // namespace berth::net
