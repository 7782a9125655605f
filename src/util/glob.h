#pragma once
// Shell-style patterns with '*' (any run of characters, '/' included) and '?'
// (one character); every other character matches itself.

#include <string_view>

namespace hubbub {

bool glob_match(std::string_view pattern, std::string_view text, bool ignore_case);

}  // namespace hubbub
