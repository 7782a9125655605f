#include "util/percent_encoding.h"

#include "util/hex.h"

namespace hubbub {
namespace {

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// The byte encoded by the escape at in[i] ('%'), or -1 when malformed.
int escape_at(std::string_view in, std::size_t i) {
  if (i + 2 >= in.size()) {
    return -1;
  }
  const int hi = hex_value(static_cast<unsigned char>(in[i + 1]));
  const int lo = hex_value(static_cast<unsigned char>(in[i + 2]));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

Result<std::string> percent_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      const int byte = escape_at(in, i);
      if (byte < 0) {
        return fail("malformed percent-escape at byte " + std::to_string(i));
      }
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3);
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      append_hex(out, c, HexCase::upper);
    }
  }
  return out;
}

std::string decode_unreserved(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  for (std::size_t i = 0; i < url.size(); ++i) {
    if (url[i] == '%') {
      const int byte = escape_at(url, i);
      if (byte >= 0 && is_unreserved(static_cast<unsigned char>(byte))) {
        out.push_back(static_cast<char>(byte));
        i += 2;
        continue;
      }
    }
    out.push_back(url[i]);
  }
  return out;
}

}  // namespace hubbub
