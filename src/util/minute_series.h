#pragma once
// Counts per wall-clock minute over a sliding window (the dashboard's chart
// of the last hour). A fixed ring of buckets: memory does not grow with
// traffic, and minutes without events read as zero. Thread-safe.

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "util/clock.h"

namespace hubbub {

class MinuteSeries {
 public:
  static constexpr std::size_t k_columns = 2;

  struct Minute {
    TimePoint start;  // the minute's first instant
    std::array<std::uint64_t, k_columns> counts{};
  };

  explicit MinuteSeries(std::size_t minutes = 60);

  void add(TimePoint at, std::size_t column, std::uint64_t n = 1);
  // The window ending with the minute of `now`, oldest first; always
  // `minutes` entries.
  std::vector<Minute> window(TimePoint now) const;

 private:
  struct Bucket {
    std::int64_t minute = -1;  // minutes since the epoch; -1 = unused
    std::array<std::uint64_t, k_columns> counts{};
  };
  mutable std::mutex m_mutex;
  std::vector<Bucket> m_buckets;
};

}  // namespace hubbub
