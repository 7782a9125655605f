#include "store/database.h"

namespace hubbub {

Query::~Query() {
  if (m_stmt != nullptr) {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
}

void Query::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

Query& Query::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(m_stmt, index, value);
  return *this;
}

Query& Query::bind(int index, std::string_view text) {
  sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Query& Query::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Query& Query::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Query& Query::bind_blob(int index, const std::optional<std::string>& bytes) {
  if (!bytes) {
    return bind_null(index);
  }
  sqlite3_bind_blob(m_stmt, index, bytes->data(), static_cast<int>(bytes->size()), SQLITE_TRANSIENT);
  return *this;
}

Query& Query::bind_null(int index) {
  sqlite3_bind_null(m_stmt, index);
  return *this;
}

Result<bool> Query::step() {
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return fail(std::string("sqlite: ") + sqlite3_errmsg(m_db) + " (" + sqlite3_errstr(sqlite3_extended_errcode(m_db)) +
              ")");
}

Status Query::run() {
  for (;;) {
    HUBBUB_TRY_ASSIGN(row, step());
    if (!*row) {
      return {};
    }
  }
}

std::int64_t Query::int64(int column) const {
  return sqlite3_column_int64(m_stmt, column);
}

std::string Query::text(int column) const {
  const void* data = sqlite3_column_blob(m_stmt, column);
  const int size = sqlite3_column_bytes(m_stmt, column);
  return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

bool Query::is_null(int column) const {
  return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::optional<std::string> Query::optional_text(int column) const {
  return is_null(column) ? std::nullopt : std::optional<std::string>(text(column));
}

std::optional<std::int64_t> Query::optional_int64(int column) const {
  return is_null(column) ? std::nullopt : std::optional<std::int64_t>(int64(column));
}

Result<Database> Database::open(const std::string& path, Access access) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_NOMUTEX |
                    (access == Access::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open database " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return fail(std::move(message));
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db);
}

Database::Database(Database&& other) noexcept : m_db(other.m_db), m_statements(std::move(other.m_statements)) {
  other.m_db = nullptr;
  other.m_statements.clear();
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    m_db = other.m_db;
    m_statements = std::move(other.m_statements);
    other.m_db = nullptr;
    other.m_statements.clear();
  }
  return *this;
}

Database::~Database() {
  close();
}

void Database::close() {
  for (auto& [sql, stmt] : m_statements) {
    sqlite3_finalize(stmt);
  }
  m_statements.clear();
  if (m_db != nullptr) {
    sqlite3_close_v2(m_db);
    m_db = nullptr;
  }
}

Status Database::exec(std::string_view sql) {
  const std::string copy(sql);
  char* err = nullptr;
  if (sqlite3_exec(m_db, copy.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message =
        "sqlite: " + std::string(err ? err : "error") + " (" + sqlite3_errstr(sqlite3_extended_errcode(m_db)) + ")";
    sqlite3_free(err);
    return fail(std::move(message));
  }
  return {};
}

Result<Query> Database::query(const char* sql) {
  auto it = m_statements.find(sql);
  if (it == m_statements.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return fail(error_message("prepare"));
    }
    it = m_statements.emplace(sql, stmt).first;
  }
  return Query(m_db, it->second);
}

Result<std::int64_t> Database::scalar(const char* sql) {
  HUBBUB_TRY_ASSIGN(q, query(sql));
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return fail(std::string("no result from: ") + sql);
  }
  return q->int64(0);
}

std::int64_t Database::changes() const {
  return sqlite3_changes64(m_db);
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(m_db);
}

std::string Database::error_message(std::string_view what) const {
  return std::string(what) + ": " + sqlite3_errmsg(m_db) + " (" + sqlite3_errstr(sqlite3_extended_errcode(m_db)) + ")";
}

Transaction::~Transaction() {
  if (m_open) {
    (void)m_db.exec("ROLLBACK");
  }
}

Status Transaction::begin() {
  auto s = m_db.exec("BEGIN IMMEDIATE");
  m_open = s.has_value();
  return s;
}

Status Transaction::commit() {
  auto s = m_db.exec("COMMIT");
  if (s) {
    m_open = false;
  }
  return s;
}

}  // namespace hubbub
