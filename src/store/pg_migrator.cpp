#include "store/pg_migrator.h"

#include <string>

namespace hubbub {
namespace {

Status migrate_locked(PgConnection& db, std::span<const Migration> migrations, TimePoint now) {
  HUBBUB_TRY_ASSIGN(known, db.exec("SELECT to_regclass('schema_migrations') IS NOT NULL, "
                                   "to_regclass('subscriptions') IS NOT NULL"));
  const bool has_migrations = known->text(0, 0) == "t";
  if (!has_migrations && known->text(0, 1) == "t") {
    return fail(
        "the database holds tables that are not Hubbub's (a subscriptions table without "
        "schema_migrations); give Hubbub a database of its own");
  }
  std::int64_t version = 0;
  if (has_migrations) {
    HUBBUB_TRY_ASSIGN(v, db.exec("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    version = v->int64(0, 0);
  }
  const std::int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  if (version > latest) {
    return fail("the database was written by a newer Hubbub (schema version " + std::to_string(version) +
                "; this binary knows up to " + std::to_string(latest) + "); upgrade Hubbub");
  }
  for (const Migration& m : migrations) {
    if (m.version <= version) {
      continue;
    }
    const std::string script =
        std::string("BEGIN; CREATE TABLE IF NOT EXISTS schema_migrations (") +
        "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL);\n" + m.sql;
    auto s = db.exec_script(script);
    if (s) {
      auto q =
          db.exec("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
                  PgParams().add(std::int64_t{m.version}).add(std::string_view(m.description)).add(to_unix_ms(now)));
      if (!q) {
        s = std::unexpected(q.error());
      }
    }
    if (s) {
      s = db.exec_script("COMMIT");
    }
    if (!s) {
      (void)db.exec_script("ROLLBACK");
      return fail("migration " + std::to_string(m.version) + " (" + m.description + ") failed: " + s.error().message);
    }
  }
  return {};
}

}  // namespace

Status migrate_postgres(PgConnection& db, std::span<const Migration> migrations, TimePoint now) {
  const std::string key = std::to_string(k_pg_migration_lock);
  HUBBUB_TRY(db.exec_script("SELECT pg_advisory_lock(" + key + ")"));
  auto s = migrate_locked(db, migrations, now);
  (void)db.exec_script("SELECT pg_advisory_unlock(" + key + ")");
  return s;
}

}  // namespace hubbub
