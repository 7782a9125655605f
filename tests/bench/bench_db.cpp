#include "bench/bench_db.h"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>

#include "store/pg_connection.h"
#include "support/store_engines.h"

namespace hubbub::bench {

std::optional<std::size_t> count_in(const std::string& database, const std::string& sql) {
  if (is_postgres_uri(database)) {
    auto db = PgConnection::connect(database, "hubbub bench");
    if (!db) {
      return std::nullopt;
    }
    auto r = db->exec(sql.c_str());
    if (!r || r->rows() == 0) {
      return std::nullopt;
    }
    return static_cast<std::size_t>(r->int64(0, 0));
  }
  sqlite3* db = nullptr;
  std::optional<std::size_t> n;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      n = static_cast<std::size_t>(sqlite3_column_int64(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

bool exec_in(const std::string& database, const std::string& sql) {
  if (is_postgres_uri(database)) {
    auto db = PgConnection::connect(database, "hubbub bench");
    if (!db) {
      std::printf("   cannot connect: %s\n", db.error().message.c_str());
      return false;
    }
    auto r = db->exec_script(sql.c_str());
    if (!r) {
      std::printf("   %s\n", r.error().message.c_str());
    }
    return r.has_value();
  }
  sqlite3* db = nullptr;
  bool ok = sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK;
  char* error = nullptr;
  if (ok && sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::printf("   %s\n", error != nullptr ? error : sqlite3_errmsg(db));
    ok = false;
  }
  sqlite3_free(error);
  sqlite3_close(db);
  return ok;
}

std::uint64_t database_bytes(const std::string& database) {
  if (is_postgres_uri(database)) {
    return count_in(database, "SELECT pg_database_size(current_database())").value_or(0);
  }
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(database + suffix, ec);
    total += ec ? 0 : size;
  }
  return total;
}

}  // namespace hubbub::bench
