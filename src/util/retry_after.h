#pragma once
// The Retry-After response header (RFC 9110 §10.2.3).

#include <optional>
#include <string_view>

#include "util/clock.h"

namespace hubbub {

// How long to wait: delay-seconds, or an HTTP-date (IMF-fixdate) relative to
// `now` (0 when in the past). nullopt when the value is neither.
std::optional<Millis> parse_retry_after(std::string_view value, TimePoint now);

}  // namespace hubbub
