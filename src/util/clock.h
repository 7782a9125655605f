#pragma once
// Wall-clock time behind an interface, so that leases and retries can be tested
// without sleeping.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace hubbub {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

// Milliseconds since the Unix epoch, as stored in the database.
std::int64_t to_unix_ms(TimePoint t);
TimePoint from_unix_ms(std::int64_t ms);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // How far the system's wall clock is ahead of now() (0 for clocks that
  // follow it).
  virtual Millis wall_offset() const { return Millis{0}; }
};

// The wall clock as it read when the hub started, moved on by the monotonic
// clock (reliability-plan C16). A jump of the system's clock while the hub
// runs (an operator, a VM restored from a snapshot, a step by NTP) moves no
// deadline, lease or retry, so it neither ends leases en masse nor stalls
// the queues; wall_offset() shows how far the system clock has moved away,
// and the next start adopts it. Both clocks are slewed alike by NTP, so they
// part only on a jump.
class SystemClock final : public Clock {
 public:
  using WallSource = std::function<TimePoint()>;
  using SteadySource = std::function<std::chrono::steady_clock::time_point()>;

  SystemClock();
  // With other sources than the system's (tests).
  SystemClock(WallSource wall, SteadySource steady);

  TimePoint now() const override;
  Millis wall_offset() const override;

 private:
  WallSource m_wall;
  SteadySource m_steady;
  TimePoint m_anchor_wall;
  std::chrono::steady_clock::time_point m_anchor_steady;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : m_now_ms(to_unix_ms(start)) {}
  TimePoint now() const override;
  void advance(Millis by) { m_now_ms += by.count(); }

 private:
  std::atomic<std::int64_t> m_now_ms;
};

}  // namespace hubbub
