#pragma once

#include <string>

#include "util/clock.h"

namespace hubbub {

// RFC 3339 UTC with milliseconds: "2026-11-22T00:18:08.123Z".
std::string format_rfc3339(TimePoint t);

}  // namespace hubbub
