#pragma once
// Fresh planner statistics for the PostgreSQL queue tables. Their contents
// change faster than autovacuum, which looks at a table at most once a
// minute, analyzes them: a table that gained 10,000 pending rows since its
// last ANALYZE looks nearly empty to the planner, which then picks plans
// that read every pending row for each claim (measured: 30–55 ms a claim at
// 14,000 pending requests, 0.4 ms with fresh statistics; the single writer
// waits meanwhile, and so does every 202). So the engine counts the rows it
// writes to each queue table and analyzes the table again once they reach
// half of all it wrote before (at least k_pg_analyze_min_rows): a handful of
// ANALYZEs over a burst of any size, none while nothing changes.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "store/pg_connection.h"
#include "util/result.h"

namespace hubbub {

constexpr std::int64_t k_pg_analyze_min_rows = 1000;

class PgStatistics {
 public:
  enum class Table : std::size_t { subscription_requests, publish_topics, deliveries, subscriptions };
  static constexpr std::size_t k_tables = 4;

  // Counts `rows` written to `table`; true when the table is due an ANALYZE,
  // told once until analyzed().
  bool wrote(Table table, std::int64_t rows) {
    Counts& c = m_counts[static_cast<std::size_t>(table)];
    const std::int64_t total = c.written.fetch_add(rows, std::memory_order_relaxed) + rows;
    if (total < c.due_at.load(std::memory_order_relaxed)) {
      return false;
    }
    return !c.pending.exchange(true, std::memory_order_acq_rel);
  }
  // The ANALYZE ran (or failed): the next is due after half as many rows
  // again as written so far.
  void analyzed(Table table) {
    Counts& c = m_counts[static_cast<std::size_t>(table)];
    const std::int64_t total = c.written.load(std::memory_order_relaxed);
    c.due_at.store(total + std::max(k_pg_analyze_min_rows, total / 2), std::memory_order_relaxed);
    c.pending.store(false, std::memory_order_release);
  }
  // The statement; SKIP_LOCKED: never wait behind autovacuum's lock.
  static const char* analyze_sql(Table table) {
    switch (table) {
      case Table::subscription_requests:
        return "ANALYZE (SKIP_LOCKED) subscription_requests";
      case Table::publish_topics:
        return "ANALYZE (SKIP_LOCKED) publish_topics";
      case Table::deliveries:
        return "ANALYZE (SKIP_LOCKED) deliveries";
      case Table::subscriptions:
        return "ANALYZE (SKIP_LOCKED) subscriptions";
    }
    return "";
  }

 private:
  struct Counts {
    std::atomic<std::int64_t> written{0};
    std::atomic<std::int64_t> due_at{k_pg_analyze_min_rows};
    std::atomic<bool> pending{false};
  };
  std::array<Counts, k_tables> m_counts;
};

// Analyzes each queue table whose rows changed by more than half (at least
// k_pg_analyze_min_rows) since its last ANALYZE, as PostgreSQL's own
// counters say: at a node's start, for a database filled while no node
// counted its writes (the copy from SQLite, a restore, bulk loads).
// Returns the tables analyzed.
Result<std::size_t> analyze_stale_tables(PgConnection& db);

}  // namespace hubbub
