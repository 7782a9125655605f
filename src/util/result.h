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
