#include "websub/backoff.h"

#include <algorithm>
#include <cmath>

namespace hubbub {

Millis retry_delay(Millis base, std::uint32_t next_attempt, double jitter, double unit) {
  const std::uint32_t doublings = std::min<std::uint32_t>(next_attempt < 2 ? 0 : next_attempt - 2, 30);
  const double nominal = static_cast<double>(base.count()) * std::ldexp(1.0, static_cast<int>(doublings));
  const double spread = 1.0 + jitter * (2.0 * unit - 1.0);
  return Millis{static_cast<std::int64_t>(std::llround(nominal * spread))};
}

Backoff::Backoff(Millis base, double jitter) : m_base(base), m_jitter(jitter), m_rng(std::random_device{}()) {}

Millis Backoff::delay(std::uint32_t next_attempt) {
  double unit = 0;
  Millis base{};
  {
    std::lock_guard lock(m_mutex);
    unit = std::uniform_real_distribution<double>(0.0, 1.0)(m_rng);
    base = m_base;
  }
  return retry_delay(base, next_attempt, m_jitter, unit);
}

void Backoff::set_base(Millis base) {
  std::lock_guard lock(m_mutex);
  m_base = base;
}

}  // namespace hubbub
