#pragma once
// What every registry API handler receives. Handlers translate HTTP to RegistryService /
// UploadService calls and errors to the one error writer; they never pick a status for an error.

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/log.h"
#include "http/request.h"
#include "http/response.h"
#include "registry/registry_directory.h"
#include "registry/request_auth.h"
#include "registry/routes.h"

namespace berth::registry {

struct HandlerContext {
  http::Request& request;
  http::Response& response;
  RegistryService& registry;
  UploadService& uploads;
  boost::asio::thread_pool& blocking;
  const Route& route;
  const Logger& log;
  const RequestIdentity& identity;

  void error(const Error& e) {
    if (e.code == Errc::kInternal) {
      log.error("request " + std::string(http::methodName(request.method)) + " " +
                std::string(request.path) + " failed: " + e.message);
    }
    http::writeRegistryError(response, e);
  }
};

using Awaitable = boost::asio::awaitable<void>;

Awaitable handleManifest(HandlerContext& ctx);
Awaitable handleBlob(HandlerContext& ctx);
Awaitable handleUploadStart(HandlerContext& ctx);
Awaitable handleUpload(HandlerContext& ctx);
Awaitable handleTags(HandlerContext& ctx);
Awaitable handleCatalog(HandlerContext& ctx);
Awaitable handleReferrers(HandlerContext& ctx);

/// Parses the `n` pagination parameter: absent -> nullopt; not a number -> kPaginationInvalid.
Result<std::optional<std::size_t>> pageSize(const http::Request& request);

Error methodNotAllowed(http::Method method, std::string_view what);

}  // namespace berth::registry
