#include "util/clock.h"

namespace hubbub {

std::int64_t to_unix_ms(TimePoint t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}

TimePoint from_unix_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(Millis(ms)));
}

TimePoint ManualClock::now() const { return from_unix_ms(m_now_ms.load()); }

}  // namespace hubbub
