#pragma once
// Runs a blocking function (fsync, database write) on the blocking pool and resumes the calling
// coroutine on its own executor, so network threads never wait on the disk.

#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace berth::http {

template <typename F>
boost::asio::awaitable<std::invoke_result_t<F&>> runBlocking(boost::asio::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F&>;
  // optional<R>: asio wants default-constructible results, our Result<T> is not.
  std::optional<R> out = co_await boost::asio::co_spawn(
      pool, [&fn]() -> boost::asio::awaitable<std::optional<R>> { co_return std::optional<R>(fn()); },
      boost::asio::use_awaitable);
  co_return std::move(*out);
}

}  // namespace berth::http
