#pragma once
// Token buckets by key (a client address, a callback URL): `rate` tokens a
// second, up to `burst` saved. Memory is bounded: at most `max_keys` buckets
// are kept; full buckets are forgotten first (they carry no state), and if a
// flood of distinct keys still overflows the table it starts afresh, which
// only ever errs towards admitting. Thread-safe.

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/clock.h"

namespace hubbub {

class RateLimiter {
 public:
  // rate <= 0 disables the limiter: take() always admits.
  RateLimiter(double rate, double burst, std::size_t max_keys);

  // Admits one event for `key` at `now` (nullopt), or says how long until it
  // would be admitted.
  std::optional<Millis> take(std::string_view key, TimePoint now);

  std::size_t keys() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };
  void sweep(std::int64_t now_ms);  // requires m_mutex

  const double m_rate;
  const double m_burst;
  const std::size_t m_max_keys;
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, Bucket> m_buckets;  // guarded by m_mutex
};

}  // namespace hubbub
