#include "store/pg_connection.h"

#include <cstdlib>
#include <cstring>

namespace hubbub {

bool is_postgres_uri(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

std::string redact_database_uri(std::string_view uri) {
  std::string out(uri);
  const auto scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    const std::size_t start = scheme_end + 3;
    const std::size_t end = out.find_first_of("/?", start);
    const std::size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at >= start) {
      const std::size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, "***");
      }
    }
  }
  // password=… among the parameters (?a=b&password=c).
  for (std::size_t pos = out.find('?'); pos != std::string::npos && pos < out.size();) {
    const std::size_t next = out.find('&', pos + 1);
    const std::size_t begin = pos + 1;
    const std::size_t stop = next == std::string::npos ? out.size() : next;
    if (out.compare(begin, 9, "password=") == 0) {
      out.replace(begin + 9, stop - begin - 9, "***");
      pos = out.find('&', begin);
    } else {
      pos = next;
    }
  }
  return out;
}

std::int64_t PgResult::changed() const {
  const char* n = PQcmdTuples(m_result.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(m_result.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(m_result.get(), row, column)));
}

std::int64_t PgResult::int64(int row, int column) const {
  return std::strtoll(PQgetvalue(m_result.get(), row, column), nullptr, 10);
}

std::optional<std::string> PgResult::optional_text(int row, int column) const {
  if (is_null(row, column)) {
    return std::nullopt;
  }
  return text(row, column);
}

std::optional<std::int64_t> PgResult::optional_int64(int row, int column) const {
  if (is_null(row, column)) {
    return std::nullopt;
  }
  return int64(row, column);
}

std::string PgResult::bytes(int row, int column) const {
  std::size_t length = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(m_result.get(), row, column)), &length);
  if (raw == nullptr) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
  return out;
}

std::optional<std::string> PgResult::optional_bytes(int row, int column) const {
  if (is_null(row, column)) {
    return std::nullopt;
  }
  return bytes(row, column);
}

PgParams& PgParams::add(std::int64_t value) {
  m_values.emplace_back(std::to_string(value));
  m_formats.push_back(0);
  return *this;
}

PgParams& PgParams::add(std::string_view text) {
  m_values.emplace_back(std::string(text));
  m_formats.push_back(0);
  return *this;
}

PgParams& PgParams::add(const std::optional<std::string>& text) {
  m_values.push_back(text);
  m_formats.push_back(0);
  return *this;
}

PgParams& PgParams::add(const std::optional<std::int64_t>& value) {
  m_values.push_back(value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt);
  m_formats.push_back(0);
  return *this;
}

PgParams& PgParams::add_bytes(const std::optional<std::string>& bytes) {
  m_values.push_back(bytes);
  m_formats.push_back(1);
  return *this;
}

PgParams& PgParams::add_array(const std::vector<std::string>& items) {
  std::vector<std::optional<std::string>> all(items.begin(), items.end());
  return add_array(all);
}

PgParams& PgParams::add_array(const std::vector<std::optional<std::string>>& items) {
  std::string literal = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    literal += i == 0 ? "" : ",";
    if (!items[i]) {
      literal += "NULL";
      continue;
    }
    literal += '"';
    for (const char c : *items[i]) {
      if (c == '"' || c == '\\') {
        literal += '\\';
      }
      literal += c;
    }
    literal += '"';
  }
  literal += "}";
  return add(std::string_view(literal));
}

std::vector<const char*> PgParams::values() const {
  std::vector<const char*> out;
  out.reserve(m_values.size());
  for (const auto& v : m_values) {
    out.push_back(v ? v->data() : nullptr);
  }
  return out;
}

std::vector<int> PgParams::lengths() const {
  std::vector<int> out;
  out.reserve(m_values.size());
  for (const auto& v : m_values) {
    out.push_back(v ? static_cast<int>(v->size()) : 0);
  }
  return out;
}

Result<PgConnection> PgConnection::connect(const std::string& uri, const std::string& application) {
  const char* keys[] = {"dbname", "application_name", "connect_timeout", nullptr};
  const std::string timeout = "10";
  const char* values[] = {uri.c_str(), application.c_str(), timeout.c_str(), nullptr};
  // expand_dbname: the URI's own parameters win over these defaults, except
  // that the ones given after it override it (application_name).
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) {
    return fail("cannot connect to PostgreSQL: out of memory");
  }
  PgConnection c(conn);
  if (PQstatus(conn) != CONNECTION_OK) {
    return fail(c.error_message("cannot connect to PostgreSQL"));
  }
  // The server's notices ("... already exists, skipping") are not ours to
  // print on stderr, where they would break the one-event-per-line log.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  HUBBUB_TRY(c.configure_session());
  return c;
}

std::string PgConnection::error_message(const char* what) const {
  return error_message(what, PQerrorMessage(m_conn.get()));
}

std::string PgConnection::error_message(const char* what, std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  for (char& c : message) {
    if (c == '\n') {
      c = ' ';
    }
  }
  return std::string(what) + ": " + message;
}

Result<PgResult> PgConnection::exec(const char* sql, const PgParams& params) {
  const bool idle = PQtransactionStatus(m_conn.get()) == PQTRANS_IDLE;
  auto result = exec_once(sql, params);
  if (!result && m_reads_retried && idle && PQstatus(m_conn.get()) == CONNECTION_BAD) {
    // A read on a session the server closed (a restart, a failover): a
    // read is safe to run again, on a new session.
    if (reconnect()) {
      return exec_once(sql, params);
    }
  }
  return result;
}

namespace {

// A statement that ran: one that answers nothing or one that answers rows.
bool succeeded(ExecStatusType status) {
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

std::string PgConnection::statement_name(const char* sql) const {
  const auto found = m_prepared.find(sql);
  return found != m_prepared.end() ? found->second : "s" + std::to_string(m_prepared.size() + 1);
}

Result<PgResult> PgConnection::exec_once(const char* sql, const PgParams& params) {
  if (m_begin_pending) {
    m_begin_pending = false;
    return exec_after_begin(sql, params);
  }
  auto found = m_prepared.find(sql);
  if (found == m_prepared.end()) {
    const std::string name = statement_name(sql);
    PgResult prepared(PQprepare(m_conn.get(), name.c_str(), sql, 0, nullptr));
    if (prepared.status() != PGRES_COMMAND_OK) {
      note_failure(prepared);
      return fail(error_message("prepare"));
    }
    found = m_prepared.emplace(sql, name).first;
  }
  const auto values = params.values();
  const auto lengths = params.lengths();
  PgResult result(PQexecPrepared(m_conn.get(), found->second.c_str(), params.size(), values.data(), lengths.data(),
                                 params.formats(), 0));
  const ExecStatusType status = result.status();
  if (!succeeded(status)) {
    note_failure(result);
    return fail(error_message("query"));
  }
  return result;
}

Result<PgResult> PgConnection::exec_after_begin(const char* sql, const PgParams& params) {
  PGconn* conn = m_conn.get();
  const bool prepare = !m_prepared.contains(sql);
  const std::string name = statement_name(sql);
  const auto values = params.values();
  const auto lengths = params.lengths();
  if (PQenterPipelineMode(conn) != 1) {
    return fail(error_message("pipeline"));
  }
  // Sent in order, each only if the one before could be: the commands given
  // to libpq are the results to read back.
  int commands = 0;
  if (PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1) {
    ++commands;
    if (!prepare || PQsendPrepare(conn, name.c_str(), sql, 0, nullptr) == 1) {
      commands += prepare ? 1 : 0;
      if (PQsendQueryPrepared(conn, name.c_str(), params.size(), values.data(), lengths.data(), params.formats(), 0) ==
          1) {
        ++commands;
      }
    }
  }
  const bool sent = commands == (prepare ? 3 : 2) && PQpipelineSync(conn) == 1;
  // Each command's result is followed by a null; after a failure the rest
  // come back PGRES_PIPELINE_ABORTED. The first failure is the one told.
  std::optional<PgResult> answer;
  std::optional<Error> failure;
  for (int i = 0; sent && i < commands; ++i) {
    PgResult result(PQgetResult(conn));
    if (result.empty()) {  // the session broke: nothing more will come
      failure = failure.value_or(Error{error_message("query")});
      break;
    }
    const ExecStatusType status = result.status();
    while (PGresult* more = PQgetResult(conn)) {
      PQclear(more);
    }
    if (succeeded(status)) {
      if (i == commands - 1) {
        answer.emplace(std::move(result));
      } else if (prepare && i == 1) {
        m_prepared.emplace(sql, name);
      }
    } else if (!failure) {
      note_failure(result);
      const char* what = i == 0 ? "begin" : prepare && i == 1 ? "prepare" : "query";
      failure = Error{error_message(what, result.error_message())};
    }
  }
  // The sync point's result ends the pipeline; whatever is left unread
  // (a send that failed half way) is read and dropped, bounded: a broken
  // session answers null, and PQreset() clears its pipeline.
  if (!sent && commands > 0) {
    (void)PQpipelineSync(conn);  // what was queued is sent, so its results come back
  }
  for (int i = 0; i < 16 && PQexitPipelineMode(conn) != 1; ++i) {
    PgResult result(PQgetResult(conn));
    if (result.empty() && PQstatus(conn) != CONNECTION_OK) {
      break;
    }
  }
  if (PQpipelineStatus(conn) != PQ_PIPELINE_OFF && !failure) {
    failure = Error{error_message("pipeline")};
  }
  if (!answer && !failure) {
    failure = Error{error_message("query")};
  }
  if (failure) {
    return std::unexpected(*failure);
  }
  return std::move(*answer);
}

Status PgConnection::exec_script(const std::string& sql) {
  if (m_begin_pending) {
    m_begin_pending = false;
    if (sql == "COMMIT" || sql == "ROLLBACK") {
      return {};  // nothing was begun
    }
    return exec_script("BEGIN; " + sql);
  }
  PgResult result(PQexec(m_conn.get(), sql.c_str()));
  const ExecStatusType status = result.status();
  if (!succeeded(status)) {
    note_failure(result);
    return fail(error_message("statement"));
  }
  return {};
}

void PgConnection::note_failure(const PgResult& result) {
  const char* state = result.error_field(PG_DIAG_SQLSTATE);
  m_sqlstate = state ? state : "";
}

bool PgConnection::storage_failed() const {
  if (!healthy()) {
    return true;
  }
  // Classes 08 (connection), 53 (insufficient resources), 57 (operator
  // intervention), 58 (system error); 25006 read-only transaction.
  for (const char* prefix : {"08", "53", "57", "58"}) {
    if (m_sqlstate.starts_with(prefix)) {
      return true;
    }
  }
  return m_sqlstate == "25006";
}

bool PgConnection::healthy() const {
  return PQstatus(m_conn.get()) == CONNECTION_OK && PQtransactionStatus(m_conn.get()) != PQTRANS_UNKNOWN;
}

Status PgConnection::reconnect() {
  PQreset(m_conn.get());
  m_prepared.clear();  // a new session has none
  m_begin_pending = false;
  if (PQstatus(m_conn.get()) != CONNECTION_OK) {
    return fail(error_message("cannot reconnect to PostgreSQL"));
  }
  return configure_session();
}

Status PgConnection::configure_session() {
  // Our sessions never sit in an open transaction (a pinned xmin horizon
  // bloats the queue tables), and answer in UTC.
  return exec_script("SET idle_in_transaction_session_timeout = '60s'; SET TIME ZONE 'UTC'");
}

}  // namespace hubbub
