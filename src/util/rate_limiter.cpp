#include "util/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace hubbub {

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_keys)
    : m_rate(rate), m_burst(std::max(burst, 1.0)), m_max_keys(std::max<std::size_t>(max_keys, 1)) {}

std::optional<Millis> RateLimiter::take(std::string_view key, TimePoint now) {
  if (m_rate <= 0) {
    return std::nullopt;
  }
  const std::int64_t now_ms = to_unix_ms(now);
  std::lock_guard lock(m_mutex);
  auto it = m_buckets.find(std::string(key));
  if (it == m_buckets.end()) {
    if (m_buckets.size() >= m_max_keys) {
      sweep(now_ms);
    }
    it = m_buckets.emplace(std::string(key), Bucket{m_burst, now_ms}).first;
  }
  Bucket& b = it->second;
  const double elapsed_s = static_cast<double>(std::max<std::int64_t>(0, now_ms - b.at_ms)) / 1000.0;
  b.tokens = std::min(m_burst, b.tokens + elapsed_s * m_rate);
  b.at_ms = std::max(b.at_ms, now_ms);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait_s = (1.0 - b.tokens) / m_rate;
  return Millis{static_cast<std::int64_t>(std::ceil(wait_s * 1000.0))};
}

std::size_t RateLimiter::keys() const {
  std::lock_guard lock(m_mutex);
  return m_buckets.size();
}

void RateLimiter::sweep(std::int64_t now_ms) {
  const auto full_after_ms = static_cast<std::int64_t>(std::ceil(m_burst / m_rate * 1000.0));
  std::erase_if(m_buckets, [&](const auto& entry) { return now_ms - entry.second.at_ms >= full_after_ms; });
  if (m_buckets.size() >= m_max_keys) {
    m_buckets.clear();  // a flood of distinct keys: start afresh rather than grow
  }
}

}  // namespace hubbub
