#pragma once
// Values from outside (callback answers, libcurl's messages, header values,
// SQLite's errors) as they may appear in a log line: quoted, with quotes,
// backslashes, control characters and bytes that are not UTF-8 escaped, so
// that no input can end a value early, forge a line or break the encoding.

#include <string>
#include <string_view>

#include "util/hex.h"
#include "util/utf8.h"

namespace hubbub {

// `s` between double quotes: `"` and `\` get a backslash, CR, LF and TAB
// become \r \n \t, other control bytes and bytes that are not part of
// well-formed UTF-8 become \xNN.
inline std::string log_quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const std::size_t len = utf8_sequence_length(s, i); len > 0) {
        out.append(s.substr(i, len));
        i += len;
        continue;
      }
    }
    ++i;
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f || c >= 0x80) {
      out += "\\x";
      append_hex(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace hubbub
