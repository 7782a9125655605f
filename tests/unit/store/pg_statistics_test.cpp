// PgStatistics: when the engine analyzes a queue table again, and that it
// does so through the real store (needs the test cluster).
#include "store/pg_statistics.h"

#include <catch2/catch.hpp>

#include "store/postgres_store.h"
#include "support/store_builders.h"
#include "support/store_engines.h"
#include "support/store_writes.h"

using namespace hubbub;
using Table = PgStatistics::Table;

TEST_CASE("a queue table is analyzed once its writes reach half of those before, told once", "[store][pg_statistics]") {
  PgStatistics s;
  CHECK_FALSE(s.wrote(Table::deliveries, k_pg_analyze_min_rows - 1));
  CHECK(s.wrote(Table::deliveries, 1));                    // the first k_pg_analyze_min_rows
  CHECK_FALSE(s.wrote(Table::deliveries, 5000));           // already told: analyzing
  CHECK_FALSE(s.wrote(Table::subscription_requests, 10));  // each table counts its own
  s.analyzed(Table::deliveries);                           // 6,000 written: the next after 3,000 more
  CHECK_FALSE(s.wrote(Table::deliveries, 2999));
  CHECK(s.wrote(Table::deliveries, 1));
  s.analyzed(Table::deliveries);  // 9,000: after 4,500 more
  CHECK_FALSE(s.wrote(Table::deliveries, 4499));
  CHECK(s.wrote(Table::deliveries, 1));
  CHECK(std::string(PgStatistics::analyze_sql(Table::deliveries)) == "ANALYZE (SKIP_LOCKED) deliveries");
}

TEST_CASE("the PostgreSQL engine analyzes the requests table as a burst of requests comes in",
          "[store][postgres][pg_statistics]") {
  test::PostgresDatabase db;
  auto store = PostgresStore::open(db.uri(), test::store_clock(), "node-a");
  REQUIRE(store);
  auto conn = PgConnection::connect(db.uri(), "hubbub tests");
  REQUIRE(conn);
  auto reltuples = [&] {
    auto r = conn->exec("SELECT reltuples::bigint FROM pg_class WHERE relname = 'subscription_requests'");
    REQUIRE(r);
    return r->int64(0, 0);
  };
  CHECK(reltuples() <= 0);  // never analyzed (-1), or analyzed empty
  const TimePoint t0 = test::k_t0;
  for (std::int64_t i = 0; i < k_pg_analyze_min_rows; ++i) {
    (*store)->add_request(
        test::new_request(RequestMode::subscribe, "http://p/t", "http://h.example/" + std::to_string(i), t0),
        [](Status) {});
  }
  // A write after them commits after the ANALYZE they made due.
  REQUIRE(test::wait_for_write([&](Store::Done d) {
    (*store)->add_request(test::new_request(RequestMode::subscribe, "http://p/t", "http://h.example/last", t0), d);
  }));
  CHECK(reltuples() >= k_pg_analyze_min_rows);
}

TEST_CASE("a node analyzes at its start the tables filled while no node counted their writes",
          "[store][postgres][pg_statistics]") {
  test::PostgresDatabase db;
  { auto first = PostgresStore::open(db.uri(), test::store_clock(), "node-a"); }  // the schema
  auto conn = PgConnection::connect(db.uri(), "hubbub tests");
  REQUIRE(conn);
  // A bulk load, as a restore or the copy from SQLite makes.
  REQUIRE(conn->exec_script(
      "INSERT INTO subscriptions (topic, callback, origin, lease_seconds, expires_at, created_at, updated_at) "
      "SELECT 'http://p/t', 'http://h.example/' || i, 'http://h.example:80', 100, 4102444800000, 0, 0 "
      "FROM generate_series(1, 3000) AS i"));
  REQUIRE(conn->exec_script("SELECT pg_stat_force_next_flush()"));
  REQUIRE(conn->exec_script("SELECT 1"));  // the flush, at the end of a transaction
  auto reltuples = [&] {
    auto r = conn->exec("SELECT reltuples::bigint FROM pg_class WHERE relname = 'subscriptions'");
    REQUIRE(r);
    return r->int64(0, 0);
  };
  REQUIRE(reltuples() < 3000);
  auto store = PostgresStore::open(db.uri(), test::store_clock(), "node-b");
  REQUIRE(store);
  CHECK(reltuples() == 3000);
  // Nothing changed since: the next start analyzes nothing.
  CHECK(analyze_stale_tables(*conn).value() == 0);
}
