// Errors as values: every expected failure in kefu is an Error carried by a Result<T>.
// Exceptions are reserved for bugs and are caught once at the top of each request or task.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kefu {

// A closed set of failure kinds. http/errors.cpp is the one place that maps them to HTTP
// statuses and WebSocket close codes; keep the two in step when adding one.
enum class Code {
  invalid,       // the caller's input is malformed or breaks a rule
  unauthorized,  // no or bad credentials
  forbidden,     // authenticated, but not allowed
  not_found,
  conflict,      // the state of the thing forbids it (illegal transition, already taken)
  too_large,
  unsupported,   // a kind of content the server does not take (an attachment's type)
  rate_limited,
  unavailable,   // shutting down, overloaded, or a dependency is down
  internal,      // a bug or an unexpected I/O failure
};

// The wire name of a code: "invalid", "not_found", ...
std::string_view CodeName(Code code);

struct Error {
  Code code = Code::internal;
  std::string message;
};

inline Error MakeError(Code code, std::string message) { return Error{code, std::move(message)}; }

// Result<T> holds either a T or an Error. Small on purpose: no monadic zoo, just what call sites
// need to stay readable.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}      // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace kefu

// Propagates an error from a Result-returning expression; the value is discarded.
#define KEFU_TRY(expr)                                   \
  do {                                                   \
    auto kefu_try_result_ = (expr);                      \
    if (!kefu_try_result_.ok())                          \
      return std::move(kefu_try_result_).error();        \
  } while (0)

// Declares `var` from a Result-returning expression or propagates its error.
#define KEFU_ASSIGN(var, expr)                           \
  auto var##_result_ = (expr);                           \
  if (!var##_result_.ok()) return std::move(var##_result_).error(); \
  auto var = std::move(var##_result_).value()
