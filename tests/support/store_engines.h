#pragma once
// The storage engines the store contract (tests/unit/store/store_contract.h)
// runs against, each a fresh, empty database per test.

#include <cctype>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/pg_connection.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "support/store_writes.h"
#include "support/temp_dir.h"
#include "util/random.h"
#include "websub/store.h"

namespace hubbub::test {

class StoreEngine {
 public:
  virtual ~StoreEngine() = default;
  virtual Store& store() = 0;
  // Closes the store and opens the same database again: what was committed
  // must all be there.
  virtual void reopen() = 0;
};

// A SQLite file in a temporary directory.
class SqliteEngine final : public StoreEngine {
 public:
  SqliteEngine() { reopen(); }
  Store& store() override { return *m_store; }
  void reopen() override {
    m_store.reset();
    auto opened = SqliteStore::open(m_dir.file("hub.db"), store_clock());
    if (!opened) {
      throw std::runtime_error("cannot open the test database: " + opened.error().message);
    }
    m_store = std::move(*opened);
  }

 private:
  TempDir m_dir;
  std::unique_ptr<SqliteStore> m_store;
};

// The test cluster's URI without a database name, from HUBBUB_TEST_POSTGRES
// (set by the test command, which starts the cluster: tests/postgres/
// cluster.sh). Missing, it is an error: PostgreSQL tests never skip.
inline std::string postgres_test_server() {
  const char* uri = std::getenv("HUBBUB_TEST_POSTGRES");
  if (uri == nullptr || *uri == '\0') {
    throw std::runtime_error(
        "HUBBUB_TEST_POSTGRES is not set: run the tests through `bash contrib/dev.sh test`, which starts a "
        "PostgreSQL cluster, or set it to postgresql://USER@HOST:PORT of a cluster whose user may create databases");
  }
  return uri;
}

// A database of its own on the test cluster, dropped at the end.
class PostgresDatabase {
 public:
  PostgresDatabase() : m_server(postgres_test_server()), m_name("hubbub_test_" + random_token(12)) {
    for (char& c : m_name) {
      c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                                                      : 'x';
    }
    admin("CREATE DATABASE " + m_name);
  }
  ~PostgresDatabase() {
    try {
      admin("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
    } catch (const std::exception&) {
      // the cluster is gone: nothing left to drop
    }
  }
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  std::string uri() const { return m_server + "/" + m_name; }
  const std::string& name() const { return m_name; }
  // A session of its own on the database.
  PgConnection session() const {
    auto c = PgConnection::connect(uri(), "hubbub tests");
    if (!c) {
      throw std::runtime_error("cannot reach the test database: " + c.error().message);
    }
    return std::move(*c);
  }

 private:
  void admin(const std::string& sql) const {
    auto db = PgConnection::connect(m_server + "/postgres", "hubbub tests");
    if (!db) {
      throw std::runtime_error("cannot reach the test cluster: " + db.error().message);
    }
    if (auto s = db->exec_script(sql); !s) {
      throw std::runtime_error(s.error().message);
    }
  }

  std::string m_server;
  std::string m_name;
};

// A fresh database on the test cluster.
class PostgresEngine final : public StoreEngine {
 public:
  PostgresEngine() { reopen(); }
  Store& store() override { return *m_store; }
  void reopen() override {
    m_store.reset();
    auto opened = PostgresStore::open(m_database.uri(), store_clock(), "test-node");
    if (!opened) {
      throw std::runtime_error("cannot open the test database: " + opened.error().message);
    }
    m_store = std::move(*opened);
  }

 private:
  PostgresDatabase m_database;
  std::unique_ptr<PostgresStore> m_store;
};

}  // namespace hubbub::test
