#pragma once
// The token of an "Authorization: Bearer <token>" header (RFC 6750 §2.1).
// The scheme is case-insensitive (RFC 9110 §11.1): "bearer x" is valid.

#include <optional>
#include <string_view>

#include "util/text.h"

namespace hubbub {

inline std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view k_scheme = "bearer";
  const std::string_view value = trim_blanks(authorization);
  if (value.size() <= k_scheme.size() || (value[k_scheme.size()] != ' ' && value[k_scheme.size()] != '\t')) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < k_scheme.size(); ++i) {
    if ((value[i] | 0x20) != k_scheme[i]) {
      return std::nullopt;
    }
  }
  const std::string_view token = trim_blanks(value.substr(k_scheme.size() + 1));
  if (token.empty()) {
    return std::nullopt;
  }
  return token;
}

}  // namespace hubbub
