#include "websub/circuit_breaker.h"

#include <algorithm>

#include "websub/limits.h"

namespace hubbub {
namespace {

constexpr Millis k_slice = std::chrono::duration_cast<Millis>(k_breaker_window) / 6;

std::int64_t slice_of(TimePoint t) {
  return to_unix_ms(t) / k_slice.count();
}

}  // namespace

bool CircuitBreaker::allow(const std::string& origin, TimePoint now) {
  std::lock_guard lock(m_mutex);
  auto it = m_origins.find(origin);
  if (it == m_origins.end() || it->second.state == State::closed) {
    return true;
  }
  Origin& o = it->second;
  if (o.state == State::open) {
    if (now < o.open_until) {
      return false;
    }
    o.state = State::half_open;
    o.probe_in_flight = false;
  }
  if (o.probe_in_flight) {
    return false;
  }
  o.probe_in_flight = true;
  return true;
}

bool CircuitBreaker::record(const std::string& origin, bool success, TimePoint now) {
  std::lock_guard lock(m_mutex);
  if (success) {
    auto it = m_origins.find(origin);
    if (it == m_origins.end()) {
      return false;  // a healthy origin keeps no state
    }
    if (it->second.state != State::closed) {
      m_origins.erase(it);  // the probe went through: closed, the slate clean
      return false;
    }
  }
  Origin& o = m_origins[origin];
  if (o.state == State::half_open) {
    if (!success) {
      o.pause = std::min(Millis{o.pause.count() * 2}, std::chrono::duration_cast<Millis>(k_breaker_max_pause));
      o.state = State::open;
      o.open_until = now + o.pause;
      o.probe_in_flight = false;
      return true;
    }
    return false;
  }
  if (o.state == State::open) {
    return false;  // an attempt that left before the breaker opened
  }
  const std::int64_t index = slice_of(now);
  Slice& s = o.slices[static_cast<std::size_t>(index) % k_buckets];
  if (s.index != index) {
    s = Slice{index, 0, 0};
  }
  ++s.attempts;
  s.failures += success ? 0 : 1;
  std::uint32_t attempts = 0;
  std::uint32_t failures = 0;
  for (const Slice& slice : o.slices) {
    if (slice.index > index - static_cast<std::int64_t>(k_buckets)) {
      attempts += slice.attempts;
      failures += slice.failures;
    }
  }
  if (attempts >= k_breaker_min_attempts &&
      static_cast<double>(failures) >= k_breaker_failure_ratio * static_cast<double>(attempts)) {
    o.state = State::open;
    o.pause = std::chrono::duration_cast<Millis>(k_breaker_first_pause);
    o.open_until = now + o.pause;
    o.slices = {};
    return true;
  }
  if (failures == 0) {
    m_origins.erase(origin);  // nothing worth remembering
  }
  return false;
}

bool CircuitBreaker::adopt_pause(const std::string& origin, TimePoint until, TimePoint now) {
  if (until <= now) {
    return false;
  }
  std::lock_guard lock(m_mutex);
  Origin& o = m_origins[origin];
  if ((o.state == State::open && o.open_until >= until) || (o.state == State::half_open && o.probe_in_flight)) {
    return false;
  }
  o.state = State::open;
  o.open_until = until;
  o.pause = std::clamp(std::chrono::duration_cast<Millis>(until - now), std::max(o.pause, Millis{1}),
                       std::chrono::duration_cast<Millis>(k_breaker_max_pause));
  o.probe_in_flight = false;
  o.slices = {};
  return true;
}

std::vector<std::string> CircuitBreaker::paused_origins(TimePoint now) const {
  std::lock_guard lock(m_mutex);
  std::vector<std::string> out;
  for (const auto& [origin, o] : m_origins) {
    if (o.state == State::open && now < o.open_until) {
      out.push_back(origin);
    }
  }
  return out;
}

std::optional<TimePoint> CircuitBreaker::next_probe(TimePoint now) const {
  std::lock_guard lock(m_mutex);
  std::optional<TimePoint> earliest;
  for (const auto& [origin, o] : m_origins) {
    if (o.state == State::open && now < o.open_until && (!earliest || o.open_until < *earliest)) {
      earliest = o.open_until;
    }
  }
  return earliest;
}

TimePoint CircuitBreaker::retry_at(const std::string& origin, TimePoint now) const {
  std::lock_guard lock(m_mutex);
  auto it = m_origins.find(origin);
  if (it != m_origins.end() && it->second.state == State::open && now < it->second.open_until) {
    return it->second.open_until;
  }
  return now + std::chrono::duration_cast<Millis>(k_breaker_probe_wait);  // half-open: after the probe
}

CircuitBreaker::State CircuitBreaker::state(const std::string& origin, TimePoint now) const {
  std::lock_guard lock(m_mutex);
  auto it = m_origins.find(origin);
  if (it == m_origins.end()) {
    return State::closed;
  }
  if (it->second.state == State::open && now >= it->second.open_until) {
    return State::half_open;
  }
  return it->second.state;
}

}  // namespace hubbub
