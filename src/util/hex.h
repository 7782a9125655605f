#pragma once
// Hexadecimal digits: the one encoder behind signatures and hashes (lower
// case), percent-encoding (upper case, RFC 3986 §2.1) and \xNN escapes in
// log values.

#include <cstddef>
#include <string>
#include <string_view>

namespace hubbub {

enum class HexCase { lower, upper };

// Appends the two digits of `byte`.
inline void append_hex(std::string& out, unsigned char byte, HexCase letters = HexCase::lower) {
  const char* digits = letters == HexCase::lower ? "0123456789abcdef" : "0123456789ABCDEF";
  out.push_back(digits[byte >> 4]);
  out.push_back(digits[byte & 0x0f]);
}

// Two lower-case digits per byte.
inline std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    append_hex(out, data[i]);
  }
  return out;
}

}  // namespace hubbub
