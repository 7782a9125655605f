#pragma once
// Owning wrappers over sqlite3 handles: a connection with a cache of prepared
// statements, a Query that resets its statement when it goes out of scope (an
// unreset statement holds a read snapshot and lets the WAL grow), and a
// Transaction that rolls back unless commit() is called.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "util/result.h"

namespace hubbub {

class Database;

class Query {
 public:
  Query(Query&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt) { other.m_stmt = nullptr; }
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  ~Query();

  // Parameters are 1-based, as in SQLite.
  Query& bind(int index, std::int64_t value);
  Query& bind(int index, std::string_view text);
  Query& bind(int index, const std::optional<std::string>& text);
  Query& bind(int index, const std::optional<std::int64_t>& value);
  Query& bind_blob(int index, const std::optional<std::string>& bytes);
  Query& bind_null(int index);

  // Makes the statement ready to bind and run again (for loops).
  void reset();

  // Next row: true when there is one, false when done.
  Result<bool> step();
  // Runs to completion, ignoring rows.
  Status run();
  // Runs to completion, calling on_row(*this) for each row; then reset().
  // An on_row that returns a Status stops the run at its first failure.
  template <class OnRow>
  Status for_each(OnRow&& on_row) {
    for (;;) {
      HUBBUB_TRY_ASSIGN(row, step());
      if (!*row) {
        reset();
        return {};
      }
      if constexpr (std::is_same_v<decltype(on_row(static_cast<const Query&>(*this))), Status>) {
        if (auto s = on_row(static_cast<const Query&>(*this)); !s) {
          reset();
          return s;
        }
      } else {
        on_row(static_cast<const Query&>(*this));
      }
    }
  }

  std::int64_t int64(int column) const;
  std::string text(int column) const;  // bytes of a TEXT or BLOB column
  bool is_null(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;

 private:
  friend class Database;
  Query(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
};

class Database {
 public:
  enum class Access { read_write_create, read_only };

  static Result<Database> open(const std::string& path, Access access);
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements with no parameters.
  Status exec(std::string_view sql);
  // A prepared statement from the connection's cache, ready to bind. The
  // cache is keyed by the text's address: pass string literals, or strings
  // that live as long as the connection (e.g. function-local statics).
  Result<Query> query(const char* sql);
  // The single integer a statement such as "PRAGMA user_version" yields.
  Result<std::int64_t> scalar(const char* sql);

  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  sqlite3* handle() const { return m_db; }

  // "<what>: <sqlite message> (<extended code name>)".
  std::string error_message(std::string_view what) const;

 private:
  explicit Database(sqlite3* db) : m_db(db) {}
  void close();
  sqlite3* m_db = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> m_statements;
};

// BEGIN IMMEDIATE on construction (begin() reports whether it worked);
// ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database& db) : m_db(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status begin();
  Status commit();

 private:
  Database& m_db;
  bool m_open = false;
};

}  // namespace hubbub
