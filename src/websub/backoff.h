#pragma once
// Exponential backoff with jitter, shared by verification, fetch and delivery
// retries (reliability-plan.md §2.2 rule 4).

#include <cstdint>
#include <mutex>
#include <random>

#include "util/clock.h"
#include "websub/limits.h"

namespace hubbub {

// Delay before attempt `next_attempt` (2, 3, …): base * 2^(next_attempt - 2),
// spread by +/- jitter (a fraction) using `unit`, a number in [0, 1).
Millis retry_delay(Millis base, std::uint32_t next_attempt, double jitter, double unit);

// retry_delay() with its own random source. Thread-safe.
class Backoff {
 public:
  explicit Backoff(Millis base, double jitter = k_retry_jitter);
  Millis delay(std::uint32_t next_attempt);
  // A new base for the delays computed from now on (SIGHUP).
  void set_base(Millis base);

 private:
  Millis m_base;  // guarded by m_mutex
  double m_jitter;
  std::mutex m_mutex;
  std::mt19937_64 m_rng;  // guarded by m_mutex
};

}  // namespace hubbub
