#pragma once
// Subscription requests accepted and not yet settled, counted per callback
// origin and in all (reliability-plan A2, D15). The hub endpoint counts a
// request in before it is committed and refuses it when its callback's host,
// or the hub, already has as many waiting as allowed; the verifier counts it
// out when it settles. The counts live in memory, so they cost the store's
// single writer nothing; at start they are rebuilt from the store.
// Thread-safe.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hubbub {

class PendingVerifications {
 public:
  enum class Admission { admitted, origin_full, hub_full };

  // Replaces every count with the store's (at start, and on a database that
  // other nodes share every few seconds), plus the requests admitted here
  // whose commit has not been answered yet. Exact when the store's counts
  // were read in the order of its writes and this runs before the next
  // write's answer (Store::pending_requests_per_origin_in_write_order): each
  // request admitted here is then either in the store's counts (its answer
  // came first) or still unanswered, never both, never neither.
  void reset(const std::vector<std::pair<std::string, std::int64_t>>& per_origin);

  // Counts one more request for `origin`, unless the origin already has
  // `origin_cap` or the hub `total_cap` waiting (a cap of 0: none). An
  // admitted request is then committed() once its write is answered.
  Admission admit(const std::string& origin, std::int64_t origin_cap, std::int64_t total_cap);
  // The write of an admitted request was answered: stored, or refused (then
  // it is counted out, as it waits for nothing).
  void committed(const std::string& origin, bool stored);
  // Counts one out (never below zero).
  void remove(const std::string& origin);

  std::int64_t count(const std::string& origin) const;
  // Every origin with requests waiting, and how many.
  std::vector<std::pair<std::string, std::int64_t>> per_origin() const;
  std::int64_t total() const;

 private:
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, std::int64_t> m_per_origin;   // only non-zero counts
  std::unordered_map<std::string, std::int64_t> m_uncommitted;  // admitted, write not answered yet
  std::int64_t m_total = 0;
};

}  // namespace hubbub
