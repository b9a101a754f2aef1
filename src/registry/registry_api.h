#pragma once
// The data-plane pipeline, written once so the order is visible:
//   Host -> registry, route table -> handler -> service -> response.
// (The network access check and authorization slot in ahead of the route table.)

#include <boost/asio/thread_pool.hpp>

#include "common/log.h"
#include "http/server.h"
#include "registry/registry_directory.h"

namespace berth::registry {

class RegistryApi final : public http::RequestHandler {
 public:
  RegistryApi(const RegistryDirectory& directory, boost::asio::thread_pool& blocking,
              const Logger& log)
      : directory_(directory), blocking_(blocking), log_(log) {}

  boost::asio::awaitable<void> handle(http::Request& request, http::Response& response) override;

 private:
  boost::asio::awaitable<void> dispatch(http::Request& request, http::Response& response);
  const RegistryDirectory& directory_;
  boost::asio::thread_pool& blocking_;
  const Logger& log_;
};

}  // namespace berth::registry
