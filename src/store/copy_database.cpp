#include "store/copy_database.h"

#include <deque>

#include "store/database.h"
#include "store/pg_connection.h"
#include "store/pg_migrator.h"
#include "store/sqlite_functions.h"
#include "store/sqlite_store.h"

namespace hubbub {
namespace {

enum class Kind { integer, text, bytes };

struct Column {
  const char* name;
  Kind kind;
  const char* source = nullptr;  // the SQLite expression; the name when null
};

struct Table {
  const char* name;
  bool identity;  // an id column PostgreSQL generates: kept as it was
  std::vector<Column> columns;
};

// Every table the hub stores data in, parents before children. Claims are
// dropped: nothing runs while the hub is stopped.
const std::vector<Table>& tables() {
  static const std::vector<Table> all = {
      {"subscriptions",
       true,
       {{"id", Kind::integer},
        {"topic", Kind::text},
        {"callback", Kind::text},
        {"origin", Kind::text, "coalesce(origin, hubbub_origin(callback))"},
        {"secret", Kind::bytes},
        {"lease_seconds", Kind::integer},
        {"expires_at", Kind::integer},
        {"created_at", Kind::integer},
        {"updated_at", Kind::integer},
        {"signature_algorithm", Kind::text},
        {"standard_webhooks", Kind::integer},
        {"previous_secret", Kind::bytes},
        {"previous_secret_until", Kind::integer},
        {"reconfirmed_for", Kind::integer},
        {"feed_diff", Kind::integer}}},
      {"subscription_requests",
       true,
       {{"id", Kind::integer},
        {"token", Kind::text},
        {"mode", Kind::integer},
        {"topic", Kind::text},
        {"callback", Kind::text},
        {"origin", Kind::text, "hubbub_origin(callback)"},
        {"secret", Kind::bytes},
        {"lease_requested", Kind::integer},
        {"lease_granted", Kind::integer},
        {"verify_token", Kind::text},
        {"state", Kind::integer},
        {"attempts", Kind::integer},
        {"due_at", Kind::integer},
        {"last_error", Kind::text},
        {"created_at", Kind::integer},
        {"updated_at", Kind::integer},
        {"signature_algorithm", Kind::text},
        {"standard_webhooks", Kind::integer},
        {"feed_diff", Kind::integer}}},
      {"topics",
       false,
       {{"topic", Kind::text},
        {"etag", Kind::text},
        {"last_modified", Kind::text},
        {"content_hash", Kind::text},
        {"fetched_at", Kind::integer}}},
      {"publishes", true, {{"id", Kind::integer}, {"token", Kind::text}, {"created_at", Kind::integer}}},
      {"contents",
       true,
       {{"id", Kind::integer},
        {"topic", Kind::text},
        {"content_type", Kind::text},
        {"body", Kind::bytes},
        {"created_at", Kind::integer}}},
      {"publish_topics",
       true,
       {{"id", Kind::integer},
        {"publish_id", Kind::integer},
        {"topic", Kind::text},
        {"origin", Kind::text, "hubbub_origin(topic)"},
        {"state", Kind::integer},
        {"content_id", Kind::integer},
        {"subscribers", Kind::integer},
        {"attempts", Kind::integer},
        {"due_at", Kind::integer},
        {"last_error", Kind::text},
        {"updated_at", Kind::integer},
        {"fanout_after", Kind::integer},
        {"feed_diff", Kind::integer},
        {"diff_content_id", Kind::integer}}},
      {"deliveries",
       true,
       {{"id", Kind::integer},
        {"publish_topic_id", Kind::integer},
        {"content_id", Kind::integer},
        {"subscription_id", Kind::integer},
        {"origin", Kind::text},
        {"delivery_id", Kind::text},
        {"published_at", Kind::integer},
        {"state", Kind::integer},
        {"attempts", Kind::integer},
        {"due_at", Kind::integer},
        {"last_status", Kind::integer},
        {"last_error", Kind::text},
        {"created_at", Kind::integer},
        {"updated_at", Kind::integer},
        {"replay", Kind::integer}}},
      {"origin_pauses", false, {{"origin", Kind::text}, {"paused_until", Kind::integer}}},
      {"feed_entries",
       false,
       {{"topic", Kind::text}, {"key_hash", Kind::text}, {"hash", Kind::text}, {"seen_at", Kind::integer}}},
  };
  return all;
}

constexpr std::size_t k_copy_batch_rows = 500;

// INSERT INTO table (columns) [OVERRIDING SYSTEM VALUE] VALUES ($1, …), … for `rows` rows.
std::string insert_sql(const Table& t, std::size_t rows) {
  std::string sql = std::string("INSERT INTO ") + t.name + " (";
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    sql += (c ? ", " : "") + std::string(t.columns[c].name);
  }
  sql += t.identity ? ") OVERRIDING SYSTEM VALUE VALUES " : ") VALUES ";
  int n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      sql += (c ? ", $" : "$") + std::to_string(++n);
    }
    sql += ")";
  }
  return sql;
}

// The SQLite statements the copy builds: Database keys its statement cache by
// the text's address, so the texts live as long as the connection.
using Texts = std::deque<std::string>;

Status copy_table(Database& source, PgConnection& target, const Table& t, Texts& texts) {
  std::string select = "SELECT ";
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    select += (c ? ", " : "") + std::string(t.columns[c].source ? t.columns[c].source : t.columns[c].name);
  }
  select += std::string(" FROM ") + t.name;
  texts.push_back(std::move(select));
  HUBBUB_TRY_ASSIGN(q, source.query(texts.back().c_str()));
  PgParams params;
  std::size_t rows = 0;
  const std::string full_batch = insert_sql(t, k_copy_batch_rows);
  auto flush = [&]() -> Status {
    if (rows == 0) {
      return {};
    }
    const std::string partial = rows == k_copy_batch_rows ? std::string() : insert_sql(t, rows);
    HUBBUB_TRY(target.exec(rows == k_copy_batch_rows ? full_batch.c_str() : partial.c_str(), params));
    params = PgParams();
    rows = 0;
    return {};
  };
  for (;;) {
    HUBBUB_TRY_ASSIGN(row, q->step());
    if (!*row) {
      break;
    }
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const int i = static_cast<int>(c);
      switch (t.columns[c].kind) {
        case Kind::integer:
          params.add(q->optional_int64(i));
          break;
        case Kind::text:
          params.add(q->optional_text(i));
          break;
        case Kind::bytes:
          params.add_bytes(q->optional_text(i));
          break;
      }
    }
    if (++rows == k_copy_batch_rows) {
      HUBBUB_TRY(flush());
    }
  }
  HUBBUB_TRY(flush());
  if (t.identity) {
    HUBBUB_TRY(target.exec_script(std::string("SELECT setval(pg_get_serial_sequence('") + t.name +
                                  "', 'id'), coalesce(max(id), 0) + 1, false) FROM " + t.name));
  }
  return {};
}

Result<std::int64_t> sqlite_count(Database& db, const std::string& sql, Texts& texts) {
  texts.push_back(sql);
  HUBBUB_TRY_ASSIGN(q, db.query(texts.back().c_str()));
  HUBBUB_TRY_ASSIGN(row, q->step());
  return *row ? q->int64(0) : 0;
}

Result<std::int64_t> postgres_count(PgConnection& db, const std::string& sql) {
  HUBBUB_TRY_ASSIGN(r, db.exec(sql.c_str()));
  return r->int64(0, 0);
}

Status copy_all(Database& source, PgConnection& target, CopyReport& report, Texts& texts) {
  HUBBUB_TRY_ASSIGN(held, postgres_count(target,
                                         "SELECT (SELECT count(*) FROM subscriptions) + "
                                         "(SELECT count(*) FROM subscription_requests) + "
                                         "(SELECT count(*) FROM publishes) + (SELECT count(*) FROM deliveries)"));
  if (*held > 0) {
    return fail("the PostgreSQL database already holds a hub's data; copy into an empty database");
  }
  for (const Table& t : tables()) {
    HUBBUB_TRY(copy_table(source, target, t, texts));
    const std::string count = std::string("SELECT count(*) FROM ") + t.name;
    HUBBUB_TRY_ASSIGN(from, sqlite_count(source, count, texts));
    HUBBUB_TRY_ASSIGN(to, postgres_count(target, count));
    if (*from != *to) {
      return fail(std::string(t.name) + ": " + std::to_string(*from) + " rows in SQLite, " + std::to_string(*to) +
                  " copied; nothing was committed");
    }
    report.tables.emplace_back(t.name, *to);
  }
  // The work still owed, counted on both sides.
  const std::pair<const char*, std::int64_t CopyReport::*> owed[] = {
      {"SELECT count(*) FROM subscription_requests WHERE state = 0", &CopyReport::pending_requests},
      {"SELECT count(*) FROM publish_topics WHERE state = 0", &CopyReport::pending_fetches},
      {"SELECT count(*) FROM deliveries WHERE state = 0", &CopyReport::owed_deliveries},
      {"SELECT count(*) FROM publish_topics WHERE fanout_after IS NOT NULL", &CopyReport::unfinished_fanouts},
  };
  for (const auto& [sql, field] : owed) {
    HUBBUB_TRY_ASSIGN(from, sqlite_count(source, sql, texts));
    HUBBUB_TRY_ASSIGN(to, postgres_count(target, sql));
    if (*from != *to) {
      return fail(std::string("owed work differs after the copy (") + sql + "): nothing was committed");
    }
    report.*field = *to;
  }
  return {};
}

}  // namespace

Result<CopyReport> copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& postgres_uri,
                                           const Clock& clock) {
  // Opened as a hub opens it: locked against a running hub, migrated to the
  // latest schema; the copy reads through a connection of its own.
  HUBBUB_TRY_ASSIGN(hub, SqliteStore::open(sqlite_path, clock));
  Texts texts;  // outlives `source`, whose statements point into it
  HUBBUB_TRY_ASSIGN(source, Database::open(sqlite_path, Database::Access::read_only));
  HUBBUB_TRY(register_functions(*source));
  HUBBUB_TRY_ASSIGN(target, PgConnection::connect(postgres_uri, "hubbub copy"));
  // The target's schema, created or upgraded as a node would (under the
  // same advisory lock).
  HUBBUB_TRY(migrate_postgres(*target, postgres_migrations(), clock.now()));
  HUBBUB_TRY(source->exec("BEGIN"));  // one snapshot of the file
  HUBBUB_TRY(target->exec_script("BEGIN"));
  CopyReport report;
  if (auto s = copy_all(*source, *target, report, texts); !s) {
    (void)target->exec_script("ROLLBACK");
    (void)source->exec("ROLLBACK");
    return std::unexpected(s.error());
  }
  HUBBUB_TRY(target->exec_script("COMMIT"));
  (void)source->exec("ROLLBACK");
  return report;
}

}  // namespace hubbub
