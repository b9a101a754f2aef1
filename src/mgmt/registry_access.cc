// ControlPlane: the RegistryAccessPolicy each published registry carries — who may authenticate
// (admin user, repository-scoped tokens) and with which secrets.

#include <algorithm>

#include "auth/secret_hash.h"
#include "mgmt/arm_path.h"
#include "mgmt/control_plane.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {

Status ControlPlane::buildAccessPolicy(const Json& registry, RegistrySettings& settings) {
  auth::RegistryAccessPolicy& access = settings.access;
  access.authenticationRequired = true;
  access.registry = {registry.value("id", ""), settings.adminUserEnabled,
                     settings.anonymousPullEnabled};
  access.name = settings.name;
  access.loginServer = settings.name + "." + domain_;
  if (settings.adminUserEnabled) {
    for (std::string_view which : {"password", "password2"}) {
      auto sealed = credentials_.getCredential(kAdminPasswordKind,
                                               settings.name + "/" + std::string(which));
      if (!sealed.ok()) continue;  // not generated yet: nobody can use it
      auto plain = secrets_.open(sealed->secret);
      if (!plain.ok()) return plain.error();
      access.adminPasswordDigests.push_back(auth::tokenDigest(*plain));
    }
  }
  const std::int64_t now = clock_.nowUnixSeconds();
  Status listed = resources_.listResources(
      kTokenType, toLower(access.registry.id), [&](const metadata::ResourceRow& row) {
        Json doc = Json::parse(row.body, nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) return;
        const Json& props = doc["properties"];
        auto map = resolveScopeMap(access.registry.id, props.value("scopeMapId", ""));
        if (!map.ok()) return;  // fail closed: a token without a valid map is not published
        auto scopeMap = auth::ScopeMap::parse(map->actions);
        if (!scopeMap.ok()) return;
        auth::RepositoryTokenPolicy token;
        token.name = doc.value("name", row.name);
        token.enabled = props.value("status", "enabled") == "enabled";
        token.scopeMap = std::move(*scopeMap);
        bool neverExpires = false;
        std::int64_t latest = 0;
        for (std::string_view which : {"password1", "password2"}) {
          auto stored = credentials_.getCredential(
              kTokenPasswordKind, settings.name + "/" + row.name + "/" + std::string(which));
          if (!stored.ok()) continue;
          const std::int64_t expiry = stored->expiresUnixSeconds;
          if (expiry != 0 && expiry <= now) continue;  // expired passwords are never published
          if (expiry == 0) {
            neverExpires = true;
          } else {
            latest = std::max(latest, expiry);
            if (nextPasswordExpiry_ == 0 || expiry < nextPasswordExpiry_) nextPasswordExpiry_ = expiry;
          }
          token.passwordHashes.push_back(stored->secret);
        }
        // With every password expiring, the token itself ends with the last one; the data plane
        // checks that even before the next publish drops the expired hash.
        token.expiresUnixSeconds = neverExpires ? 0 : latest;
        access.tokens[toLower(token.name)] = std::move(token);
      });
  return listed;
}

Status ControlPlane::refreshExpiredCredentials() {
  std::lock_guard lock(writer_);
  if (nextPasswordExpiry_ == 0 || clock_.nowUnixSeconds() < nextPasswordExpiry_) return okStatus();
  return publishRegistries();
}

}  // namespace berth::mgmt
