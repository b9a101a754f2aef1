#include "mgmt/arm_path.h"

#include <vector>

namespace berth::mgmt {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

Error unknown(std::string_view path) {
  return makeError(Errc::kRouteUnknown, "the management API has no resource at '" +
                                            std::string(path.substr(0, 300)) +
                                            "' (see docs/management-api.md)");
}

/// Resource names may not contain characters that would make ids ambiguous.
bool plausibleName(std::string_view s) {
  if (s.empty() || s.size() > 260) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '%' || c == '?' || c == '#' || c == '\\') {
      return false;
    }
  }
  return true;
}

/// Collections below a resource; any other single segment after a resource name is an action.
bool isChildCollection(std::string_view segment) {
  return iequals(segment, "scopeMaps") || iequals(segment, "tokens");
}

/// {scope}/providers/Microsoft.Authorization/roleAssignments[/{name}], scope possibly empty.
bool parseRoleAssignmentPath(const std::vector<std::string_view>& seg, ArmPath& p) {
  const std::size_t n = seg.size();
  std::size_t at = n;  // index of "providers"
  if (n >= 3 && iequals(seg[n - 1], "roleAssignments")) {
    at = n - 3;
  } else if (n >= 4 && iequals(seg[n - 2], "roleAssignments")) {
    at = n - 4;
  }
  if (at == n || !iequals(seg[at], "providers") ||
      !iequals(seg[at + 1], "Microsoft.Authorization")) {
    return false;
  }
  p.route = at + 3 == n ? ArmRoute::kRoleAssignments : ArmRoute::kRoleAssignment;
  if (p.route == ArmRoute::kRoleAssignment) p.name = std::string(seg[n - 1]);
  p.scope.clear();
  for (std::size_t k = 0; k < at; ++k) p.scope += "/" + std::string(seg[k]);
  if (p.scope.empty()) p.scope = "/";
  return true;
}

}  // namespace

Result<ArmPath> parseArmPath(std::string_view path) {
  std::vector<std::string_view> seg;
  std::string_view rest = path;
  while (!rest.empty()) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    std::size_t slash = rest.find('/');
    seg.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  for (auto s : seg) {
    if (!plausibleName(s)) return unknown(path);
  }
  ArmPath p;
  const std::size_t n = seg.size();
  if (parseRoleAssignmentPath(seg, p)) return p;
  if (n == 2 && iequals(seg[0], "auth") && iequals(seg[1], "token")) {
    p.route = ArmRoute::kAuthToken;
    return p;
  }
  if (n >= 3 && iequals(seg[0], "providers") && iequals(seg[1], "Berth.Management")) {
    if (n == 3 && iequals(seg[2], "info")) {
      p.route = ArmRoute::kInfo;
      return p;
    }
    if (iequals(seg[2], "operators")) {
      if (n == 3) {
        p.route = ArmRoute::kOperators;
        return p;
      }
      if (n == 4) {
        p.route = ArmRoute::kOperator;
        p.name = std::string(seg[3]);
        return p;
      }
    }
    return unknown(path);
  }
  if (n == 0 || !iequals(seg[0], "subscriptions")) return unknown(path);
  if (n == 1) {
    p.route = ArmRoute::kSubscriptions;
    return p;
  }
  p.subscription = std::string(seg[1]);
  if (n == 2) {
    p.route = ArmRoute::kSubscription;
    return p;
  }
  std::size_t i = 2;
  if (iequals(seg[2], "resourcegroups")) {
    if (n == 3) {
      p.route = ArmRoute::kResourceGroups;
      return p;
    }
    p.resourceGroup = std::string(seg[3]);
    if (n == 4) {
      p.route = ArmRoute::kResourceGroup;
      return p;
    }
    i = 4;
  }
  if (!iequals(seg[i], "providers")) return unknown(path);
  const bool inGroup = !p.resourceGroup.empty();
  if (!inGroup && n == 3) {
    p.route = ArmRoute::kProviders;
    return p;
  }
  if (n <= i + 1) return unknown(path);
  p.providerNamespace = std::string(seg[i + 1]);
  if (!inGroup && (n == 4 || (n == 5 && (iequals(seg[4], "register") || iequals(seg[4], "unregister"))))) {
    p.route = ArmRoute::kProvider;
    if (n == 5) p.action = toLower(seg[4]);
    return p;
  }
  if (n <= i + 2) return unknown(path);
  p.type = std::string(seg[i + 2]);
  if (n == i + 3) {
    p.route = inGroup ? ArmRoute::kGroupResources : ArmRoute::kSubscriptionResources;
    return p;
  }
  if (!inGroup) {
    // Only collections exist at subscription level (e.g. .../checkNameAvailability is a "type").
    return unknown(path);
  }
  p.name = std::string(seg[i + 3]);
  if (n == i + 4) {
    p.route = ArmRoute::kResource;
    return p;
  }
  if (n == i + 5 && !isChildCollection(seg[i + 4])) {
    p.route = ArmRoute::kResource;
    p.action = toLower(seg[i + 4]);
    return p;
  }
  if (!isChildCollection(seg[i + 4]) || n > i + 6) return unknown(path);
  p.childType = std::string(seg[i + 4]);
  p.route = n == i + 5 ? ArmRoute::kChildResources : ArmRoute::kChildResource;
  if (n == i + 6) p.childName = std::string(seg[i + 5]);
  return p;
}

}  // namespace berth::mgmt
