#include "util/glob.h"

#include <cctype>

namespace hubbub {

// Iterative matcher with single-star backtracking: linear in practice, never
// exponential, so hostile patterns or texts cannot stall it.
bool glob_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  const auto eq = [ignore_case](char a, char b) {
    if (ignore_case) {
      return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    }
    return a == b;
  };
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && eq(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

}  // namespace hubbub
