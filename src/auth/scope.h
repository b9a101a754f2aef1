#pragma once
// Docker token scopes (the `scope` parameter of a token request) and the JWT `access` claim that
// carries what was granted. Pure functions, no I/O, safe on any input.
//
// Grammar accepted (distribution "Token Scope Documentation", narrowed to what berth serves):
//   scope        := type ":" name ":" action ("," action)*
//   type         := "repository" | "repository(" class ")" | "registry"
//   class        := [a-z0-9]+                       (e.g. "plugin"; kept, has no effect on rights)
//   name         := a repository name (common/reference.h) | "catalog" for type "registry"
//   action       := [a-z_]+ | "*"
// The name may itself hold no ':' (berth's repository grammar forbids it), so the type ends at the
// first ':' and the actions start after the last one.
//
// Known repository actions: pull, push, delete, metadata_read, metadata_write, and "*" meaning all
// of them. The only registry resource is `registry:catalog:*`. A well-formed but unknown action
// word is ignored rather than refused: the token server answers with what it grants, so an
// unknown word simply is not granted. Anything malformed is kInvalidParameter.

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::auth {

enum class Action : std::uint8_t {
  kPull,
  kPush,
  kDelete,
  kCatalog,  // list the registry's repositories (/v2/_catalog); registry-wide only
  kMetadataRead,
  kMetadataWrite,
};

/// A small set of Actions (bit mask); a value type.
class ActionSet {
 public:
  constexpr ActionSet() = default;
  constexpr ActionSet(std::initializer_list<Action> actions) {
    for (Action a : actions) {
      add(a);
    }
  }
  static constexpr ActionSet all() {
    return {Action::kPull,    Action::kPush,         Action::kDelete,
            Action::kCatalog, Action::kMetadataRead, Action::kMetadataWrite};
  }
  /// Every action that applies to a repository (all but kCatalog).
  static constexpr ActionSet allRepository() {
    return {Action::kPull, Action::kPush, Action::kDelete, Action::kMetadataRead,
            Action::kMetadataWrite};
  }

  constexpr void add(Action a) { bits_ |= bit(a); }
  constexpr void remove(Action a) { bits_ &= static_cast<std::uint8_t>(~bit(a)); }
  constexpr bool has(Action a) const { return (bits_ & bit(a)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr ActionSet operator&(ActionSet o) const { return fromBits(bits_ & o.bits_); }
  constexpr ActionSet operator|(ActionSet o) const { return fromBits(bits_ | o.bits_); }
  constexpr ActionSet& operator|=(ActionSet o) {
    bits_ |= o.bits_;
    return *this;
  }
  constexpr bool operator==(const ActionSet&) const = default;

 private:
  static constexpr std::uint8_t bit(Action a) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(a));
  }
  static constexpr ActionSet fromBits(unsigned bits) {
    ActionSet s;
    s.bits_ = static_cast<std::uint8_t>(bits);
    return s;
  }
  std::uint8_t bits_ = 0;
};

/// Wire name of an action in scopes and the access claim ("pull", "metadata_read", ...);
/// kCatalog is "*" (as in `registry:catalog:*`).
std::string_view actionName(Action action);

enum class ResourceType : std::uint8_t { kRepository, kRegistry };

struct Scope {
  ResourceType type = ResourceType::kRepository;
  std::string resourceClass;  // "plugin" for `repository(plugin):...`, usually empty
  std::string name;           // repository name, or "catalog" for kRegistry
  ActionSet actions;          // only known actions; may be empty

  bool operator==(const Scope&) const = default;
};

/// Bounds so a request cannot make the token server (or a token) arbitrarily large.
constexpr std::size_t kMaxScopeBytes = 512;
constexpr std::size_t kMaxScopes = 32;

/// One scope string. kInvalidParameter when malformed; the message names the problem.
Result<Scope> parseScope(std::string_view text);
/// Space-separated scopes (the OAuth2 form; docker sends one `scope` parameter per scope, so the
/// caller may also call this once per parameter and concatenate). Empty text gives no scopes.
/// kInvalidParameter for any malformed scope or more than kMaxScopes.
Result<std::vector<Scope>> parseScopeList(std::string_view text);
/// The canonical string for a scope; parseScope(formatScope(s)) == s when s has actions.
std::string formatScope(const Scope& scope);

/// Merges entries naming the same resource (type, class, name) by uniting their actions, keeping
/// the order of first appearance, and drops entries whose action set is empty.
std::vector<Scope> mergeScopes(std::vector<Scope> scopes);

/// The JWT `access` claim: [{"type":"repository","name":"x","actions":["pull"]}], with "class"
/// present only for a resource class. Entries with no actions are kept (as an empty list).
nlohmann::json accessToJson(const std::vector<Scope>& access);
/// Parses an `access` claim; kInvalidParameter when the shape is wrong, a name is invalid, or it
/// has more than kMaxScopes entries. Unknown action words are ignored as in parseScope.
Result<std::vector<Scope>> accessFromJson(const nlohmann::json& claim);

}  // namespace berth::auth
