#pragma once
// Expected-style results used at every module edge.

#include <expected>
#include <string>
#include <utility>

namespace hubbub {

// A failure with a message meant for an operator or a client. Modules that must
// classify failures (HTTP client, verifier) carry their own enum beside it.
struct Error {
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected(Error{std::move(message)});
}

}  // namespace hubbub

// HUBBUB_TRY(expr): evaluates `expr` (a Status or a Result) and, when it
// failed, returns its error from the enclosing function, whatever Result
// that returns.
#define HUBBUB_TRY(expr)                                             \
  do {                                                               \
    if (auto hubbub_try_result_ = (expr); !hubbub_try_result_) {     \
      return std::unexpected(std::move(hubbub_try_result_).error()); \
    }                                                                \
  } while (false)

// HUBBUB_TRY_ASSIGN(var, expr): declares `auto var = expr;` (a Result) and,
// when it failed, returns its error from the enclosing function; `*var` is
// the value from there on.
#define HUBBUB_TRY_ASSIGN(var, expr)                \
  auto var = (expr);                                \
  if (!var) {                                       \
    return std::unexpected(std::move(var).error()); \
  }
