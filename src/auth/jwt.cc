#include "auth/jwt.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "common/base64.h"
#include "auth/secret_hash.h"

namespace berth::auth {

namespace {

constexpr std::string_view kAlgorithm = "ES256";
/// P-256 scalars are 32 bytes; RFC 7518 §3.4 fixes the JWS signature as R || S, 64 bytes.
constexpr std::size_t kScalarBytes = 32;
constexpr std::size_t kSignatureBytes = 2 * kScalarBytes;
/// jti entropy: enough that ids never repeat, so a replay cache (if ever added) can key on it.
constexpr std::size_t kTokenIdBytes = 16;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

std::string dumpJson(const nlohmann::json& value) {
  // Replace rather than throw on invalid UTF-8 from caller-supplied strings.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// EVP signs ECDSA as DER SEQUENCE{r, s}; JWS wants fixed-width big-endian r || s.
Result<std::string> derToRaw(const unsigned char* der, std::size_t len) {
  const unsigned char* p = der;
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) {
    return internalError("ECDSA produced an unreadable signature");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(kSignatureBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kScalarBytes) != static_cast<int>(kScalarBytes) ||
      BN_bn2binpad(s, out + kScalarBytes, kScalarBytes) != static_cast<int>(kScalarBytes)) {
    return internalError("ECDSA produced an oversized signature");
  }
  return raw;
}

std::optional<std::string> rawToDer(std::string_view raw) {
  if (raw.size() != kSignatureBytes) {
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BnPtr r(BN_bin2bn(bytes, kScalarBytes, nullptr));
  BnPtr s(BN_bin2bn(bytes + kScalarBytes, kScalarBytes, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return std::nullopt;
  }
  // ECDSA_SIG_set0 took ownership.
  (void)r.release();
  (void)s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0 || der == nullptr) {
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verifySignature(EVP_PKEY* key, std::string_view signingInput, std::string_view der) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                          reinterpret_cast<const unsigned char*>(signingInput.data()),
                          signingInput.size()) == 1;
}

// A NumericDate (RFC 7519 §2): any JSON number, clamped into int64 so huge values cannot
// overflow. Fractions are dropped.
std::optional<std::int64_t> numericDate(const nlohmann::json& value) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    return v > static_cast<std::uint64_t>(kMax) ? kMax : static_cast<std::int64_t>(v);
  }
  if (value.is_number_integer()) {
    return value.get<std::int64_t>();
  }
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (!std::isfinite(v)) {
      return std::nullopt;
    }
    // 2^63 as a double; anything at or beyond it clamps.
    if (v >= 9223372036854775808.0) {
      return kMax;
    }
    if (v <= -9223372036854775808.0) {
      return kMin;
    }
    return static_cast<std::int64_t>(std::floor(v));
  }
  return std::nullopt;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) {
      return false;
    }
  }
  return true;
}

std::optional<nlohmann::json> decodeJsonObject(std::string_view segment) {
  auto bytes = base64UrlDecode(segment);
  if (!bytes) {
    return std::nullopt;
  }
  auto value = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return std::nullopt;
  }
  return value;
}

bool audienceMatches(const nlohmann::json& aud, std::string_view expected) {
  if (aud.is_string()) {
    return aud.get_ref<const std::string&>() == expected;
  }
  if (aud.is_array()) {
    for (const auto& item : aud) {
      if (item.is_string() && item.get_ref<const std::string&>() == expected) {
        return true;
      }
    }
  }
  return false;
}

// Optional string claim: absent gives "", present must be a string.
bool optionalString(const nlohmann::json& claims, const char* name, std::string& out) {
  const auto it = claims.find(name);
  if (it == claims.end()) {
    return true;
  }
  if (!it->is_string()) {
    return false;
  }
  out = it->get<std::string>();
  return true;
}

}  // namespace

Result<std::string> signJwt(const SigningKey& key, const nlohmann::json& claims) {
  if (!claims.is_object()) {
    return fail(Errc::kInvalidParameter, "JWT claims must be a JSON object");
  }
  const nlohmann::json header = {{"alg", kAlgorithm}, {"typ", "JWT"}, {"kid", key.kid()}};
  std::string token = base64UrlEncode(dumpJson(header));
  token.push_back('.');
  token += base64UrlEncode(dumpJson(claims));

  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t derLen = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.pkey()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &derLen,
                     reinterpret_cast<const unsigned char*>(token.data()), token.size()) != 1) {
    return internalError("cannot start an ES256 signature");
  }
  std::string der(derLen, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &derLen,
                     reinterpret_cast<const unsigned char*>(token.data()), token.size()) != 1) {
    return internalError("ES256 signing failed");
  }
  auto raw = derToRaw(reinterpret_cast<const unsigned char*>(der.data()), derLen);
  if (!raw.ok()) {
    return fail(std::move(raw).error());
  }
  token.push_back('.');
  token += base64UrlEncode(*raw);
  return token;
}

Result<VerifiedToken> verifyJwt(std::string_view token, const SigningKeySet& keys,
                                const VerifyOptions& options, std::string* reason) {
  auto reject = [reason](std::string_view why) -> Unexpected {
    if (reason != nullptr) {
      *reason = std::string(why);
    }
    return fail(Errc::kUnauthorized, std::string(kInvalidTokenMessage));
  };

  if (options.audience.empty()) {
    return reject("the verifier has no audience configured");
  }
  if (token.size() > options.maxTokenBytes) {
    return reject("token is larger than " + std::to_string(options.maxTokenBytes) + " bytes");
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return reject("token is not three dot-separated segments");
  }
  const std::string_view headerSegment = token.substr(0, dot1);
  const std::string_view payloadSegment = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signatureSegment = token.substr(dot2 + 1);

  const auto header = decodeJsonObject(headerSegment);
  if (!header) {
    return reject("header is not base64url JSON object");
  }
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() ||
      alg->get_ref<const std::string&>() != kAlgorithm) {
    return reject("header alg is not ES256");
  }
  if (header->contains("crit")) {
    return reject("header has crit extensions, none of which berth understands");
  }
  if (const auto typ = header->find("typ");
      typ != header->end() &&
      (!typ->is_string() || !equalsIgnoreCase(typ->get_ref<const std::string&>(), "JWT"))) {
    return reject("header typ is not JWT");
  }
  const auto kid = header->find("kid");
  if (kid == header->end() || !kid->is_string()) {
    return reject("header has no kid");
  }
  // Keys come only from our own set; jwk/jku/x5c header parameters are never consulted.
  const SigningKey* key = keys.find(kid->get_ref<const std::string&>());
  if (key == nullptr) {
    return reject("unknown kid (key removed or never ours)");
  }

  const auto signature = base64UrlDecode(signatureSegment);
  if (!signature || signature->size() != kSignatureBytes) {
    return reject("signature is not 64 bytes of base64url");
  }
  const auto der = rawToDer(*signature);
  if (!der || !verifySignature(key->pkey(), token.substr(0, dot2), *der)) {
    return reject("signature does not verify");
  }

  // Only signed content from here on.
  auto claims = decodeJsonObject(payloadSegment);
  if (!claims) {
    return reject("payload is not a base64url JSON object");
  }
  VerifiedToken out;
  out.kid = key->kid();

  const auto exp = claims->find("exp");
  if (exp == claims->end()) {
    return reject("token has no exp");
  }
  const auto expiresAt = numericDate(*exp);
  if (!expiresAt) {
    return reject("exp is not a number");
  }
  const std::int64_t leeway = options.leewaySeconds > 0 ? options.leewaySeconds : 0;
  // Written as now - leeway so a huge exp cannot overflow.
  if (options.now - leeway >= *expiresAt) {
    return reject("token expired");
  }
  out.expiresAt = *expiresAt;
  if (const auto nbf = claims->find("nbf"); nbf != claims->end()) {
    const auto notBefore = numericDate(*nbf);
    if (!notBefore) {
      return reject("nbf is not a number");
    }
    if (*notBefore > options.now + leeway) {
      return reject("token not yet valid (nbf)");
    }
  }
  if (const auto iat = claims->find("iat"); iat != claims->end() && !numericDate(*iat)) {
    return reject("iat is not a number");
  }

  const auto aud = claims->find("aud");
  if (aud == claims->end() || !audienceMatches(*aud, options.audience)) {
    return reject("audience does not name this registry");
  }
  if (!optionalString(*claims, "iss", out.issuer) ||
      (!options.issuer.empty() && out.issuer != options.issuer)) {
    return reject("issuer is not the configured issuer");
  }
  if (!optionalString(*claims, "sub", out.subject) || !optionalString(*claims, "jti", out.id)) {
    return reject("sub or jti is not a string");
  }
  if (const auto access = claims->find("access"); access != claims->end()) {
    auto parsed = accessFromJson(*access);
    if (!parsed.ok()) {
      return reject("access claim is malformed: " + parsed.error().message);
    }
    out.access = std::move(*parsed);
  }
  out.claims = std::move(*claims);
  return out;
}

Result<std::string> issueAccessToken(const SigningKey& key, const AccessTokenSpec& spec) {
  if (spec.lifetimeSeconds <= 0) {
    return fail(Errc::kInvalidParameter, "a token lifetime must be positive");
  }
  nlohmann::json claims = {
      {"iss", spec.issuer},
      {"sub", spec.subject},
      {"aud", spec.audience},
      {"iat", spec.issuedAt},
      {"nbf", spec.issuedAt},
      {"exp", spec.issuedAt + spec.lifetimeSeconds},
      {"jti", randomHex(kTokenIdBytes)},
      {"access", accessToJson(spec.access)},
  };
  if (spec.extraClaims.is_object()) {
    for (const auto& [name, value] : spec.extraClaims.items()) {
      if (!claims.contains(name)) claims[name] = value;
    }
  }
  return signJwt(key, claims);
}

}  // namespace berth::auth
