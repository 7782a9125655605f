#include "store/migrator.h"

#include <chrono>
#include <string>

namespace hubbub {
namespace {

Status check_integrity(Database& db) {
  auto q = db.query("PRAGMA quick_check");
  if (!q) {
    return fail("the file is not a usable SQLite database: " + q.error().message);
  }
  auto row = q->step();
  if (!row) {
    return fail("the file is not a usable SQLite database: " + row.error().message);
  }
  if (*row && q->text(0) != "ok") {
    return fail("the database is corrupt (PRAGMA quick_check: " + q->text(0) + ")");
  }
  return {};
}

}  // namespace

Status migrate(Database& db, std::span<const Migration> migrations, TimePoint now) {
  HUBBUB_TRY(check_integrity(db));
  auto app_id = db.scalar("PRAGMA application_id");
  auto version = db.scalar("PRAGMA user_version");
  auto tables = db.scalar("SELECT count(*) FROM sqlite_schema");
  if (!app_id || !version || !tables) {
    return fail("cannot read the database header");
  }
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*app_id != 0 && *app_id != k_application_id) {
    return fail("this is not a Hubbub database (PRAGMA application_id is " + std::to_string(*app_id) + ")");
  }
  if (*app_id == 0 && *tables > 0) {
    return fail("this is not a Hubbub database (it holds tables of another application)");
  }
  if (*version > latest) {
    return fail("the database was written by a newer Hubbub (schema version " + std::to_string(*version) +
                "; this binary knows up to " + std::to_string(latest) + "); upgrade Hubbub");
  }
  for (const Migration& m : migrations) {
    if (m.version <= *version) {
      continue;
    }
    Transaction txn(db);
    if (auto s = txn.begin(); !s) {
      return fail("migration " + std::to_string(m.version) + ": " + s.error().message);
    }
    auto s = db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    if (s) {
      s = db.exec(m.sql);
    }
    if (s) {
      auto q = db.query("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
      if (!q) {
        s = std::unexpected(q.error());
      } else {
        q->bind(1, std::int64_t{m.version}).bind(2, std::string_view(m.description)).bind(3, to_unix_ms(now));
        s = q->run();
      }
    }
    if (s) {
      s = db.exec("PRAGMA user_version = " + std::to_string(m.version) +
                  "; PRAGMA application_id = " + std::to_string(k_application_id));
    }
    if (s) {
      s = txn.commit();
    }
    if (!s) {
      return fail("migration " + std::to_string(m.version) + " (" + m.description + ") failed: " + s.error().message);
    }
  }
  return {};
}

}  // namespace hubbub
