#pragma once
// The storage engine a --database setting names: a libpq URI
// (postgresql://… or postgres://…) opens the PostgreSQL engine, anything
// else is the path of a SQLite file.

#include <memory>
#include <string>

#include "util/clock.h"
#include "util/result.h"
#include "websub/limits.h"
#include "websub/store.h"

namespace hubbub {

// `node_id` names this process among the nodes sharing a PostgreSQL
// database (its claims), `notify` says whether its commits wake the other
// nodes (--pg-notify) and `readers` how many read connections it keeps
// (--pg-readers); SQLite has one process per file and ignores all three.
Result<std::unique_ptr<Store>> open_store(const std::string& database, const Clock& clock, const std::string& node_id,
                                          bool notify = true, std::size_t readers = k_pg_read_connections);

// This process's default node id: the host name and the process id.
std::string default_node_id();

}  // namespace hubbub
