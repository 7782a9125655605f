// A PostgreSQL session (store/pg_connection.h) on the test cluster: a
// transaction opened by begin() starts with its first statement, in that
// statement's round trip, and behaves as one opened by a BEGIN of its own.
#include "store/pg_connection.h"

#include <catch2/catch.hpp>

#include "support/store_engines.h"

using namespace hubbub;

namespace {

std::int64_t count_rows(PgConnection& db) {
  auto r = db.exec("SELECT count(*) FROM t");
  REQUIRE(r);
  return r->int64(0, 0);
}

bool in_transaction(PgConnection& db) {
  return PQtransactionStatus(db.handle()) == PQTRANS_INTRANS;
}

}  // namespace

TEST_CASE("begin() opens the transaction with the next statement", "[store][postgres][pg_connection]") {
  test::PostgresDatabase database;
  PgConnection db = database.session();
  REQUIRE(db.exec_script("CREATE TABLE t (v integer PRIMARY KEY)"));

  db.begin();
  CHECK_FALSE(in_transaction(db));  // nothing sent yet
  auto inserted = db.exec("INSERT INTO t (v) VALUES ($1) RETURNING v", PgParams().add(std::int64_t{7}));
  REQUIRE(inserted);
  CHECK(inserted->int64(0, 0) == 7);  // the statement's own answer
  CHECK(in_transaction(db));
  REQUIRE(db.exec_script("ROLLBACK"));
  CHECK(count_rows(db) == 0);

  SECTION("the statement, prepared in the pipeline, runs again outside one") {
    db.begin();
    REQUIRE(db.exec("INSERT INTO t (v) VALUES ($1) RETURNING v", PgParams().add(std::int64_t{8})));
    REQUIRE(db.exec_script("COMMIT"));
    REQUIRE(db.exec("INSERT INTO t (v) VALUES ($1) RETURNING v", PgParams().add(std::int64_t{9})));
    CHECK(count_rows(db) == 2);
  }
  SECTION("a script after begin() runs in the transaction") {
    db.begin();
    REQUIRE(db.exec_script("INSERT INTO t (v) VALUES (1)"));
    CHECK(in_transaction(db));
    REQUIRE(db.exec_script("COMMIT"));
    CHECK(count_rows(db) == 1);
  }
  SECTION("a COMMIT or ROLLBACK with no statement since begin() sends nothing") {
    db.begin();
    REQUIRE(db.exec_script("COMMIT"));
    CHECK_FALSE(in_transaction(db));
    db.begin();
    REQUIRE(db.exec_script("ROLLBACK"));
    CHECK(count_rows(db) == 0);
  }
}

TEST_CASE("a statement that fails after begin() says why and leaves the session usable",
          "[store][postgres][pg_connection]") {
  test::PostgresDatabase database;
  PgConnection db = database.session();
  REQUIRE(db.exec_script("CREATE TABLE t (v integer PRIMARY KEY)"));
  REQUIRE(db.exec_script("INSERT INTO t (v) VALUES (1)"));

  SECTION("the statement fails") {
    db.begin();
    auto duplicate = db.exec("INSERT INTO t (v) VALUES ($1)", PgParams().add(std::int64_t{1}));
    REQUIRE_FALSE(duplicate);
    CHECK(duplicate.error().message.starts_with("query: "));
    CHECK(duplicate.error().message.find("duplicate key") != std::string::npos);
    CHECK(db.last_sqlstate() == "23505");
    CHECK(PQtransactionStatus(db.handle()) == PQTRANS_INERROR);
  }
  SECTION("its text does not prepare") {
    db.begin();
    auto bad = db.exec("SELEC nothing");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.starts_with("prepare: "));
    CHECK(db.last_sqlstate() == "42601");
    REQUIRE(db.exec_script("ROLLBACK"));
    CHECK_FALSE(db.exec("SELEC nothing"));  // not remembered as prepared
  }
  REQUIRE(db.exec_script("ROLLBACK"));
  CHECK(db.healthy());
  CHECK(count_rows(db) == 1);
  db.begin();
  REQUIRE(db.exec("INSERT INTO t (v) VALUES ($1)", PgParams().add(std::int64_t{2})));
  REQUIRE(db.exec_script("COMMIT"));
  CHECK(count_rows(db) == 2);
}
