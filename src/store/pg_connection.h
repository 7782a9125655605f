#pragma once
// RAII over libpq: one connection (PGconn), its results (PGresult) and the
// parameters of a statement. Statements are prepared on first use and kept
// per connection; parameters go as text, bytes (BYTEA) as binary; results
// come back as text.
//
// Errors carry libpq's message, which names the host and the user but never
// the password; redact_database_uri() is what may be logged of a URI.

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/result.h"

namespace hubbub {

// Whether `database` (the --database setting) names a PostgreSQL database:
// a postgresql:// or postgres:// URI.
bool is_postgres_uri(std::string_view database);

// `uri` with any password (in the user part or a password= parameter)
// replaced by "***": what logs, metrics and messages may show.
std::string redact_database_uri(std::string_view uri);

class PgResult {
 public:
  explicit PgResult(PGresult* result) : m_result(result, &PQclear) {}
  ExecStatusType status() const { return PQresultStatus(m_result.get()); }
  const char* error_field(int field) const { return PQresultErrorField(m_result.get(), field); }
  // The server's message for a failed statement ("" for none).
  const char* error_message() const { return PQresultErrorMessage(m_result.get()); }
  // No result: libpq had none to give (the end of a command's results).
  bool empty() const { return !m_result; }
  int rows() const { return PQntuples(m_result.get()); }
  int columns() const { return PQnfields(m_result.get()); }
  // Rows a statement changed (UPDATE, DELETE, INSERT).
  std::int64_t changed() const;
  bool is_null(int row, int column) const { return PQgetisnull(m_result.get(), row, column) != 0; }
  std::string text(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  std::optional<std::int64_t> optional_int64(int row, int column) const;
  // A BYTEA column's bytes.
  std::string bytes(int row, int column) const;
  std::optional<std::string> optional_bytes(int row, int column) const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> m_result;
};

// The parameters $1, $2, … of one statement, in order.
class PgParams {
 public:
  PgParams& add(std::int64_t value);
  PgParams& add(std::string_view text);
  PgParams& add(const std::optional<std::string>& text);
  PgParams& add(const std::optional<std::int64_t>& value);
  PgParams& add_bytes(const std::optional<std::string>& bytes);
  // A text[] of `items` (cast it in SQL for other types: $1::text[]::bigint[]);
  // nullopt is NULL.
  PgParams& add_array(const std::vector<std::string>& items);
  PgParams& add_array(const std::vector<std::optional<std::string>>& items);

  int size() const { return static_cast<int>(m_values.size()); }
  std::vector<const char*> values() const;
  std::vector<int> lengths() const;
  const int* formats() const { return m_formats.data(); }

 private:
  std::vector<std::optional<std::string>> m_values;
  std::vector<int> m_formats;
};

class PgConnection {
 public:
  // Connects with a libpq URI (any of its parameters); the session gets
  // application_name `application`.
  static Result<PgConnection> connect(const std::string& uri, const std::string& application);

  PgConnection(PgConnection&&) = default;
  PgConnection& operator=(PgConnection&&) = default;

  // Runs a statement (a literal: its text keys the prepared statement).
  // With retry_reads(), a statement outside a transaction that finds the
  // session closed by the server runs once more on a new session.
  Result<PgResult> exec(const char* sql, const PgParams& params = {});
  // For connections that only read (never the writer, whose batches must
  // notice a lost session).
  void retry_reads() { m_reads_retried = true; }
  // Runs one or more statements without parameters (migrations, BEGIN).
  Status exec_script(const std::string& sql);
  // Opens a transaction with the next statement rather than a round trip of
  // its own: BEGIN goes with it (libpq's pipeline mode for exec(), one simple
  // query for exec_script()). A COMMIT or ROLLBACK before any statement has
  // nothing to end and costs nothing.
  void begin() { m_begin_pending = true; }
  // Whether the session is usable; reconnect() opens a new one when not.
  bool healthy() const;
  Status reconnect();
  PGconn* handle() { return m_conn.get(); }
  // The SQLSTATE of the latest failed statement ("" when libpq gave none).
  const std::string& last_sqlstate() const { return m_sqlstate; }
  // Whether the latest failure was the database's, not the statement's: the
  // connection is gone, or the server is out of room, shutting down, or
  // read-only (a standby after a failover).
  bool storage_failed() const;

 private:
  explicit PgConnection(PGconn* conn) : m_conn(conn, &PQfinish) {}
  std::string error_message(const char* what) const;
  // "what: message" on one line.
  static std::string error_message(const char* what, std::string message);
  Result<PgResult> exec_once(const char* sql, const PgParams& params);
  // The name `sql` is prepared under on this session, or will be.
  std::string statement_name(const char* sql) const;
  // BEGIN, the statement's PREPARE when it is new, and the statement, sent
  // together (begin()).
  Result<PgResult> exec_after_begin(const char* sql, const PgParams& params);
  // Settings every session of the hub runs with (connect and reconnect).
  Status configure_session();
  void note_failure(const PgResult& result);

  std::unique_ptr<PGconn, void (*)(PGconn*)> m_conn;
  std::unordered_map<std::string, std::string> m_prepared;  // sql -> statement name
  std::string m_sqlstate;
  bool m_reads_retried = false;
  bool m_begin_pending = false;
};

}  // namespace hubbub
