#include <optional>
#include <string>

#include "store/postgres_store.h"

namespace hubbub {

Status PostgresStore::record_activity(const std::vector<MinuteCounts>& minutes,
                                      const std::vector<FailureEvent>& failures, TimePoint keep_since,
                                      std::size_t keep) {
  std::vector<std::optional<std::string>> minute, delivered, failed;
  for (const MinuteCounts& m : minutes) {
    minute.push_back(std::to_string(to_unix_ms(m.minute)));
    delivered.push_back(std::to_string(m.delivered));
    failed.push_back(std::to_string(m.failed));
  }
  std::vector<std::optional<std::string>> at, kind, outcome, topic, callback, status, reason;
  for (const FailureEvent& f : failures) {
    at.push_back(std::to_string(to_unix_ms(f.at)));
    kind.push_back(f.kind);
    outcome.push_back(f.outcome);
    topic.push_back(f.topic);
    callback.push_back(f.callback);
    status.push_back(f.status ? std::optional<std::string>(std::to_string(*f.status)) : std::nullopt);
    reason.push_back(f.reason);
  }
  return m_writer.run([&](PgConnection& db) -> Status {
    const std::string_view node(m_node_id);
    if (!minute.empty()) {
      HUBBUB_TRY(
          db.exec("INSERT INTO node_activity (node_id, minute, delivered, failed) "
                  "SELECT $1, v.minute, v.delivered, v.failed FROM unnest($2::text[]::bigint[], "
                  "$3::text[]::bigint[], $4::text[]::bigint[]) AS v(minute, delivered, failed) "
                  "ON CONFLICT (node_id, minute) DO UPDATE SET delivered = excluded.delivered, "
                  "failed = excluded.failed",
                  PgParams().add(node).add_array(minute).add_array(delivered).add_array(failed)));
    }
    if (!at.empty()) {
      HUBBUB_TRY(
          db.exec("INSERT INTO recent_failures (node_id, at, kind, outcome, topic, callback, status, reason) "
                  "SELECT $1, v.at, v.kind, v.outcome, v.topic, v.callback, v.status, v.reason "
                  "FROM unnest($2::text[]::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], "
                  "$7::text[]::integer[], $8::text[]) WITH ORDINALITY "
                  "AS v(at, kind, outcome, topic, callback, status, reason, n) ORDER BY v.n",
                  PgParams()
                      .add(node)
                      .add_array(at)
                      .add_array(kind)
                      .add_array(outcome)
                      .add_array(topic)
                      .add_array(callback)
                      .add_array(status)
                      .add_array(reason)));
    }
    HUBBUB_TRY(db.exec("DELETE FROM node_activity WHERE minute < $1", PgParams().add(to_unix_ms(keep_since))));
    HUBBUB_TRY(
        db.exec("DELETE FROM recent_failures WHERE id < (SELECT min(id) FROM "
                "(SELECT id FROM recent_failures ORDER BY id DESC LIMIT $1) newest)",
                PgParams().add(static_cast<std::int64_t>(keep))));
    return {};
  });
}

Result<std::vector<SharedActivity::MinuteCounts>> PostgresStore::activity_since(TimePoint since) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT minute, sum(delivered), sum(failed) FROM node_activity WHERE minute >= $1 "
                                "AND node_id <> $2 GROUP BY minute ORDER BY minute",
                                PgParams().add(to_unix_ms(since)).add(std::string_view(m_node_id))));
  std::vector<MinuteCounts> out;
  for (int row = 0; row < r->rows(); ++row) {
    out.push_back({from_unix_ms(r->int64(row, 0)), r->int64(row, 1), r->int64(row, 2)});
  }
  return out;
}

Result<std::vector<FailureEvent>> PostgresStore::recent_failures(std::size_t limit) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT at, kind, outcome, topic, callback, status, reason FROM recent_failures "
                                "WHERE node_id <> $2 ORDER BY at DESC, id DESC LIMIT $1",
                                PgParams().add(static_cast<std::int64_t>(limit)).add(std::string_view(m_node_id))));
  std::vector<FailureEvent> out;
  for (int row = 0; row < r->rows(); ++row) {
    FailureEvent f;
    f.at = from_unix_ms(r->int64(row, 0));
    f.kind = r->text(row, 1);
    f.outcome = r->text(row, 2);
    f.topic = r->text(row, 3);
    f.callback = r->text(row, 4);
    f.status = r->optional_int64(row, 5);
    f.reason = r->text(row, 6);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace hubbub
