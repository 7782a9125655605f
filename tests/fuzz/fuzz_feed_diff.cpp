// Feed diffing (websub/feed_diff.h) on any bytes: never crashes; the entries
// it finds are in order, inside the body and apart; a diff against nothing
// sends every entry with the body whole (below the change cap), and a diff
// of the same body against what it remembers sends nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>

#include "websub/feed_diff.h"
#include "websub/limits.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto entries = hubbub::parse_feed_entries(body);
  if (!entries) {
    if (hubbub::diff_feed(body, {}, false)) {
      std::abort();  // a refused feed is refused by the diff too
    }
    return 0;
  }
  std::size_t at = 0;
  for (const auto& e : *entries) {
    if (e.begin < at || e.end <= e.begin || e.end > body.size() || e.key.empty()) {
      std::abort();
    }
    at = e.end;
  }
  const auto first = hubbub::diff_feed(body, {}, false);
  if (!first || first->entries.size() != entries->size() || first->new_entries != entries->size()) {
    std::abort();
  }
  if (entries->empty() ? first->body.has_value() : first->body != std::string(body)) {
    std::abort();
  }
  std::unordered_map<std::string, std::string> known;
  for (const auto& e : first->entries) {
    known.emplace(e.key_hash, e.hash);
  }
  const auto again = hubbub::diff_feed(body, known, false);
  if (!again || again->body || again->new_entries != 0 || again->updated_entries != 0) {
    std::abort();
  }
  return 0;
}
