#include "util/minute_series.h"

namespace hubbub {
namespace {

std::int64_t minute_of(TimePoint t) {
  const std::int64_t ms = to_unix_ms(t);
  return ms >= 0 ? ms / 60000 : (ms - 59999) / 60000;
}

}  // namespace

MinuteSeries::MinuteSeries(std::size_t minutes) : m_buckets(minutes == 0 ? 1 : minutes) {}

void MinuteSeries::add(TimePoint at, std::size_t column, std::uint64_t n) {
  if (column >= k_columns) {
    return;
  }
  const std::int64_t minute = minute_of(at);
  if (minute < 0) {
    return;
  }
  std::lock_guard lock(m_mutex);
  Bucket& b = m_buckets[static_cast<std::size_t>(minute) % m_buckets.size()];
  if (b.minute != minute) {
    if (b.minute > minute) {
      return;  // older than the window (a clock step back): dropped
    }
    b = Bucket{minute, {}};
  }
  b.counts[column] += n;
}

std::vector<MinuteSeries::Minute> MinuteSeries::window(TimePoint now) const {
  const std::int64_t last = minute_of(now);
  const auto size = static_cast<std::int64_t>(m_buckets.size());
  std::vector<Minute> out;
  out.reserve(m_buckets.size());
  std::lock_guard lock(m_mutex);
  for (std::int64_t minute = last - size + 1; minute <= last; ++minute) {
    Minute m{from_unix_ms(minute * 60000), {}};
    if (minute >= 0) {
      const Bucket& b = m_buckets[static_cast<std::size_t>(minute % size)];
      if (b.minute == minute) {
        m.counts = b.counts;
      }
    }
    out.push_back(m);
  }
  return out;
}

}  // namespace hubbub
