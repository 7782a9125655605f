#include "websub/failure_log.h"

namespace hubbub {

FailureLog::FailureLog(std::size_t capacity) : m_capacity(capacity == 0 ? 1 : capacity) {}

void FailureLog::record(FailureEvent event) {
  std::lock_guard lock(m_mutex);
  if (m_events.size() == m_capacity) {
    m_events.pop_front();
  }
  m_events.push_back(std::move(event));
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
