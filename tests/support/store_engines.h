#pragma once
// The storage engines the store contract (tests/unit/store/store_contract.h)
// runs against, each a fresh, empty database per test.

#include <memory>

#include "store/sqlite_store.h"
#include "support/store_writes.h"
#include "support/temp_dir.h"
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

}  // namespace hubbub::test
