// Fuzz target for the data-plane token parsers: verifyJwt (every rejection must be the one
// uniform 401), token scopes, the JWT access claim, ACR scope maps and base64. The whole input is
// tried as each. Inputs that parse as a JSON object are also signed with the fixed test key and
// verified, so the claim checks after the signature are reached, which random bytes alone never
// would (nobody forges ES256).
//
// Checked contracts, not only "no crash":
//  - verifyJwt failures: kUnauthorized, the generic message, empty detail (nothing leaks);
//  - verifyJwt success: exp lies in the future and re-signing the claims verifies again;
//  - scopes, access claims and base64 re-encode to what they parsed from (canonical forms);
//  - scope maps never grant the catalog.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authorization_header.h"
#include "common/base64.h"
#include "auth/jwt.h"
#include "auth/permissions.h"
#include "auth/scope.h"
#include "auth/signing_keys.h"

namespace {

using berth::auth::SigningKey;
using berth::auth::SigningKeySet;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

// A throwaway P-256 key used only by this target; its kid appears in the seed corpus.
constexpr std::string_view kFuzzKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGTds5N69OJ3iQ9ZQ\n"
    "XZYvIPsb9Bofj84oUIVH9OOtBQShRANCAAQOM1ielH7/av0Nt5jAAoCcrtEiCGtB\n"
    "tOVu9QLoMCiB3CWTz/NZeu9l1r9S3NDAuXZ6b3DPiAzQ/lx/mag+7hvh\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::int64_t kNow = 1'700'000'000;

const SigningKeySet& keySet() {
  // Immutable after first use, so this is a constant, not shared mutable state.
  static const SigningKeySet kSet = [] {
    auto key = SigningKey::fromPem(kFuzzKeyPem);
    check(key.ok());
    std::vector<SigningKey> keys;
    keys.push_back(std::move(*key));
    auto set = SigningKeySet::fromKeys(std::move(keys));
    check(set.ok());
    return std::move(*set);
  }();
  return kSet;
}

berth::auth::VerifyOptions verifyOptions() {
  berth::auth::VerifyOptions options;
  options.audience = "fuzz.example.com";
  options.issuer = "berth-fuzz";
  options.now = kNow;
  options.leewaySeconds = 5;
  return options;
}

void checkVerify(std::string_view token) {
  std::string reason;
  auto verified = berth::auth::verifyJwt(token, keySet(), verifyOptions(), &reason);
  if (!verified.ok()) {
    check(verified.error().code == berth::Errc::kUnauthorized);
    check(verified.error().message == berth::auth::kInvalidTokenMessage);
    check(verified.error().detail.empty());
    check(!reason.empty());
    return;
  }
  check(verified->expiresAt > kNow - 5);  // not exp + 5: exp may be INT64_MAX
  check(verified->claims.is_object());
  check(verified->access.size() <= berth::auth::kMaxScopes);
  auto again = berth::auth::signJwt(keySet().active(), verified->claims);
  check(again.ok());
  check(berth::auth::verifyJwt(*again, keySet(), verifyOptions()).ok());
}

void checkScopes(std::string_view input) {
  auto scopes = berth::auth::parseScopeList(input);
  if (!scopes.ok()) {
    check(scopes.error().code == berth::Errc::kInvalidParameter);
    check(scopes.error().detail.size() <= berth::auth::kMaxScopeBytes);
    return;
  }
  check(scopes->size() <= berth::auth::kMaxScopes);
  for (const auto& scope : *scopes) {
    if (scope.actions.empty()) {
      continue;  // unknown action words only: nothing to format
    }
    auto reparsed = berth::auth::parseScope(berth::auth::formatScope(scope));
    check(reparsed.ok() && *reparsed == scope);
  }
}

void checkJson(std::string_view input) {
  const auto value = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return;
  }
  if (auto access = berth::auth::accessFromJson(value); access.ok()) {
    auto back = berth::auth::accessFromJson(berth::auth::accessToJson(*access));
    check(back.ok() && *back == *access);
  }
  auto token = berth::auth::signJwt(keySet().active(), value);
  check(token.ok() == value.is_object());
  if (token.ok()) {
    checkVerify(*token);
    auto verified = berth::auth::verifyJwt(*token, keySet(), verifyOptions());
    if (verified.ok()) {
      // Compared with the serialised form: JSON overflow (1e400) parses to inf, which dumps as
      // null.
      check(verified->claims == nlohmann::json::parse(value.dump()));
    }
  }
}

void checkScopeMap(std::string_view input) {
  std::vector<std::string> actions;
  while (!input.empty() && actions.size() < 64) {
    const std::size_t nl = input.find('\n');
    actions.emplace_back(input.substr(0, nl));
    if (nl == std::string_view::npos) {
      break;
    }
    input.remove_prefix(nl + 1);
  }
  auto map = berth::auth::ScopeMap::parse(actions);
  if (map.ok()) {
    for (std::string_view repo : {"app", "team/web", "a/b/c"}) {
      check(!map->actionsFor(repo).has(berth::auth::Action::kCatalog));
    }
  }
}

void checkBase64(std::string_view input) {
  if (auto bytes = berth::base64UrlDecode(input)) {
    check(berth::base64UrlEncode(*bytes) == input);
  }
  if (auto bytes = berth::base64Decode(input)) {
    const std::string encoded = berth::base64Encode(*bytes);
    check(encoded == input || encoded.substr(0, encoded.find('=')) == input);
  }
}

}  // namespace

/// Authorization headers: bounded, and a Basic pair re-encodes to a header that parses the same.
void checkAuthorization(std::string_view input) {
  using Kind = berth::auth::Authorization::Kind;
  for (std::string header : {std::string(input), "Basic " + std::string(input),
                             "Bearer " + std::string(input)}) {
    auto parsed = berth::auth::parseAuthorization(header);
    if (parsed.kind == Kind::kBearer) {
      check(!parsed.bearer.empty() && parsed.bearer.size() <= header.size());
    } else if (parsed.kind == Kind::kBasic) {
      check(!parsed.username.empty() && !parsed.password.empty());
      check(parsed.username.find(':') == std::string::npos);
      auto again = berth::auth::parseAuthorization(
          "Basic " + berth::base64Encode(parsed.username + ":" + parsed.password));
      check(again.kind == Kind::kBasic && again.username == parsed.username &&
            again.password == parsed.password);
    }
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  checkVerify(input);
  checkScopes(input);
  checkJson(input);
  checkScopeMap(input);
  checkBase64(input);
  checkAuthorization(input);
  return 0;
}
