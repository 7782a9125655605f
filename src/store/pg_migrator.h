#pragma once
// Schema migrations of the PostgreSQL engine: migrations/postgres/NNNN_*.sql,
// compiled in like SQLite's (store/migrator.h), applied in order, each in
// one transaction with its schema_migrations row, under an advisory lock:
// however many nodes start at once on an empty database, one migrates and
// the others find it done.

#include <cstdint>
#include <span>

#include "store/migrator.h"
#include "store/pg_connection.h"
#include "util/clock.h"
#include "util/result.h"

namespace hubbub {

// Every PostgreSQL migration this binary knows, by ascending version.
std::span<const Migration> postgres_migrations();

// The advisory lock key migrations run under ("HUBB" and 1).
constexpr std::int64_t k_pg_migration_lock = 0x4855424200000001;

// Brings the database to the newest schema. Refuses a schema newer than the
// newest migration, and a database holding another application's tables
// named like Hubbub's, with a message for the operator.
Status migrate_postgres(PgConnection& db, std::span<const Migration> migrations, TimePoint now);

}  // namespace hubbub
