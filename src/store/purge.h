#pragma once
// The housekeeper's purges (websub/store.h, Housekeeping), for every engine:
// what they delete, and the rounds they delete it in. Each statement takes
// $1, the cut-off time, and $2, the batch size: PostgreSQL's own
// placeholders, which SQLite numbers alike (the first name it meets is
// parameter 1, the next 2).

#include <cstddef>

#include "util/result.h"
#include "websub/limits.h"

namespace hubbub {

// Finished requests (status monitors) last updated before the cut-off.
inline constexpr const char* k_purge_finished_requests =
    "DELETE FROM subscription_requests WHERE id IN (SELECT id FROM subscription_requests "
    "WHERE state <> 0 AND updated_at < $1 LIMIT $2)";

// Finished publishes, in this order: delivered and dropped deliveries, then
// publish topics (whose fan-out is all written), publishes and contents
// that nothing refers to any more.
// Dead letters stay, with what they need.
inline constexpr const char* k_purge_finished_publishes[] = {
    "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state IN (1, 3) AND updated_at < $1 "
    "LIMIT $2)",
    "DELETE FROM publish_topics WHERE id IN (SELECT p.id FROM publish_topics p WHERE p.state <> 0 AND "
    "p.fanout_after IS NULL AND p.updated_at < $1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.publish_topic_id "
    "= p.id) LIMIT $2)",
    "DELETE FROM publishes WHERE id IN (SELECT p.id FROM publishes p WHERE p.created_at < $1 AND NOT EXISTS "
    "(SELECT 1 FROM publish_topics t WHERE t.publish_id = p.id) LIMIT $2)",
    "DELETE FROM contents WHERE id IN (SELECT c.id FROM contents c WHERE c.created_at < $1 AND NOT EXISTS "
    "(SELECT 1 FROM deliveries d WHERE d.content_id = c.id) AND NOT EXISTS "
    "(SELECT 1 FROM publish_topics t WHERE t.content_id = c.id) AND NOT EXISTS "
    "(SELECT 1 FROM publish_topics t WHERE t.diff_content_id = c.id) LIMIT $2)",
};

// Runs `one_batch` (a transaction deleting at most k_purge_batch_rows rows,
// returning how many) until a batch removes fewer, at most
// k_max_purge_rounds times, so that a large purge never stalls the writer
// and the log stays small. Returns how many rows went in all.
template <class Batch>
Result<std::size_t> purge_in_rounds(Batch one_batch) {
  std::size_t removed = 0;
  for (std::size_t round = 0; round < k_max_purge_rounds; ++round) {
    HUBBUB_TRY_ASSIGN(n, one_batch());
    removed += *n;
    if (*n < k_purge_batch_rows) {
      break;
    }
  }
  return removed;
}

}  // namespace hubbub
