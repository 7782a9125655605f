#include "store/migrator.h"

#include <catch2/catch.hpp>

#include <fstream>

#include "support/store_writes.h"
#include "support/temp_dir.h"

using namespace hubbub;

namespace {

using test::k_t0;

Database open_db(const std::string& path) {
  return Database::open(path, Database::Access::read_write_create).value();
}

}  // namespace

TEST_CASE("brings a new database to the newest schema and records it", "[store][migrator]") {
  test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  REQUIRE(migrate(db, embedded_migrations(), k_t0));
  CHECK(db.scalar("PRAGMA user_version").value() == embedded_migrations().back().version);
  CHECK(db.scalar("PRAGMA application_id").value() == k_application_id);
  CHECK(db.scalar("SELECT count(*) FROM schema_migrations").value() ==
        static_cast<std::int64_t>(embedded_migrations().size()));
  CHECK(db.scalar("SELECT count(*) FROM subscriptions").value() == 0);
  // Stamped with the time the caller gave (the hub's clock), not the system's.
  CHECK(db.scalar("SELECT min(applied_at) FROM schema_migrations").value() == to_unix_ms(k_t0));
  CHECK(db.scalar("SELECT max(applied_at) FROM schema_migrations").value() == to_unix_ms(k_t0));
  // Running again changes nothing.
  REQUIRE(migrate(db, embedded_migrations(), k_t0 + std::chrono::hours{1}));
  CHECK(db.scalar("SELECT count(*) FROM schema_migrations").value() ==
        static_cast<std::int64_t>(embedded_migrations().size()));
}

TEST_CASE("migrates an empty (zero-length) file like a new one", "[store][migrator][C13]") {
  test::TempDir dir;
  std::ofstream(dir.file("empty.db")).close();
  Database db = open_db(dir.file("empty.db"));
  CHECK(migrate(db, embedded_migrations(), k_t0));
}

TEST_CASE("applies later migrations on top of an older schema", "[store][migrator]") {
  test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  const Migration v1[] = {{1, "one", "CREATE TABLE t1 (x INTEGER);"}};
  const Migration v2[] = {{1, "one", "CREATE TABLE t1 (x INTEGER);"}, {2, "two", "CREATE TABLE t2 (y INTEGER);"}};
  REQUIRE(migrate(db, v1, k_t0));
  REQUIRE(migrate(db, v2, k_t0));
  CHECK(db.scalar("PRAGMA user_version").value() == 2);
  CHECK(db.scalar("SELECT count(*) FROM t2").value() == 0);
}

TEST_CASE("rolls a failing migration back whole", "[store][migrator][C6]") {
  test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  const Migration bad[] = {{1, "bad", "CREATE TABLE t1 (x INTEGER); THIS IS NOT SQL;"}};
  auto s = migrate(db, bad, k_t0);
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("migration 1") != std::string::npos);
  CHECK(db.scalar("PRAGMA user_version").value() == 0);
  CHECK(db.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 't1'").value() == 0);
}

TEST_CASE("refuses a database from a newer Hubbub", "[store][migrator][C14]") {
  test::TempDir dir;
  {
    Database db = open_db(dir.file("a.db"));
    REQUIRE(migrate(db, embedded_migrations(), k_t0));
    REQUIRE(db.exec("PRAGMA user_version = 999"));
  }
  Database db = open_db(dir.file("a.db"));
  auto s = migrate(db, embedded_migrations(), k_t0);
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("newer Hubbub") != std::string::npos);
}

TEST_CASE("refuses garbage, truncated files and other applications' databases", "[store][migrator][C13]") {
  test::TempDir dir;
  std::ofstream(dir.file("garbage.db")) << std::string(8192, 'x');
  Database garbage = open_db(dir.file("garbage.db"));
  CHECK_FALSE(migrate(garbage, embedded_migrations(), k_t0));

  {
    Database other = open_db(dir.file("other.db"));
    REQUIRE(other.exec("CREATE TABLE accounts (id INTEGER)"));
  }
  Database other = open_db(dir.file("other.db"));
  auto s = migrate(other, embedded_migrations(), k_t0);
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("not a Hubbub database") != std::string::npos);
}
