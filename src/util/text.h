#pragma once
// Small text helpers for header values and other strangers' text.

#include <string_view>

namespace hubbub {

// `s` without leading and trailing spaces, tabs, CR and LF (HTTP's optional
// whitespace and line ends).
inline std::string_view trim_blanks(std::string_view s) {
  constexpr std::string_view k_blanks = " \t\r\n";
  const auto first = s.find_first_not_of(k_blanks);
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(k_blanks) - first + 1);
}

}  // namespace hubbub
