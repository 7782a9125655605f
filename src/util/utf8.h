#pragma once
// UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
// and repair of text that is not.

#include <string>
#include <string_view>

namespace hubbub {

// Length of the well-formed UTF-8 sequence that starts s[i], or 0 when the
// bytes there are not one (a stray continuation byte, an overlong form, a
// surrogate, a sequence cut short).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    return 1;
  }
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  const auto second = static_cast<unsigned char>(s[i + 1]);
  if (second < lo || second > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < len; ++k) {
    const auto cont = static_cast<unsigned char>(s[i + k]);
    if (cont < 0x80 || cont > 0xBF) {
      return 0;
    }
  }
  return len;
}

inline bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

// `s` with every byte that is not part of well-formed UTF-8 replaced by
// U+FFFD, so that it can go into JSON or HTML whatever a stranger sent.
inline std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

// The first `max_bytes` bytes of `s` or fewer, never cutting a multi-byte
// character in two.
inline std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) {
    return s;
  }
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

}  // namespace hubbub
