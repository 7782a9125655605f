#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace hubbub {

// RFC 3339 UTC with milliseconds: "2026-11-22T00:18:08.123Z".
std::string format_rfc3339(TimePoint t);

// An RFC 3339 date-time ("2026-11-22T00:18:08Z", with an optional fraction,
// of which milliseconds count, and "Z" or a "+hh:mm"/"-hh:mm" offset);
// nullopt for anything else.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace hubbub
