#pragma once
// Schema migrations: migrations/NNNN_description.sql, compiled into the binary
// (src/store/embed_migrations.cmake), applied in order at start-up, each in
// one transaction together with its PRAGMA user_version bump, and recorded in
// the schema_migrations table.

#include <cstdint>
#include <span>

#include "store/database.h"
#include "util/clock.h"
#include "util/result.h"

namespace hubbub {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Every migration this binary knows, by ascending version.
std::span<const Migration> embedded_migrations();

// PRAGMA application_id of a Hubbub database ("HUBB").
constexpr std::int32_t k_application_id = 0x48554242;

// Checks that `db` is a sound Hubbub database (or an empty file) and brings it
// to the newest schema. Refuses, with a message for the operator: a file that
// is not a database, a corrupt one (PRAGMA quick_check), another
// application's database, and a schema newer than the newest migration.
// `now` (the hub's clock) stamps each migration applied.
Status migrate(Database& db, std::span<const Migration> migrations, TimePoint now);

}  // namespace hubbub
