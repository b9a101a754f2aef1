#pragma once
// BackgroundJob: runs a blocking function on the blocking pool while the coroutine that started
// it goes on (e.g. receives the next buffer of an upload while the previous one is written), and
// awaits the result later. The result is handed over on the starter's executor, which runs on one
// thread, so it needs no lock.

#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace berth::http {

template <typename R>
class BackgroundJob {
 public:
  /// Starts `fn` on `pool` at once. Whatever `fn` refers to must outlive wait(): always wait for
  /// a started job before leaving the scope that owns its data, also on error paths.
  template <typename F>
  static BackgroundJob start(boost::asio::thread_pool& pool, boost::asio::any_io_executor home,
                             F fn) {
    BackgroundJob job;
    job.state_ = std::make_shared<State>(std::move(home));
    boost::asio::post(pool, [state = job.state_, fn = std::move(fn)]() mutable {
      R result = fn();
      boost::asio::post(state->signal.get_executor(),
                        [state, result = std::move(result)]() mutable {
                          state->result.emplace(std::move(result));
                          state->signal.cancel();
                        });
    });
    return job;
  }

  bool started() const noexcept { return state_ != nullptr; }

  /// The function's result, once it has returned. Call at most once per start().
  boost::asio::awaitable<R> wait() {
    std::shared_ptr<State> state = std::move(state_);
    while (!state->result) {
      // The timer never expires: the hand-over cancels it, which ends this wait.
      boost::system::error_code ignored;
      co_await state->signal.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    }
    co_return std::move(*state->result);
  }

 private:
  struct State {
    explicit State(boost::asio::any_io_executor home)
        : signal(std::move(home), boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer signal;
    std::optional<R> result;
  };
  std::shared_ptr<State> state_;
};

}  // namespace berth::http
