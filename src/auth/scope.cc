#include "auth/scope.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/reference.h"

namespace berth::auth {

namespace {

constexpr std::string_view kRepositoryType = "repository";
constexpr std::string_view kRegistryType = "registry";
constexpr std::string_view kCatalogName = "catalog";
/// Longest resource class accepted; docker only ever sends "plugin".
constexpr std::size_t kMaxClassLength = 32;

struct NamedAction {
  std::string_view name;
  Action action;
};

// Wire order of repository actions in the access claim; fixed so tokens are reproducible.
constexpr std::array kRepositoryActions = {
    NamedAction{"pull", Action::kPull},
    NamedAction{"push", Action::kPush},
    NamedAction{"delete", Action::kDelete},
    NamedAction{"metadata_read", Action::kMetadataRead},
    NamedAction{"metadata_write", Action::kMetadataWrite},
};

Unexpected invalid(std::string message, std::string_view offending = {}) {
  // The offending text is echoed back to the client, so it is bounded.
  return fail(Errc::kInvalidParameter, std::move(message),
              std::string(offending.substr(0, kMaxScopeBytes)));
}

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool isActionWord(std::string_view word) {
  if (word.empty()) {
    return false;
  }
  if (word == "*") {
    return true;
  }
  for (char c : word) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) {
      return false;
    }
  }
  return true;
}

// Adds the action a known word names for this resource type; unknown words add nothing.
void addActionWord(ResourceType type, std::string_view word, ActionSet& actions) {
  if (type == ResourceType::kRegistry) {
    if (word == "*") {
      actions.add(Action::kCatalog);
    }
    return;
  }
  if (word == "*") {
    actions |= ActionSet::allRepository();
    return;
  }
  for (const auto& named : kRepositoryActions) {
    if (named.name == word) {
      actions.add(named.action);
      return;
    }
  }
}

// Validates type/class/name into `scope`; shared by the string and JSON forms.
Status setResource(Scope& scope, std::string_view type, std::string_view resourceClass,
                   std::string_view name) {
  if (type == kRepositoryType) {
    scope.type = ResourceType::kRepository;
    if (resourceClass.size() > kMaxClassLength) {
      return invalid("a scope's resource class is too long", resourceClass);
    }
    for (char c : resourceClass) {
      if (!isLowerAlnum(c)) {
        return invalid("a scope's resource class must be lowercase letters and digits",
                       resourceClass);
      }
    }
    if (auto st = validateRepositoryName(name); !st.ok()) {
      return invalid("a repository scope names an invalid repository: " + st.error().message, name);
    }
  } else if (type == kRegistryType) {
    scope.type = ResourceType::kRegistry;
    if (!resourceClass.empty() || name != kCatalogName) {
      return invalid("the only registry scope is registry:catalog:*", name);
    }
  } else {
    return invalid("a scope's resource type must be repository or registry", type);
  }
  scope.resourceClass = std::string(resourceClass);
  scope.name = std::string(name);
  return okStatus();
}

}  // namespace

std::string_view actionName(Action action) {
  if (action == Action::kCatalog) {
    return "*";
  }
  for (const auto& named : kRepositoryActions) {
    if (named.action == action) {
      return named.name;
    }
  }
  return "";
}

Result<Scope> parseScope(std::string_view text) {
  if (text.empty()) {
    return invalid("a scope must not be empty");
  }
  if (text.size() > kMaxScopeBytes) {
    return invalid("a scope is longer than " + std::to_string(kMaxScopeBytes) + " bytes", text);
  }
  const std::size_t first = text.find(':');
  const std::size_t last = text.rfind(':');
  if (first == std::string_view::npos || first == last) {
    return invalid("a scope must look like repository:<name>:<actions>", text);
  }
  std::string_view type = text.substr(0, first);
  const std::string_view name = text.substr(first + 1, last - first - 1);
  std::string_view actionList = text.substr(last + 1);

  std::string_view resourceClass;
  if (const std::size_t open = type.find('('); open != std::string_view::npos) {
    // Exactly "<type>(<class>)" with a non-empty class; the class characters are checked later.
    if (type.back() != ')' || open + 2 >= type.size()) {
      return invalid("a scope's resource class must look like repository(plugin)", text);
    }
    resourceClass = type.substr(open + 1, type.size() - open - 2);
    type = type.substr(0, open);
  }

  Scope scope;
  BERTH_TRY(setResource(scope, type, resourceClass, name));

  if (actionList.empty()) {
    return invalid("a scope must name at least one action", text);
  }
  while (true) {
    const std::size_t comma = actionList.find(',');
    const std::string_view word = actionList.substr(0, comma);
    if (!isActionWord(word)) {
      return invalid("a scope action must be lowercase letters or *", text);
    }
    addActionWord(scope.type, word, scope.actions);
    if (comma == std::string_view::npos) {
      break;
    }
    actionList.remove_prefix(comma + 1);
  }
  return scope;
}

Result<std::vector<Scope>> parseScopeList(std::string_view text) {
  std::vector<Scope> scopes;
  while (!text.empty()) {
    const std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) {
      break;
    }
    text.remove_prefix(start);
    const std::size_t end = text.find(' ');
    if (scopes.size() == kMaxScopes) {
      return invalid("a token request may name at most " + std::to_string(kMaxScopes) + " scopes");
    }
    auto scope = parseScope(text.substr(0, end));
    if (!scope.ok()) {
      return fail(std::move(scope).error());
    }
    scopes.push_back(std::move(*scope));
    if (end == std::string_view::npos) {
      break;
    }
    text.remove_prefix(end);
  }
  return scopes;
}

std::string formatScope(const Scope& scope) {
  std::string out;
  if (scope.type == ResourceType::kRegistry) {
    out = std::string(kRegistryType) + ":" + scope.name + ":";
  } else {
    out = std::string(kRepositoryType);
    if (!scope.resourceClass.empty()) {
      out += "(" + scope.resourceClass + ")";
    }
    out += ":" + scope.name + ":";
  }
  bool firstAction = true;
  auto append = [&](std::string_view word) {
    if (!firstAction) {
      out.push_back(',');
    }
    out.append(word);
    firstAction = false;
  };
  if (scope.type == ResourceType::kRegistry) {
    if (scope.actions.has(Action::kCatalog)) {
      append("*");
    }
  } else {
    for (const auto& named : kRepositoryActions) {
      if (scope.actions.has(named.action)) {
        append(named.name);
      }
    }
  }
  return out;
}

std::vector<Scope> mergeScopes(std::vector<Scope> scopes) {
  std::vector<Scope> merged;
  for (auto& scope : scopes) {
    if (scope.actions.empty()) {
      continue;
    }
    bool found = false;
    for (auto& m : merged) {
      if (m.type == scope.type && m.resourceClass == scope.resourceClass && m.name == scope.name) {
        m.actions |= scope.actions;
        found = true;
        break;
      }
    }
    if (!found) {
      merged.push_back(std::move(scope));
    }
  }
  return merged;
}

nlohmann::json accessToJson(const std::vector<Scope>& access) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& scope : access) {
    nlohmann::json entry = nlohmann::json::object();
    entry["type"] = scope.type == ResourceType::kRegistry ? kRegistryType : kRepositoryType;
    if (!scope.resourceClass.empty()) {
      entry["class"] = scope.resourceClass;
    }
    entry["name"] = scope.name;
    nlohmann::json actions = nlohmann::json::array();
    if (scope.type == ResourceType::kRegistry) {
      if (scope.actions.has(Action::kCatalog)) {
        actions.push_back("*");
      }
    } else {
      for (const auto& named : kRepositoryActions) {
        if (scope.actions.has(named.action)) {
          actions.push_back(named.name);
        }
      }
    }
    entry["actions"] = std::move(actions);
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::vector<Scope>> accessFromJson(const nlohmann::json& claim) {
  if (!claim.is_array()) {
    return invalid("the access claim must be an array");
  }
  if (claim.size() > kMaxScopes) {
    return invalid("the access claim has too many entries");
  }
  std::vector<Scope> access;
  for (const auto& entry : claim) {
    if (!entry.is_object()) {
      return invalid("an access claim entry must be an object");
    }
    const auto type = entry.find("type");
    const auto name = entry.find("name");
    const auto actions = entry.find("actions");
    const auto resourceClass = entry.find("class");
    if (type == entry.end() || !type->is_string() || name == entry.end() || !name->is_string() ||
        actions == entry.end() || !actions->is_array() ||
        (resourceClass != entry.end() && !resourceClass->is_string())) {
      return invalid("an access claim entry needs string type and name and an actions array");
    }
    Scope scope;
    const std::string_view classText =
        resourceClass == entry.end()
            ? std::string_view()
            : std::string_view(resourceClass->get_ref<const std::string&>());
    BERTH_TRY(setResource(scope, type->get_ref<const std::string&>(), classText,
                          name->get_ref<const std::string&>()));
    for (const auto& action : *actions) {
      if (!action.is_string() || !isActionWord(action.get_ref<const std::string&>())) {
        return invalid("access claim actions must be lowercase words or *");
      }
      addActionWord(scope.type, action.get_ref<const std::string&>(), scope.actions);
    }
    access.push_back(std::move(scope));
  }
  return access;
}

}  // namespace berth::auth
