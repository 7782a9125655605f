#pragma once
// Moving a hub from its SQLite file to PostgreSQL: everything the hub stored
// (subscriptions with their secrets and leases, requests, publishes and their
// fetches, contents, owed deliveries and dead letters, pauses) copied in one
// PostgreSQL transaction, with ids kept, claims dropped, and each table's
// row count checked before the commit. Run while the hub is stopped: the
// SQLite file is locked as a hub locks it, so a running hub makes it refuse.
// The target must hold no hub data yet (its schema is created if missing).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/clock.h"
#include "util/result.h"

namespace hubbub {

// What was copied: each table with its rows, and the work still owed.
struct CopyReport {
  std::vector<std::pair<std::string, std::int64_t>> tables;
  std::int64_t pending_requests = 0;
  std::int64_t pending_fetches = 0;
  std::int64_t owed_deliveries = 0;
  std::int64_t unfinished_fanouts = 0;  // fan-outs whose rest is still to be written
};

Result<CopyReport> copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& postgres_uri,
                                           const Clock& clock);

}  // namespace hubbub
