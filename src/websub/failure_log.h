#pragma once
// The latest failures of outbound work (verifications, topic fetches,
// deliveries) with their reasons, for the dashboard and GET
// admin/failures. A bounded ring kept in memory: it starts empty after a
// restart, while the durable record (request states, dead letters, the
// deliveries of a subscription) stays in the store. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/clock.h"

namespace hubbub {

struct FailureEvent {
  TimePoint at;
  std::string kind;     // "verification", "fetch", "delivery"
  std::string outcome;  // "retry", "failed", "denied", "dead", "dropped"
  std::string topic;
  std::string callback;  // empty for fetches
  std::optional<long> status;
  std::string reason;
};

class FailureLog {
 public:
  explicit FailureLog(std::size_t capacity);
  void record(FailureEvent event);
  // Newest first, at most `limit`.
  std::vector<FailureEvent> recent(std::size_t limit) const;
  // The events recorded after the one numbered `after` (0: all kept), oldest
  // first, and the number of the newest: what a node has not yet written
  // to a shared database.
  std::pair<std::vector<FailureEvent>, std::uint64_t> since(std::uint64_t after) const;

 private:
  std::size_t m_capacity;
  mutable std::mutex m_mutex;
  std::deque<FailureEvent> m_events;  // oldest at the front
  std::uint64_t m_recorded = 0;       // events ever recorded; the newest's number
};

}  // namespace hubbub
