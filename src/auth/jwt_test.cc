#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace berth::auth {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kAudience = "myregistry.example.com";
constexpr std::string_view kIssuer = "berth-token-server";

struct Parts {
  std::string header, payload, signature;
};

Parts split(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

std::string join(const Parts& p) { return p.header + "." + p.payload + "." + p.signature; }

std::string encodeJson(const json& j) { return base64UrlEncode(j.dump()); }

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = SigningKeySet::inMemory();
    ASSERT_TRUE(set.ok());
    keys_.emplace(std::move(*set));
    options_.audience = std::string(kAudience);
    options_.issuer = std::string(kIssuer);
    options_.now = kNow;
  }

  json claims() const {
    return {{"iss", kIssuer},
            {"sub", "alice"},
            {"aud", kAudience},
            {"iat", kNow},
            {"nbf", kNow},
            {"exp", kNow + 300},
            {"jti", "abc"},
            {"access", json::parse(R"([{"type":"repository","name":"app","actions":["pull"]}])")}};
  }

  std::string sign(const json& c) const {
    auto token = signJwt(keys_->active(), c);
    EXPECT_TRUE(token.ok());
    return token.ok() ? *token : std::string();
  }

  // Asserts the uniform failure and returns the logged reason.
  std::string rejected(std::string_view token) const { return rejected(token, options_); }
  std::string rejected(std::string_view token, const VerifyOptions& options) const {
    std::string reason;
    auto result = verifyJwt(token, *keys_, options, &reason);
    EXPECT_FALSE(result.ok()) << "accepted: " << token;
    if (!result.ok()) {
      EXPECT_EQ(result.error().code, Errc::kUnauthorized);
      EXPECT_EQ(result.error().message, kInvalidTokenMessage);
      EXPECT_TRUE(result.error().detail.empty()) << "the reason must never reach the client";
      EXPECT_FALSE(reason.empty());
    }
    return reason;
  }

  // ES256 over arbitrary signing input, for payloads signJwt would refuse to produce.
  std::string signRaw(const std::string& input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, keys_->active().pkey()), 1);
    EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1);
    std::vector<unsigned char> der(len);
    EXPECT_EQ(EVP_DigestSign(ctx, der.data(), &len,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1);
    EVP_MD_CTX_free(ctx);
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    unsigned char raw[64];
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32);
    ECDSA_SIG_free(sig);
    return input + "." + base64UrlEncode(std::string(reinterpret_cast<char*>(raw), 64));
  }

  std::optional<SigningKeySet> keys_;
  VerifyOptions options_;
};

TEST_F(JwtTest, SignVerifyRoundTrip) {
  const std::string token = sign(claims());
  const Parts parts = split(token);
  EXPECT_EQ(json::parse(*base64UrlDecode(parts.header)),
            json({{"alg", "ES256"}, {"typ", "JWT"}, {"kid", keys_->active().kid()}}));
  EXPECT_EQ(base64UrlDecode(parts.signature)->size(), 64u);  // raw R || S, not DER

  auto verified = verifyJwt(token, *keys_, options_);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->kid, keys_->active().kid());
  EXPECT_EQ(verified->subject, "alice");
  EXPECT_EQ(verified->issuer, kIssuer);
  EXPECT_EQ(verified->id, "abc");
  EXPECT_EQ(verified->expiresAt, kNow + 300);
  ASSERT_EQ(verified->access.size(), 1u);
  EXPECT_EQ(verified->access[0].name, "app");
  EXPECT_EQ(verified->access[0].actions, ActionSet{Action::kPull});
  EXPECT_EQ(verified->claims["sub"], "alice");
}

TEST_F(JwtTest, IssueAccessTokenSetsStandardClaims) {
  AccessTokenSpec spec;
  spec.issuer = std::string(kIssuer);
  spec.subject = "bob";
  spec.audience = std::string(kAudience);
  spec.access = *parseScopeList("repository:a:pull,push registry:catalog:*");
  spec.issuedAt = kNow;
  spec.lifetimeSeconds = 60;
  auto token = issueAccessToken(keys_->active(), spec);
  ASSERT_TRUE(token.ok());
  auto verified = verifyJwt(*token, *keys_, options_);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->access, spec.access);
  EXPECT_EQ(verified->expiresAt, kNow + 60);
  EXPECT_EQ(verified->claims["nbf"], kNow);
  EXPECT_EQ(verified->id.size(), 32u);
  auto again = issueAccessToken(keys_->active(), spec);
  EXPECT_NE(verifyJwt(*again, *keys_, options_)->id, verified->id);
  spec.lifetimeSeconds = 0;
  EXPECT_FALSE(issueAccessToken(keys_->active(), spec).ok());
}

TEST_F(JwtTest, SignRejectsNonObjectClaims) {
  EXPECT_FALSE(signJwt(keys_->active(), json::array()).ok());
  EXPECT_FALSE(signJwt(keys_->active(), json("x")).ok());
}

TEST_F(JwtTest, RejectsAlgNoneWithEmptySignature) {
  Parts parts = split(sign(claims()));
  parts.header = encodeJson({{"alg", "none"}, {"typ", "JWT"}, {"kid", keys_->active().kid()}});
  parts.signature.clear();
  rejected(join(parts));
  parts.header = encodeJson({{"alg", "none"}, {"typ", "JWT"}});
  rejected(join(parts));
  // "None", "NONE" and a missing alg are no better.
  parts.header = encodeJson({{"alg", "NONE"}, {"kid", keys_->active().kid()}});
  rejected(join(parts));
  parts.header = encodeJson({{"kid", keys_->active().kid()}});
  rejected(join(parts));
  // Even a "none" header over a validly signed payload, with an empty third segment.
  EXPECT_EQ(rejected(encodeJson({{"alg", "none"}}) + "." + parts.payload + "."),
            "header alg is not ES256");
}

TEST_F(JwtTest, RejectsHs256SignedWithThePublicKey) {
  // The classic confusion attack: HMAC keyed with the verifier's public key bytes.
  unsigned char* der = nullptr;
  const int derLen = i2d_PUBKEY(keys_->active().pkey(), &der);
  ASSERT_GT(derLen, 0);
  const std::string publicDer(reinterpret_cast<char*>(der), static_cast<std::size_t>(derLen));
  OPENSSL_free(der);
  const std::string publicJwk = keys_->active().publicJwk().dump();

  for (const std::string& hmacKey : {publicDer, publicJwk}) {
    const std::string input =
        encodeJson({{"alg", "HS256"}, {"typ", "JWT"}, {"kid", keys_->active().kid()}}) + "." +
        encodeJson(claims());
    unsigned char mac[32];
    std::size_t macLen = 0;
    ASSERT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, hmacKey.data(), hmacKey.size(),
                        reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
                        sizeof(mac), &macLen),
              nullptr);
    const std::string token =
        input + "." + base64UrlEncode(std::string(reinterpret_cast<char*>(mac), macLen));
    EXPECT_NE(rejected(token).find("alg"), std::string::npos);
  }
}

TEST_F(JwtTest, RejectsOtherAlgorithmsEvenWithAValidEs256Signature) {
  // Validly ES256-signed by our key, so only the alg check can refuse them.
  const std::string kid = keys_->active().kid();
  const std::string payload = encodeJson(claims());
  ASSERT_TRUE(verifyJwt(signRaw(encodeJson({{"alg", "ES256"}, {"kid", kid}}) + "." + payload),
                        *keys_, options_)
                  .ok());
  for (const json& alg :
       {json("none"), json("es256"), json("ES384"), json("RS256"), json("PS256"), json("EdDSA"),
        json("HS256"), json("ES256 "), json::array({"ES256"}), json(nullptr)}) {
    const std::string token = signRaw(encodeJson({{"alg", alg}, {"kid", kid}}) + "." + payload);
    EXPECT_EQ(rejected(token), "header alg is not ES256") << alg;
  }
  EXPECT_EQ(rejected(signRaw(encodeJson({{"kid", kid}}) + "." + payload)),
            "header alg is not ES256");
}

TEST_F(JwtTest, RejectsFlippedSignatureBits) {
  const std::string token = sign(claims());
  const Parts parts = split(token);
  const std::string raw = *base64UrlDecode(parts.signature);
  for (std::size_t byte : {0u, 31u, 32u, 63u}) {
    std::string flipped = raw;
    flipped[byte] ^= 0x01;
    Parts bad = parts;
    bad.signature = base64UrlEncode(flipped);
    EXPECT_EQ(rejected(join(bad)), "signature does not verify");
  }
  // The signature of another message, and a flipped bit in the signed input.
  json otherClaims = claims();
  otherClaims["sub"] = "mallory";
  Parts swapped = parts;
  swapped.signature = split(sign(otherClaims)).signature;
  rejected(join(swapped));
  std::string tampered = token;
  tampered[tampered.find('.') + 5] ^= 0x01;
  rejected(tampered);
}

TEST_F(JwtTest, RejectsEscalatedPayloadWithOriginalSignature) {
  Parts parts = split(sign(claims()));
  json escalated = claims();
  escalated["access"] = json::parse(
      R"([{"type":"repository","name":"app","actions":["pull","push","delete"]},
          {"type":"registry","name":"catalog","actions":["*"]}])");
  parts.payload = encodeJson(escalated);
  EXPECT_EQ(rejected(join(parts)), "signature does not verify");
  escalated = claims();
  escalated["exp"] = kNow + 1'000'000;
  parts.payload = encodeJson(escalated);
  rejected(join(parts));
}

TEST_F(JwtTest, RejectsSignatureEncodingsOtherThanRaw64Bytes) {
  Parts parts = split(sign(claims()));
  const std::string raw = *base64UrlDecode(parts.signature);
  for (const std::string& bad :
       {std::string(), raw.substr(0, 63), raw + std::string(1, '\0'), std::string(1, '\0') + raw,
        std::string(64, '\0'), std::string(72, '\x30')}) {
    Parts p = parts;
    p.signature = base64UrlEncode(bad);
    rejected(join(p));
  }
  Parts padded = parts;
  padded.signature += "=";
  rejected(join(padded));
  Parts standard = parts;
  standard.signature = base64Encode(raw);
  if (standard.signature != parts.signature) {
    rejected(join(standard));
  }
}

TEST_F(JwtTest, RejectsWrongAudience) {
  json c = claims();
  c["aud"] = "other.example.com";
  rejected(sign(c));
  c["aud"] = json::array({"a.example.com", "b.example.com"});
  rejected(sign(c));
  c["aud"] = json::array({"a.example.com", kAudience});
  EXPECT_TRUE(verifyJwt(sign(c), *keys_, options_).ok());  // an array naming us is fine
  c["aud"] = 5;
  rejected(sign(c));
  c["aud"] = "MYREGISTRY.example.com";
  rejected(sign(c));
  c.erase("aud");
  rejected(sign(c));

  VerifyOptions noAudience = options_;
  noAudience.audience.clear();
  rejected(sign(claims()), noAudience);  // misconfiguration fails closed
}

TEST_F(JwtTest, RejectsWrongIssuer) {
  json c = claims();
  c["iss"] = "someone-else";
  rejected(sign(c));
  c.erase("iss");
  rejected(sign(c));
  c["iss"] = 7;
  rejected(sign(c));
  VerifyOptions anyIssuer = options_;
  anyIssuer.issuer.clear();
  c["iss"] = "someone-else";
  EXPECT_TRUE(verifyJwt(sign(c), *keys_, anyIssuer).ok());
}

TEST_F(JwtTest, ExpiryAndNotBefore) {
  json c = claims();
  c["exp"] = kNow;
  EXPECT_EQ(rejected(sign(c)), "token expired");  // exp is exclusive
  c["exp"] = kNow - 3600;
  rejected(sign(c));
  c["exp"] = kNow + 1;
  EXPECT_TRUE(verifyJwt(sign(c), *keys_, options_).ok());

  c = claims();
  c.erase("exp");
  EXPECT_EQ(rejected(sign(c)), "token has no exp");
  c["exp"] = "9999999999";
  rejected(sign(c));
  c["exp"] = nullptr;
  rejected(sign(c));
  c["exp"] = 1e300;  // clamps instead of overflowing
  EXPECT_TRUE(verifyJwt(sign(c), *keys_, options_).ok());
  c["exp"] = -1e300;
  rejected(sign(c));
  c["exp"] = 18446744073709551615ull;
  EXPECT_TRUE(verifyJwt(sign(c), *keys_, options_).ok());

  c = claims();
  c["nbf"] = kNow + 60;
  EXPECT_EQ(rejected(sign(c)), "token not yet valid (nbf)");
  c["nbf"] = "soon";
  rejected(sign(c));
  c = claims();
  c["iat"] = "yesterday";
  rejected(sign(c));

  // Leeway tolerates small skew in both directions, and no more.
  VerifyOptions lenient = options_;
  lenient.leewaySeconds = 30;
  c = claims();
  c["exp"] = kNow - 10;
  EXPECT_TRUE(verifyJwt(sign(c), *keys_, lenient).ok());
  c["exp"] = kNow - 30;
  rejected(sign(c), lenient);
  c = claims();
  c["nbf"] = kNow + 30;
  EXPECT_TRUE(verifyJwt(sign(c), *keys_, lenient).ok());
  c["nbf"] = kNow + 31;
  rejected(sign(c), lenient);
}

TEST_F(JwtTest, RejectsUnknownKidAndForeignKeys) {
  Parts parts = split(sign(claims()));
  parts.header = encodeJson({{"alg", "ES256"}, {"typ", "JWT"}, {"kid", "unknown"}});
  EXPECT_NE(rejected(join(parts)).find("kid"), std::string::npos);
  parts.header = encodeJson({{"alg", "ES256"}, {"typ", "JWT"}});
  rejected(join(parts));
  parts.header = encodeJson({{"alg", "ES256"}, {"kid", 1}});
  rejected(join(parts));

  // A token from another key, relabelled with our kid, does not verify.
  auto foreign = SigningKey::generate();
  ASSERT_TRUE(foreign.ok());
  Parts stolen = split(*signJwt(*foreign, claims()));
  stolen.header = encodeJson({{"alg", "ES256"}, {"typ", "JWT"}, {"kid", keys_->active().kid()}});
  rejected(join(stolen));
  // An embedded jwk header never supplies the key.
  stolen.header =
      encodeJson({{"alg", "ES256"}, {"kid", keys_->active().kid()}, {"jwk", foreign->publicJwk()}});
  rejected(join(stolen));
}

TEST_F(JwtTest, RejectsHeaderOddities) {
  // Validly signed, so each is refused for its header alone.
  const std::string kid = keys_->active().kid();
  const std::string payload = encodeJson(claims());
  const std::pair<json, std::string> cases[] = {
      {json({{"alg", "ES256"}, {"kid", kid}, {"crit", {"exp"}}}), "crit"},
      {json({{"alg", "ES256"}, {"kid", kid}, {"typ", "JOSE+JSON"}}), "typ"},
      {json({{"alg", "ES256"}, {"kid", kid}, {"typ", 1}}), "typ"},
      {json({{"alg", "ES256"}, {"kid", kid}, {"jku", "https://evil.example/keys"}}), ""},
      {json::array(), "header"},
      {json("ES256"), "header"},
  };
  for (const auto& [header, why] : cases) {
    const std::string token = signRaw(encodeJson(header) + "." + payload);
    if (why.empty()) {
      EXPECT_TRUE(verifyJwt(token, *keys_, options_).ok()) << header;  // jku is simply ignored
    } else {
      EXPECT_NE(rejected(token).find(why), std::string::npos) << header;
    }
  }
  // typ is case-insensitive (RFC 7519 §5.1).
  EXPECT_TRUE(verifyJwt(signRaw(encodeJson({{"alg", "ES256"}, {"kid", kid}, {"typ", "jwt"}}) + "." +
                                payload),
                        *keys_, options_)
                  .ok());
}

TEST_F(JwtTest, RejectsGarbageAndWrongShapes) {
  const std::string token = sign(claims());
  const Parts parts = split(token);
  for (const std::string& bad :
       {std::string(),
        std::string("."),
        std::string(".."),
        std::string("..."),
        std::string("not a token"),
        parts.header,
        parts.header + "." + parts.payload,
        token + ".",
        token + "." + parts.signature,
        "." + parts.payload + "." + parts.signature,
        parts.header + ".." + parts.signature,
        " " + token,
        token + " ",
        token + "\n",
        "Bearer " + token,
        parts.header + "=." + parts.payload + "." + parts.signature,
        std::string("eyJ.eyJ.eyJ"),
        std::string(100, '.'),
        encodeJson(json::array()) + "." + parts.payload + "." + parts.signature,
        base64UrlEncode("{\"alg\":\"ES256\"") + "." + parts.payload + "." + parts.signature,
        std::string("\xff\xfe.\x00\x01.\x80", 8)}) {
    rejected(bad);
  }
}

TEST_F(JwtTest, RejectsNonObjectOrMalformedPayloadEvenWhenSigned) {
  // Signed by us (so the signature verifies), but not an acceptable claim set.
  const std::string header =
      encodeJson({{"alg", "ES256"}, {"typ", "JWT"}, {"kid", keys_->active().kid()}});
  ASSERT_TRUE(verifyJwt(signRaw(header + "." + encodeJson(claims())), *keys_, options_).ok());
  for (const std::string& payload :
       {std::string("[1,2]"), std::string("\"str\""), std::string("{\"exp\":"),
        std::string("not json"), std::string()}) {
    EXPECT_EQ(rejected(signRaw(header + "." + base64UrlEncode(payload))),
              "payload is not a base64url JSON object");
  }
  json c = claims();
  c["access"] = "everything";
  rejected(sign(c));
  c["access"] = json::parse(R"([{"type":"repository","name":"UPPER","actions":["pull"]}])");
  rejected(sign(c));
  c = claims();
  c["sub"] = json::object();
  rejected(sign(c));
}

TEST_F(JwtTest, RejectsOversizedTokens) {
  json c = claims();
  c["padding"] = std::string(10'000, 'x');
  const std::string big = sign(c);
  ASSERT_GT(big.size(), kDefaultMaxTokenBytes);
  EXPECT_NE(rejected(big).find("larger"), std::string::npos);
  VerifyOptions roomy = options_;
  roomy.maxTokenBytes = 64 * 1024;
  EXPECT_TRUE(verifyJwt(big, *keys_, roomy).ok());
  rejected(std::string(1 << 20, 'a'));
}

TEST_F(JwtTest, KeyRotation) {
  const std::string oldToken = sign(claims());
  const std::string oldKid = keys_->active().kid();
  auto newKid = keys_->rotate();
  ASSERT_TRUE(newKid.ok());

  // Old tokens keep verifying; new ones carry the new kid.
  EXPECT_TRUE(verifyJwt(oldToken, *keys_, options_).ok());
  const std::string newToken = sign(claims());
  EXPECT_EQ(json::parse(*base64UrlDecode(split(newToken).header))["kid"], *newKid);
  auto verified = verifyJwt(newToken, *keys_, options_);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->kid, *newKid);

  // Removing the old key revokes everything it signed, and only that.
  ASSERT_TRUE(keys_->remove(oldKid).ok());
  EXPECT_NE(rejected(oldToken).find("kid"), std::string::npos);
  EXPECT_TRUE(verifyJwt(newToken, *keys_, options_).ok());
}

TEST_F(JwtTest, ReasonOutParameterIsOptional) {
  auto result = verifyJwt("garbage", *keys_, options_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kUnauthorized);
}

}  // namespace
}  // namespace berth::auth
