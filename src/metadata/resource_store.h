#pragma once
// ResourceStore: control-plane resources (subscriptions, provider registrations, resource groups,
// registries; later networks, endpoints and DNS zones) as JSON documents keyed by their ARM id.
// Keys are the lowercased id, because ARM ids compare case-insensitively; the document keeps the
// case it was created with. Every write is durable when it returns OK. Thread-safe.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::metadata {

struct ResourceRow {
  std::string key;   // lowercased ARM id, unique
  std::string type;  // lowercased, e.g. "microsoft.containerregistry/registries"
  std::string name;  // lowercased last id segment, for deployment-wide name lookups
  std::string body;  // the JSON document as served (without etag)
  std::string etag;  // changes on every write
};

class ResourceStore {
 public:
  virtual ~ResourceStore() = default;

  /// The resource, or kResourceNotFound.
  virtual Result<ResourceRow> getResource(std::string_view key) = 0;
  /// Inserts or replaces, atomically. With `expectedEtag`: an empty string means "must not
  /// exist yet", anything else must equal the stored etag; otherwise kPreconditionFailed and
  /// nothing is written.
  virtual Status putResource(const ResourceRow& row, const std::string* expectedEtag) = 0;
  /// Deletes the resource and every resource whose key starts with key + "/", in one
  /// transaction; returns how many rows went (0 when nothing existed).
  virtual Result<std::size_t> deleteResourceTree(std::string_view key) = 0;
  /// Visits resources of `type` whose key starts with `scopePrefix` + "/" (all of that type when
  /// the prefix is empty), in key order.
  virtual Status listResources(std::string_view type, std::string_view scopePrefix,
                               const std::function<void(const ResourceRow&)>& visit) = 0;
  /// Visits resources of `type` with the given lowercased name, whatever their scope.
  virtual Status findResourcesByName(std::string_view type, std::string_view name,
                                     const std::function<void(const ResourceRow&)>& visit) = 0;
};

/// Secrets that must never be stored in the clear: operator password hashes, hashed access
/// tokens. `kind` namespaces the names ("operator", "token", ...).
struct Credential {
  std::string kind;
  std::string name;
  std::string secret;  // already hashed or encrypted by the caller
  std::string owner;   // e.g. the operator a token belongs to
  std::int64_t expiresUnixSeconds = 0;  // 0: never
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  /// Inserts or replaces.
  virtual Status putCredential(const Credential& credential) = 0;
  /// kResourceNotFound when absent.
  virtual Result<Credential> getCredential(std::string_view kind, std::string_view name) = 0;
  /// Idempotent.
  virtual Status removeCredential(std::string_view kind, std::string_view name) = 0;
  /// Removes every credential of `kind` owned by `owner` (e.g. an operator's tokens).
  virtual Status removeCredentialsOwnedBy(std::string_view kind, std::string_view owner) = 0;
  virtual Status listCredentials(std::string_view kind,
                                 const std::function<void(const Credential&)>& visit) = 0;
};

}  // namespace berth::metadata
