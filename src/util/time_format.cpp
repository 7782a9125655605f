#include "util/time_format.h"

#include <cstdio>
#include <ctime>

namespace hubbub {

std::string format_rfc3339(TimePoint t) {
  const std::int64_t ms = to_unix_ms(t);
  std::int64_t secs = ms / 1000;
  std::int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  const auto tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return buf;
}

namespace {

// `n` digits at `at`, advancing it; nullopt when they are not all digits.
std::optional<int> digits(std::string_view text, std::size_t& at, std::size_t n) {
  if (at + n > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[at + i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  at += n;
  return value;
}

bool expect(std::string_view text, std::size_t& at, std::string_view any_of) {
  if (at >= text.size() || any_of.find(text[at]) == std::string_view::npos) {
    return false;
  }
  ++at;
  return true;
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  std::size_t at = 0;
  const auto year = digits(text, at, 4);
  if (!year || !expect(text, at, "-")) {
    return std::nullopt;
  }
  const auto month = digits(text, at, 2);
  if (!month || !expect(text, at, "-")) {
    return std::nullopt;
  }
  const auto day = digits(text, at, 2);
  if (!day || !expect(text, at, "Tt ")) {
    return std::nullopt;
  }
  const auto hour = digits(text, at, 2);
  if (!hour || !expect(text, at, ":")) {
    return std::nullopt;
  }
  const auto minute = digits(text, at, 2);
  if (!minute || !expect(text, at, ":")) {
    return std::nullopt;
  }
  const auto second = digits(text, at, 2);
  if (!second || *month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  int millis = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t n = 0;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++n) {
      if (n < 3) {
        millis = millis * 10 + (text[at] - '0');
      }
    }
    if (n == 0) {
      return std::nullopt;
    }
    for (; n < 3; ++n) {
      millis *= 10;
    }
  }
  int offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int sign = text[at] == '+' ? 1 : -1;
    ++at;
    const auto oh = digits(text, at, 2);
    if (!oh || !expect(text, at, ":")) {
      return std::nullopt;
    }
    const auto om = digits(text, at, 2);
    if (!om || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (*oh * 60 + *om);
  } else {
    return std::nullopt;
  }
  if (at != text.size()) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  const std::time_t secs = timegm(&tm);
  if (tm.tm_mday != *day) {  // normalised: no such day in that month
    return std::nullopt;
  }
  return from_unix_ms(static_cast<std::int64_t>(secs) * 1000 + millis - std::int64_t{offset_minutes} * 60'000);
}

}  // namespace hubbub
