#include "websub/failure_log.h"

namespace hubbub {

FailureLog::FailureLog(std::size_t capacity) : m_capacity(capacity == 0 ? 1 : capacity) {}

void FailureLog::record(FailureEvent event) {
  std::lock_guard lock(m_mutex);
  if (m_events.size() == m_capacity) {
    m_events.pop_front();
  }
  m_events.push_back(std::move(event));
  ++m_recorded;
}

std::pair<std::vector<FailureEvent>, std::uint64_t> FailureLog::since(std::uint64_t after) const {
  std::lock_guard lock(m_mutex);
  const std::uint64_t oldest = m_recorded - m_events.size() + 1;  // the number of m_events.front()
  std::vector<FailureEvent> out;
  for (std::uint64_t n = std::max(after + 1, oldest); n <= m_recorded; ++n) {
    out.push_back(m_events[static_cast<std::size_t>(n - oldest)]);
  }
  return {std::move(out), m_recorded};
}

std::vector<FailureEvent> FailureLog::recent(std::size_t limit) const {
  std::lock_guard lock(m_mutex);
  std::vector<FailureEvent> out;
  out.reserve(std::min(limit, m_events.size()));
  for (auto it = m_events.rbegin(); it != m_events.rend() && out.size() < limit; ++it) {
    out.push_back(*it);
  }
  return out;
}

}  // namespace hubbub
