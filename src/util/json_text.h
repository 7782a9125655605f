#pragma once
// JSON as the hub sends it. Strings in it may hold strangers' bytes (a
// callback's answer, a topic's Content-Type, libcurl's messages): bytes that
// are not UTF-8 are replaced by U+FFFD instead of making dump() throw, so no
// stored value can turn an answer into a 500.

#include <nlohmann/json.hpp>

#include <string>

namespace hubbub {

// Compact JSON text and a newline.
inline std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace hubbub
