#pragma once
// Input rules of the resource model, each failing with kInvalidParameter and a message that says
// what is allowed. Pure.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace berth::mgmt {

inline constexpr std::string_view kRegistryType = "microsoft.containerregistry/registries";
/// Credential kind of sealed registry admin passwords; owner = registry name.
inline constexpr std::string_view kAdminPasswordKind = "registry-admin-password";
inline constexpr std::string_view kScopeMapType = "microsoft.containerregistry/registries/scopemaps";
inline constexpr std::string_view kTokenType = "microsoft.containerregistry/registries/tokens";
inline constexpr std::string_view kRoleAssignmentType = "microsoft.authorization/roleassignments";
/// Credential kind of repository-scoped token passwords (scrypt hashes): name
/// "<registry>/<token>/password1|password2", owner = the registry's lowercase name, so deleting the
/// registry removes them all at once.
inline constexpr std::string_view kTokenPasswordKind = "token-password";

Status validateSubscriptionId(std::string_view sub);
Status validateProviderNamespace(std::string_view ns);
/// 1-90 letters, digits, '_', '-', '.', '(', ')'; not ending in '.'.
Status validateResourceGroupName(std::string_view rg);
/// 5-50 letters and digits.
Status validateRegistryName(std::string_view name);
/// Tokens and scope maps: 5-50 letters, digits, '-' and '_' (`what` names the kind in errors).
Status validateChildName(std::string_view name, std::string_view what);
/// A GUID, 8-4-4-4-12 hex digits (role assignment names).
bool isUuid(std::string_view text);
/// A random (version 4) GUID, lowercase.
std::string randomUuid();
/// Locations are lowercase letters and digits ("eastus"); input is lowercased and spaces removed.
Result<std::string> normalizeLocation(const nlohmann::ordered_json& value);
/// An object of string values (keys up to 512 chars, values up to 256, at most 50 tags).
Result<nlohmann::ordered_json> validateTags(const nlohmann::ordered_json& value);
/// An IPv4 address or CIDR ("203.0.113.7", "198.51.100.0/24"); returns the canonical form.
Result<std::string> normalizeIpRule(std::string_view value);
/// Case-insensitive match against the allowed values; returns the canonical spelling.
Result<std::string> oneOf(const nlohmann::ordered_json& value, std::string_view field,
                          std::initializer_list<std::string_view> allowed);
Result<bool> boolField(const nlohmann::ordered_json& value, std::string_view field);

}  // namespace berth::mgmt
