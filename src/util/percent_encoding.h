#pragma once
// RFC 3986 percent-encoding.

#include <string>
#include <string_view>

#include "util/result.h"

namespace hubbub {

// True for ALPHA / DIGIT / "-" / "." / "_" / "~".
bool is_unreserved(unsigned char c);

// Decodes %XX escapes (and '+' as a space when plus_as_space). A '%' not
// followed by two hex digits is an error, never passed through.
Result<std::string> percent_decode(std::string_view in, bool plus_as_space);

// Encodes every byte except unreserved characters, as %XX with upper-case hex.
std::string percent_encode(std::string_view in);

// Decodes only escapes of unreserved characters ("%7E" -> "~"), leaving every
// other escape and byte exactly as it was (WebSub 5.1.1). Never fails: an
// escape that is not well formed is left alone for the URL parser to judge.
std::string decode_unreserved(std::string_view url);

}  // namespace hubbub
