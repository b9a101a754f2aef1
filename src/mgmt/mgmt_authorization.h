#pragma once
// Who may change what through the management API. Reading is open to every operator (resource
// documents hold no secrets); changing a resource needs Contributor or Owner at a scope that
// contains it; granting roles and managing operators needs Owner. Pure.
//
//   GET/HEAD anything, /auth/token, checkNameAvailability, listUsages, listAuditEvents   any operator
//   PUT/PATCH/DELETE subscriptions, groups, registries, scope maps, tokens,
//   provider (un)registration, listCredentials, regenerateCredential, generateCredentials
//                                                     Contributor or Owner at the resource's scope
//   role assignments (PUT/DELETE)                     Owner at the assignment's scope
//   operators (PUT/DELETE)                            Owner at "/"

#include <cstdint>
#include <string>
#include <vector>

#include "auth/permissions.h"
#include "http/request.h"
#include "mgmt/arm_path.h"

namespace berth::mgmt {

struct ManagementRequirement {
  enum class Level : std::uint8_t { kAnyOperator, kContributor, kOwner };
  Level level = Level::kAnyOperator;
  std::string scope = "/";  // the ARM id the request changes ("/" for deployment-wide)
};

ManagementRequirement managementRequirement(const ArmPath& path, http::Method method);

/// True when one of `assignments` grants `need` (an assignment at scope S covers S and every id
/// below it; "/" covers everything).
bool managementAllows(const std::vector<auth::RoleAssignment>& assignments,
                      const ManagementRequirement& need);

std::string_view levelName(ManagementRequirement::Level level);

}  // namespace berth::mgmt
