#pragma once
// Result<T>: a value or an Error, in the spirit of std::expected (C++23) which GCC 12 lacks.
// Status is Result<void>. Both are [[nodiscard]] so an ignored failure is a compile warning.

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/error.h"

namespace berth {

struct Unexpected {
  Error error;
};

inline Unexpected fail(Error e) { return Unexpected{std::move(e)}; }
inline Unexpected fail(Errc code, std::string message, std::string detail = {}) {
  return Unexpected{Error{code, std::move(message), std::move(detail)}};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  template <typename U = T,
            typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                        !std::is_same_v<std::decay_t<U>, Result> &&
                                        !std::is_same_v<std::decay_t<U>, Unexpected>>>
  Result(U&& value) : v_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}   // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}              // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), failed_(true) {}  // NOLINT
  Result(Error e) : error_(std::move(e)), failed_(true) {}             // NOLINT

  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const& {
    assert(failed_);
    return error_;
  }
  Error&& error() && {
    assert(failed_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

inline Status okStatus() { return Status{}; }

}  // namespace berth

// Propagate the error of an expression yielding Result/Status, e.g. BERTH_TRY(store.put(x));
#define BERTH_TRY(expr)                               \
  do {                                                \
    auto berth_try_result_ = (expr);                  \
    if (!berth_try_result_.ok()) {                    \
      return ::berth::fail(std::move(berth_try_result_).error()); \
    }                                                 \
  } while (false)

// The same inside a coroutine returning awaitable<Status> / awaitable<Result<T>>.
#define BERTH_TRY_CO(expr)                                        \
  do {                                                            \
    auto berth_try_result_ = (expr);                              \
    if (!berth_try_result_.ok()) {                                \
      co_return ::berth::fail(std::move(berth_try_result_).error()); \
    }                                                             \
  } while (false)
