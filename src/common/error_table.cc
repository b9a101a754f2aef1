#include "common/error.h"

#include <array>

namespace berth {
namespace {

struct Row {
  Errc code;
  ErrorWireInfo info;
};

// Statuses follow the OCI distribution spec (v1.1) error table; management codes follow the
// cloud's ARM conventions so scripts written against it keep working.
constexpr std::array kRows = {
    Row{Errc::kBlobUnknown, {404, "BLOB_UNKNOWN", "ResourceNotFound"}},
    Row{Errc::kBlobUploadInvalid, {400, "BLOB_UPLOAD_INVALID", "InvalidParameter"}},
    Row{Errc::kBlobUploadUnknown, {404, "BLOB_UPLOAD_UNKNOWN", "ResourceNotFound"}},
    Row{Errc::kDigestInvalid, {400, "DIGEST_INVALID", "InvalidParameter"}},
    Row{Errc::kManifestBlobUnknown, {400, "MANIFEST_BLOB_UNKNOWN", "InvalidParameter"}},
    Row{Errc::kManifestInvalid, {400, "MANIFEST_INVALID", "InvalidParameter"}},
    Row{Errc::kManifestUnknown, {404, "MANIFEST_UNKNOWN", "ResourceNotFound"}},
    Row{Errc::kNameInvalid, {400, "NAME_INVALID", "InvalidParameter"}},
    Row{Errc::kNameUnknown, {404, "NAME_UNKNOWN", "ResourceNotFound"}},
    Row{Errc::kSizeInvalid, {400, "SIZE_INVALID", "InvalidParameter"}},
    Row{Errc::kUnauthorized, {401, "UNAUTHORIZED", "AuthenticationFailed"}},
    Row{Errc::kDenied, {403, "DENIED", "AuthorizationFailed"}},
    Row{Errc::kUnsupported, {415, "UNSUPPORTED", "UnsupportedMediaType"}},
    Row{Errc::kTooManyRequests, {429, "TOOMANYREQUESTS", "TooManyRequests"}},
    Row{Errc::kRangeInvalid, {416, "BLOB_UPLOAD_INVALID", "InvalidParameter"}},
    Row{Errc::kManifestTooLarge, {413, "MANIFEST_INVALID", "InvalidParameter"}},
    Row{Errc::kTagInvalid, {400, "TAG_INVALID", "InvalidParameter"}},
    Row{Errc::kPaginationInvalid, {400, "PAGINATION_NUMBER_INVALID", "InvalidParameter"}},
    Row{Errc::kRegistryUnknown, {404, "NAME_UNKNOWN", "ResourceNotFound"}},
    Row{Errc::kRouteUnknown, {404, "NOT_FOUND", "NotFound"}},
    Row{Errc::kMethodNotAllowed, {405, "UNSUPPORTED", "MethodNotAllowed"}},
    Row{Errc::kRequestInvalid, {400, "INVALID_REQUEST", "InvalidParameter"}},
    Row{Errc::kHeadersTooLarge, {431, "INVALID_REQUEST", "InvalidParameter"}},
    Row{Errc::kResourceNotFound, {404, "NAME_UNKNOWN", "ResourceNotFound"}},
    Row{Errc::kInvalidParameter, {400, "INVALID_REQUEST", "InvalidParameter"}},
    Row{Errc::kConflict, {409, "CONFLICT", "Conflict"}},
    Row{Errc::kPreconditionFailed, {412, "PRECONDITION_FAILED", "PreconditionFailed"}},
    Row{Errc::kSkuNotSupported, {400, "UNSUPPORTED", "SkuNotSupported"}},
    Row{Errc::kQuotaExceeded, {403, "DENIED", "QuotaExceeded"}},
    Row{Errc::kSubscriptionNotFound, {404, "NAME_UNKNOWN", "SubscriptionNotFound"}},
    Row{Errc::kResourceGroupNotFound, {404, "NAME_UNKNOWN", "ResourceGroupNotFound"}},
    Row{Errc::kMissingSubscriptionRegistration,
        {409, "DENIED", "MissingSubscriptionRegistration"}},
    Row{Errc::kInternal, {500, "INTERNAL_ERROR", "InternalServerError"}},
    Row{Errc::kUnavailable, {503, "UNAVAILABLE", "ServiceUnavailable"}},
};

constexpr bool rowsMatchEnumOrder() {
  for (std::size_t i = 0; i < kRows.size(); ++i) {
    if (static_cast<std::size_t>(kRows[i].code) != i) {
      return false;
    }
  }
  return true;
}
static_assert(rowsMatchEnumOrder(), "kRows must list every Errc in declaration order");
static_assert(kRows.size() == static_cast<std::size_t>(Errc::kUnavailable) + 1,
              "every Errc needs a row");

}  // namespace

const ErrorWireInfo& wireInfo(Errc code) noexcept {
  return kRows[static_cast<std::size_t>(code)].info;
}

Error makeError(Errc code, std::string message, std::string detail) {
  return Error{code, std::move(message), std::move(detail)};
}

Error internalError(std::string message) { return Error{Errc::kInternal, std::move(message), {}}; }

}  // namespace berth
