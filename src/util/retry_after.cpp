#include "util/retry_after.h"

#include <algorithm>
#include <ctime>
#include <string>

namespace hubbub {
namespace {

constexpr std::int64_t k_max_wait_seconds = 999999999;  // the caller clamps further

}  // namespace

std::optional<Millis> parse_retry_after(std::string_view value, TimePoint now) {
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  while (!value.empty() && value.back() == ' ') {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) {
      return Millis{k_max_wait_seconds * 1000};  // far future: clamped by the caller
    }
    return Millis{std::stoll(std::string(value)) * 1000};
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  // In seconds: a date centuries away overflows the clock's nanoseconds
  // (found by fuzz_headers).
  const std::int64_t at = timegm(&tm);
  const std::int64_t wait_s = std::clamp<std::int64_t>(at - to_unix_ms(now) / 1000, 0, k_max_wait_seconds);
  return Millis{wait_s * 1000};
}

}  // namespace hubbub
