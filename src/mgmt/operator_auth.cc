#include "mgmt/operator_auth.h"

#include <algorithm>
#include <array>

#include "auth/secret_hash.h"

namespace berth::mgmt {

namespace {

constexpr std::string_view kTokenKind = "operator-token";
/// A real header is far shorter; bounding it keeps decoding cheap for garbage input.
constexpr std::size_t kMaxAuthorizationBytes = 4096;

Error unauthorized() {
  return makeError(Errc::kUnauthorized,
                   "authentication failed: send valid operator credentials (berth login)");
}

std::optional<std::string> base64Decode(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (char c : in) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    std::size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

bool validOperatorName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace

OperatorAuth::OperatorAuth(metadata::CredentialStore& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<std::optional<std::string>> OperatorAuth::bootstrap() {
  bool any = false;
  BERTH_TRY(store_.listCredentials(kOperatorCredentialKind, [&](const metadata::Credential&) { any = true; }));
  if (any) return std::optional<std::string>{};
  auto password = createOperator("admin");
  if (!password.ok()) return password.error();
  return std::optional<std::string>(std::move(*password));
}

Result<std::string> OperatorAuth::authenticateBasic(std::string_view header) {
  if (header.size() > kMaxAuthorizationBytes || !header.starts_with("Basic ")) return unauthorized();
  auto decoded = base64Decode(header.substr(6));
  if (!decoded) return unauthorized();
  std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return unauthorized();
  std::string user = decoded->substr(0, colon);
  std::string password = decoded->substr(colon + 1);
  auto stored = store_.getCredential(kOperatorCredentialKind, user);
  if (!stored.ok()) {
    // Spend the same work for unknown users so timing does not reveal which names exist.
    (void)auth::verifyPassword(password, "scrypt$32768$8$1$00$00");
    return unauthorized();
  }
  if (!auth::verifyPassword(password, stored->secret)) return unauthorized();
  return user;
}

Result<std::string> OperatorAuth::authenticate(std::string_view header) {
  if (header.size() > kMaxAuthorizationBytes) return unauthorized();
  if (header.starts_with("Bearer ")) {
    auto stored = store_.getCredential(kTokenKind, auth::tokenDigest(header.substr(7)));
    if (!stored.ok()) return unauthorized();
    if (stored->expiresUnixSeconds != 0 && stored->expiresUnixSeconds < clock_.nowUnixSeconds()) {
      (void)store_.removeCredential(kTokenKind, stored->name);
      return unauthorized();
    }
    return stored->owner;
  }
  return authenticateBasic(header);
}

Result<TokenGrant> OperatorAuth::issueToken(std::string_view username) {
  TokenGrant grant{auth::randomHex(32), clock_.nowUnixSeconds() + kTokenLifetimeSeconds};
  BERTH_TRY(store_.putCredential(metadata::Credential{std::string(kTokenKind),
                                                      auth::tokenDigest(grant.token),
                                                      std::string("-"), std::string(username),
                                                      grant.expiresUnixSeconds}));
  return grant;
}

Result<std::string> OperatorAuth::createOperator(std::string_view name) {
  if (!validOperatorName(name)) {
    return fail(Errc::kInvalidParameter,
                "operator names are 1-64 lowercase letters, digits, '-', '_' or '.'");
  }
  if (store_.getCredential(kOperatorCredentialKind, name).ok()) {
    return fail(Errc::kConflict, "operator '" + std::string(name) + "' already exists");
  }
  std::string password = auth::randomPassword(40);
  auto hash = auth::hashPassword(password);
  if (!hash.ok()) return hash.error();
  BERTH_TRY(store_.putCredential(
      metadata::Credential{std::string(kOperatorCredentialKind), std::string(name), *hash, std::string(name), 0}));
  return password;
}

Result<std::vector<std::string>> OperatorAuth::listOperators() {
  std::vector<std::string> names;
  BERTH_TRY(store_.listCredentials(kOperatorCredentialKind,
                                   [&](const metadata::Credential& c) { names.push_back(c.name); }));
  return names;
}

Result<bool> OperatorAuth::removeOperator(std::string_view name) {
  auto names = listOperators();
  if (!names.ok()) return names.error();
  if (std::find(names->begin(), names->end(), name) == names->end()) return false;
  if (names->size() == 1) {
    return fail(Errc::kConflict, "cannot remove the last operator; create another one first");
  }
  BERTH_TRY(store_.removeCredential(kOperatorCredentialKind, name));
  BERTH_TRY(store_.removeCredentialsOwnedBy(kTokenKind, name));
  return true;
}

}  // namespace berth::mgmt
