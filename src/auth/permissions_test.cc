#include "auth/permissions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSub = "/subscriptions/00000000-0000-0000-0000-000000000001";
const std::string kGroup = kSub + "/resourceGroups/rg1";
const std::string kRegistryId = kGroup + "/providers/Microsoft.ContainerRegistry/registries/reg1";
const std::string kOtherRegistryId =
    kGroup + "/providers/Microsoft.ContainerRegistry/registries/reg10";

RegistryRef registry(bool adminEnabled = true, bool anonymousPull = false) {
  return RegistryRef{kRegistryId, adminEnabled, anonymousPull};
}

std::string upper(std::string s) {
  for (auto& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// What grant() answers, as space-separated canonical scopes.
std::string granted(const Principal& p, const RegistryRef& r, std::string_view request,
                    std::int64_t now = kNow) {
  auto scopes = parseScopeList(request);
  EXPECT_TRUE(scopes.ok()) << request;
  std::string out;
  for (const auto& s : grant(p, r, *scopes, now).scopes) {
    if (!out.empty()) out += ' ';
    out += formatScope(s);
  }
  return out;
}

Principal withRole(Role role, std::string scope = kRegistryId) {
  return Principal::identity("alice", {RoleAssignment{std::move(scope), role}});
}

ScopeMap scopeMap(const std::vector<std::string>& actions) {
  auto map = ScopeMap::parse(actions);
  EXPECT_TRUE(map.ok()) << (map.ok() ? "" : map.error().message);
  return map.ok() ? *map : ScopeMap{};
}

Principal token(std::vector<std::string> actions, bool enabled = true, std::int64_t expires = 0,
                std::string registryId = kRegistryId) {
  return Principal::repositoryToken("ci", std::move(registryId), scopeMap(actions), enabled,
                                    expires);
}

const std::vector<std::string> kTeamMap = {
    "repositories/app/content/read",      "repositories/team/*/content/read",
    "repositories/team/*/content/write",  "repositories/*/metadata/read",
    "repositories/legacy/content/delete",
};

constexpr std::string_view kEverything = "repository:app:* registry:catalog:*";

struct GrantCase {
  const char* name;
  Principal principal;
  RegistryRef registry;
  std::string request;
  std::string expected;
};

TEST(PermissionsTest, GrantMatrix) {
  const std::vector<GrantCase> cases = {
      // Roles at the registry's own scope.
      {"AcrPull", withRole(Role::kAcrPull), registry(), std::string(kEverything),
       "repository:app:pull"},
      {"AcrPush", withRole(Role::kAcrPush), registry(), std::string(kEverything),
       "repository:app:pull,push"},
      {"AcrDelete", withRole(Role::kAcrDelete), registry(), std::string(kEverything),
       "repository:app:delete"},
      {"Reader", withRole(Role::kReader), registry(), std::string(kEverything),
       "repository:app:pull,metadata_read registry:catalog:*"},
      {"Contributor", withRole(Role::kContributor), registry(), std::string(kEverything),
       "repository:app:pull,push,delete,metadata_read,metadata_write registry:catalog:*"},
      {"Owner", withRole(Role::kOwner), registry(), std::string(kEverything),
       "repository:app:pull,push,delete,metadata_read,metadata_write registry:catalog:*"},
      {"never more than requested", withRole(Role::kOwner), registry(), "repository:app:pull",
       "repository:app:pull"},
      {"unknown action words grant nothing", withRole(Role::kOwner), registry(),
       "repository:app:admin", ""},
      {"no scopes, no access", withRole(Role::kOwner), registry(), "", ""},
      {"duplicates merge, escalation dropped", withRole(Role::kAcrPull), registry(),
       "repository:app:pull repository:app:push", "repository:app:pull"},
      {"resource class kept", withRole(Role::kAcrPull), registry(), "repository(plugin):p:pull",
       "repository(plugin):p:pull"},
      // Assignment scopes: broader ones cover, ids are case-insensitive, shapes are strict.
      {"subscription scope", withRole(Role::kAcrPull, upper(kSub)), registry(),
       "repository:app:pull", "repository:app:pull"},
      {"resource group scope", withRole(Role::kAcrPush, kGroup + "/"), registry(),
       "repository:app:pull,push", "repository:app:pull,push"},
      {"root scope", withRole(Role::kAcrPull, "/"), registry(), "repository:app:pull",
       "repository:app:pull"},
      {"registry id upper-cased", withRole(Role::kAcrPull, upper(kRegistryId)), registry(),
       "repository:app:pull", "repository:app:pull"},
      {"other resource group", withRole(Role::kOwner, kSub + "/resourceGroups/rg2"), registry(),
       std::string(kEverything), ""},
      {"other subscription", withRole(Role::kOwner, "/subscriptions/other"), registry(),
       std::string(kEverything), ""},
      {"registry name prefix is not a parent", withRole(Role::kOwner, kOtherRegistryId), registry(),
       std::string(kEverything), ""},
      {"narrower than the registry", withRole(Role::kOwner, kRegistryId + "/scopeMaps/x"),
       registry(), std::string(kEverything), ""},
      {"malformed scope /subscriptions", withRole(Role::kOwner, "/subscriptions"), registry(),
       std::string(kEverything), ""},
      {"malformed scope resourceGroups", withRole(Role::kOwner, kSub + "/resourceGroups"),
       registry(), std::string(kEverything), ""},
      {"malformed scope providers", withRole(Role::kOwner, kGroup + "/providers"), registry(),
       std::string(kEverything), ""},
      {"empty scope", withRole(Role::kOwner, ""), registry(), std::string(kEverything), ""},
      {"double slash", withRole(Role::kOwner, kSub + "//"), registry(), std::string(kEverything),
       ""},
      {"union of assignments",
       Principal::identity("bob", {{kSub, Role::kAcrPull},
                                   {kRegistryId, Role::kAcrDelete},
                                   {"/subscriptions/x", Role::kOwner}}),
       registry(), std::string(kEverything), "repository:app:pull,delete"},
      {"no assignments", Principal::identity("carol", {}), registry(), std::string(kEverything),
       ""},
      // Admin user.
      {"admin", Principal::adminUser("reg1", kRegistryId), registry(),
       "repository:a/b:pull,push,delete registry:catalog:*",
       "repository:a/b:pull,push,delete registry:catalog:*"},
      {"admin disabled", Principal::adminUser("reg1", kRegistryId), registry(false),
       std::string(kEverything), ""},
      {"admin of another registry", Principal::adminUser("reg10", kOtherRegistryId), registry(),
       std::string(kEverything), ""},
      // Anonymous pull.
      {"anonymous pull", Principal::anonymous(), registry(true, true),
       "repository:app:pull,push,delete registry:catalog:*", "repository:app:pull"},
      {"anonymous pull disabled", Principal::anonymous(), registry(true, false),
       "repository:app:pull", ""},
      // Repository-scoped tokens with scope maps.
      {"token exact repo", token(kTeamMap), registry(), "repository:app:pull,push,delete",
       "repository:app:pull"},
      {"token wildcard", token(kTeamMap), registry(), "repository:team/web:pull,push,delete",
       "repository:team/web:pull,push"},
      {"token wildcard any depth", token(kTeamMap), registry(), "repository:team/a/b:push",
       "repository:team/a/b:push"},
      {"token wildcard excludes prefix itself", token(kTeamMap), registry(),
       "repository:team:pull,push", ""},
      {"token wildcard is per segment", token(kTeamMap), registry(),
       "repository:teamx/web:pull,push", ""},
      {"token star covers every repo", token(kTeamMap), registry(),
       "repository:other:metadata_read,pull", "repository:other:metadata_read"},
      {"token delete", token(kTeamMap), registry(), "repository:legacy:*",
       "repository:legacy:delete,metadata_read"},
      {"token never lists the catalog", token({"repositories/*/content/read"}), registry(),
       "registry:catalog:* repository:x:pull", "repository:x:pull"},
      {"token disabled", token(kTeamMap, false), registry(), "repository:app:pull", ""},
      {"token expired", token(kTeamMap, true, kNow), registry(), "repository:app:pull", ""},
      {"token not yet expired", token(kTeamMap, true, kNow + 1), registry(), "repository:app:pull",
       "repository:app:pull"},
      {"token of another registry", token(kTeamMap, true, 0, kOtherRegistryId), registry(),
       "repository:app:pull", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(granted(c.principal, c.registry, c.request), c.expected) << c.name;
  }
}

TEST(PermissionsTest, RoleActionTable) {
  struct Row {
    Role role;
    bool pull, push, del, catalog, metaRead, metaWrite;
  };
  const Row rows[] = {
      {Role::kAcrPull, true, false, false, false, false, false},
      {Role::kAcrPush, true, true, false, false, false, false},
      {Role::kAcrDelete, false, false, true, false, false, false},
      {Role::kReader, true, false, false, true, true, false},
      {Role::kContributor, true, true, true, true, true, true},
      {Role::kOwner, true, true, true, true, true, true},
  };
  for (const auto& row : rows) {
    const auto scopes = *parseScopeList(kEverything);
    const GrantedAccess access = grant(withRole(row.role), registry(), scopes, kNow);
    const std::string name(roleName(row.role));
    EXPECT_EQ(allows(access, "app", Action::kPull), row.pull) << name;
    EXPECT_EQ(allows(access, "app", Action::kPush), row.push) << name;
    EXPECT_EQ(allows(access, "app", Action::kDelete), row.del) << name;
    EXPECT_EQ(allows(access, "", Action::kCatalog), row.catalog) << name;
    EXPECT_EQ(allows(access, "app", Action::kMetadataRead), row.metaRead) << name;
    EXPECT_EQ(allows(access, "app", Action::kMetadataWrite), row.metaWrite) << name;
    // Only the requested repository.
    EXPECT_FALSE(allows(access, "other", Action::kPull)) << name;
    EXPECT_EQ(parseRole(name), row.role);
    EXPECT_EQ(parseRole(upper(name)), row.role);
  }
  EXPECT_FALSE(parseRole("AcrAdmin"));
  EXPECT_FALSE(parseRole(""));
}

TEST(PermissionsTest, AllowsChecksNameActionAndType) {
  GrantedAccess access{*parseScopeList("repository:a:pull repository(plugin):p:push")};
  EXPECT_TRUE(allows(access, "a", Action::kPull));
  EXPECT_FALSE(allows(access, "a", Action::kPush));
  EXPECT_FALSE(allows(access, "a/b", Action::kPull));
  EXPECT_FALSE(allows(access, "A", Action::kPull));
  EXPECT_TRUE(allows(access, "p", Action::kPush));
  EXPECT_FALSE(allows(access, "", Action::kCatalog));
  EXPECT_FALSE(allows(GrantedAccess{}, "a", Action::kPull));
  // A repository literally named "catalog" is not the catalog.
  GrantedAccess repoNamedCatalog{*parseScopeList("repository:catalog:*")};
  EXPECT_FALSE(allows(repoNamedCatalog, "", Action::kCatalog));
}

TEST(PermissionsTest, MountNeedsPullOnSourceAndPushOnTarget) {
  auto access = [](std::string_view request) {
    return grant(withRole(Role::kOwner), registry(), *parseScopeList(request), kNow);
  };
  EXPECT_TRUE(canMount(access("repository:src:pull repository:dst:pull,push"), "src", "dst"));
  EXPECT_FALSE(canMount(access("repository:dst:pull,push"), "src", "dst"));
  EXPECT_FALSE(canMount(access("repository:src:pull repository:dst:pull"), "src", "dst"));
  EXPECT_FALSE(canMount(access("repository:src:push repository:dst:push"), "src", "dst"));

  // A token allowed to push team/* cannot mount from a repository it cannot read.
  const Principal ci =
      token({"repositories/team/*/content/write", "repositories/team/*/content/read"});
  const auto tokenAccess = grant(
      ci, registry(), *parseScopeList("repository:secret:pull repository:team/x:pull,push"), kNow);
  EXPECT_FALSE(canMount(tokenAccess, "secret", "team/x"));
  EXPECT_TRUE(allows(tokenAccess, "team/x", Action::kPush));
}

TEST(PermissionsTest, ScopeMapRejectsMalformedActions) {
  for (const char* bad :
       {"repositories/app/content/admin", "repos/app/content/read", "repositories/content/read",
        "repositories/app/content", "repositories/*/app/content/read",
        "repositories/te*/content/read", "repositories//content/read",
        "repositories/a/*/b/content/read", "repositories/*/*/content/read",
        "repositories/App/content/read", "repositories/app/metadata/delete",
        "repositories/app/Content/read", "repositories/app/content/read/", "", "repositories/"}) {
    auto map = ScopeMap::parse({bad});
    EXPECT_FALSE(map.ok()) << bad;
    if (!map.ok()) {
      EXPECT_EQ(map.error().code, Errc::kInvalidParameter);
    }
  }
  auto ok =
      ScopeMap::parse({"repositories/a.b/c-d/content/read", "repositories/x/*/metadata/write"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->actionsFor("a.b/c-d"), ActionSet{Action::kPull});
  EXPECT_EQ(ok->actionsFor("x/y"), ActionSet{Action::kMetadataWrite});
  EXPECT_TRUE(ok->actionsFor("x").empty());
}

TEST(PermissionsTest, ScopeCoversShapes) {
  EXPECT_TRUE(scopeCovers(kRegistryId, kRegistryId));
  EXPECT_TRUE(scopeCovers(upper(kGroup), kRegistryId));
  EXPECT_FALSE(scopeCovers(kRegistryId, kGroup));  // a registry assignment does not cover its RG
  EXPECT_FALSE(scopeCovers("/", ""));
  EXPECT_FALSE(scopeCovers(kSub, "relative/id"));
  EXPECT_FALSE(scopeCovers("subscriptions/x", "/subscriptions/x/resourceGroups/g"));
}

}  // namespace
}  // namespace berth::auth
