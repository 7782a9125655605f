#pragma once
// A circuit breaker per callback origin (reliability-plan.md D12): when most
// delivery attempts to a host fail, deliveries to it pause instead of
// spending their retries, and one probe is sent later.
//
//   closed     attempts are counted over a sliding window; when at least
//              k_breaker_min_attempts were made and k_breaker_failure_ratio
//              of them failed, the breaker opens
//   open       nothing is sent to the origin until the pause ends
//              (k_breaker_first_pause, doubling after every failed probe up to
//              k_breaker_max_pause)
//   half-open  the pause is over: one delivery goes out as a probe; its
//              success closes the breaker, its failure opens it again
//
// An origin whose recent attempts all succeeded keeps no state at all, so
// only attempts from its first recent failure on are counted.
//
// Paused deliveries stay owed: the distributor leaves them in the queue and
// does not count an attempt for them. A pause is recorded in the store
// (DeliveryQueue::defer_origin) and adopted by every node that shares it
// (adopt_pause), so a host paused by one node is paused for all. Thread-safe.

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/clock.h"

namespace hubbub {

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };

  // Whether a delivery to `origin` may go out now. In half-open state only
  // the first caller (the probe) is allowed until its outcome is recorded.
  bool allow(const std::string& origin, TimePoint now);
  // The outcome of an attempt that went out. Returns true when it opened
  // the breaker, or opened it again after a failed probe (the caller logs it
  // and moves the origin's queued deliveries to retry_at()).
  bool record(const std::string& origin, bool success, TimePoint now);

  // A pause recorded in the store by another node (or by this one before a
  // restart): the origin is open until `until`, unless it already is for as
  // long, or its probe is out (the probe's outcome decides). Returns true
  // when it paused the origin or lengthened its pause.
  bool adopt_pause(const std::string& origin, TimePoint until, TimePoint now);

  // Origins to skip when claiming: open, with the pause not over.
  std::vector<std::string> paused_origins(TimePoint now) const;
  // The earliest end of a pause, if any breaker is open.
  std::optional<TimePoint> next_probe(TimePoint now) const;
  // When a delivery held back now should be tried again.
  TimePoint retry_at(const std::string& origin, TimePoint now) const;
  State state(const std::string& origin, TimePoint now) const;

 private:
  static constexpr std::size_t k_buckets = 6;  // the window in slices
  struct Slice {
    std::int64_t index = -1;  // which slice of time this counts
    std::uint32_t attempts = 0;
    std::uint32_t failures = 0;
  };
  struct Origin {
    std::array<Slice, k_buckets> slices{};
    State state = State::closed;
    TimePoint open_until;
    Millis pause{0};
    bool probe_in_flight = false;
  };

  mutable std::mutex m_mutex;
  std::unordered_map<std::string, Origin> m_origins;  // guarded by m_mutex
};

}  // namespace hubbub
