#include "util/clock.h"

namespace hubbub {

std::int64_t to_unix_ms(TimePoint t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}

TimePoint from_unix_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(Millis(ms)));
}

SystemClock::SystemClock()
    : SystemClock([] { return std::chrono::system_clock::now(); }, [] { return std::chrono::steady_clock::now(); }) {}

SystemClock::SystemClock(WallSource wall, SteadySource steady)
    : m_wall(std::move(wall)), m_steady(std::move(steady)), m_anchor_wall(m_wall()), m_anchor_steady(m_steady()) {}

TimePoint SystemClock::now() const {
  return m_anchor_wall + std::chrono::duration_cast<TimePoint::duration>(m_steady() - m_anchor_steady);
}

Millis SystemClock::wall_offset() const {
  return std::chrono::duration_cast<Millis>(m_wall() - now());
}

TimePoint ManualClock::now() const {
  return from_unix_ms(m_now_ms.load());
}

}  // namespace hubbub
