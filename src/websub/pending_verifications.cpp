#include "websub/pending_verifications.h"

namespace hubbub {

void PendingVerifications::reset(const std::vector<std::pair<std::string, std::int64_t>>& per_origin) {
  std::lock_guard lock(m_mutex);
  m_per_origin.clear();
  m_total = 0;
  for (const auto& [origin, n] : per_origin) {
    if (n > 0) {
      m_per_origin[origin] += n;
      m_total += n;
    }
  }
  for (const auto& [origin, n] : m_uncommitted) {
    m_per_origin[origin] += n;
    m_total += n;
  }
}

void PendingVerifications::committed(const std::string& origin, bool stored) {
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_uncommitted.find(origin); it != m_uncommitted.end() && --it->second <= 0) {
      m_uncommitted.erase(it);
    }
  }
  if (!stored) {
    remove(origin);
  }
}

PendingVerifications::Admission PendingVerifications::admit(const std::string& origin, std::int64_t origin_cap,
                                                            std::int64_t total_cap) {
  std::lock_guard lock(m_mutex);
  if (total_cap > 0 && m_total >= total_cap) {
    return Admission::hub_full;
  }
  std::int64_t& n = m_per_origin[origin];
  if (origin_cap > 0 && n >= origin_cap) {
    return Admission::origin_full;
  }
  ++n;
  ++m_total;
  ++m_uncommitted[origin];
  return Admission::admitted;
}

void PendingVerifications::remove(const std::string& origin) {
  std::lock_guard lock(m_mutex);
  const auto it = m_per_origin.find(origin);
  if (it == m_per_origin.end()) {
    return;  // counted before the last reset, or never counted (a request from the admin API)
  }
  --m_total;
  if (--it->second <= 0) {
    m_per_origin.erase(it);
  }
}

std::int64_t PendingVerifications::count(const std::string& origin) const {
  std::lock_guard lock(m_mutex);
  const auto it = m_per_origin.find(origin);
  return it == m_per_origin.end() ? 0 : it->second;
}

std::int64_t PendingVerifications::total() const {
  std::lock_guard lock(m_mutex);
  return m_total;
}

std::vector<std::pair<std::string, std::int64_t>> PendingVerifications::per_origin() const {
  std::lock_guard lock(m_mutex);
  return {m_per_origin.begin(), m_per_origin.end()};
}

}  // namespace hubbub
