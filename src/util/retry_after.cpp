#include "util/retry_after.h"

#include <ctime>
#include <string>

namespace hubbub {

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
      return Millis{std::int64_t{999999999} * 1000};  // far future: clamped by the caller
    }
    return Millis{std::stoll(std::string(value)) * 1000};
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  const auto wait = std::chrono::duration_cast<Millis>(at - now);
  return wait > Millis{0} ? wait : Millis{0};
}

}  // namespace hubbub
