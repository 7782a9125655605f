#pragma once
// Wall-clock time behind an interface, so that leases and retries can be tested
// without sleeping.

#include <atomic>
#include <chrono>
#include <cstdint>

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
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
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
