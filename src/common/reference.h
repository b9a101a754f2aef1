#pragma once
// Validation of the names a client puts in registry URLs: repository names, tags, and the
// tag-or-digest choice for manifest references. Pure functions, no I/O, safe on any input.

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace berth {

/// Longest repository name accepted. Clients (docker, containerd) refuse longer names, so a
/// longer one could be pushed but never pulled.
constexpr std::size_t kMaxRepositoryNameLength = 255;
/// The distribution spec's tag grammar allows one leading character plus up to 127 more.
constexpr std::size_t kMaxTagLength = 128;

/// OK when `name` matches the OCI distribution grammar
///   [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
/// and is at most kMaxRepositoryNameLength bytes; otherwise kNameInvalid whose message says what
/// is allowed and whose detail is the (truncated) offending name. Linear time, no recursion.
Status validateRepositoryName(std::string_view name);

/// OK when `tag` matches [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}; otherwise kTagInvalid.
Status validateTag(std::string_view tag);

/// True when a manifest reference must be treated as a digest rather than a tag: it contains ':',
/// which the tag grammar never allows. Says nothing about whether the digest is valid; use
/// Digest::parse for that.
bool looksLikeDigest(std::string_view reference) noexcept;

}  // namespace berth
