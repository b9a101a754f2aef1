#pragma once
// The one error type of berth's core. Errors travel by value (see result.h); the mapping to HTTP
// statuses and wire codes lives in exactly one table (error_table.cc) so no handler picks a status.

#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

enum class Errc : std::uint8_t {
  // OCI distribution spec codes.
  kBlobUnknown,
  kBlobUploadInvalid,
  kBlobUploadUnknown,
  kDigestInvalid,
  kManifestBlobUnknown,
  kManifestInvalid,
  kManifestUnknown,
  kNameInvalid,
  kNameUnknown,
  kSizeInvalid,
  kUnauthorized,
  kDenied,
  kUnsupported,
  kTooManyRequests,
  // berth-specific data-plane conditions, each with the spec-compatible status.
  kRangeInvalid,         // 416: unsatisfiable Range or out-of-order chunk
  kManifestTooLarge,     // 413
  kTagInvalid,           // 400
  kPaginationInvalid,    // 400
  kRegistryUnknown,      // 404: Host names no registry served here
  kRouteUnknown,         // 404: path is not part of the API
  kMethodNotAllowed,     // 405
  kRequestInvalid,       // 400: malformed HTTP (headers, lengths)
  kHeadersTooLarge,      // 431
  // Management-plane codes.
  kResourceNotFound,
  kInvalidParameter,
  kConflict,
  kPreconditionFailed,
  kSkuNotSupported,
  kQuotaExceeded,
  kSubscriptionNotFound,
  kResourceGroupNotFound,
  kMissingSubscriptionRegistration,
  // Anything the caller cannot fix: I/O failure, corrupt store.
  kInternal,
  kUnavailable,
};

struct Error {
  Errc code = Errc::kInternal;
  std::string message;  // says what went wrong and what to do about it
  std::string detail;   // optional machine-readable context (e.g. the digest), may be empty
};

/// Wire facts for an Errc; one row per code in error_table.cc.
struct ErrorWireInfo {
  int httpStatus;
  std::string_view ociCode;   // code string in {"errors":[{"code":...}]}
  std::string_view mgmtCode;  // code string in {"error":{"code":...}}
};

const ErrorWireInfo& wireInfo(Errc code) noexcept;

// Named factories for the common cases keep messages consistent across handlers.
Error makeError(Errc code, std::string message, std::string detail = {});
Error internalError(std::string message);

}  // namespace berth
