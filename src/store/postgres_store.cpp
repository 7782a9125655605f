#include "store/postgres_store.h"

#include <spdlog/spdlog.h>

#include "store/pg_migrator.h"
#include "util/log_text.h"
#include "websub/limits.h"

namespace hubbub {

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& uri, const Clock& clock,
                                                           std::string node_id, bool notify,
                                                           std::size_t readers_wanted) {
  const std::string application = "hubbub " + node_id;
  HUBBUB_TRY_ASSIGN(writer, PgConnection::connect(uri, application));
  HUBBUB_TRY(migrate_postgres(*writer, postgres_migrations(), clock.now()));
  HUBBUB_TRY(analyze_stale_tables(*writer));
  std::vector<std::unique_ptr<PgConnection>> readers;
  for (std::size_t i = 0; i < std::max<std::size_t>(readers_wanted, 1); ++i) {
    HUBBUB_TRY_ASSIGN(r, PgConnection::connect(uri, application));
    r->retry_reads();
    readers.push_back(std::make_unique<PgConnection>(std::move(*r)));
  }
  std::unique_ptr<PostgresStore> store(
      new PostgresStore(uri, std::move(*writer), std::move(readers), std::move(node_id), notify));
  HUBBUB_TRY(store->release_all_claims());
  return store;
}

namespace {

// The slots of the subscription tallies a writer session may own
// (migrations/postgres/0004_subscription_tallies.sql), and the class of the
// session advisory locks that give one slot to one session ("HUBT").
constexpr int k_pg_tally_slots = 64;
constexpr std::int32_t k_pg_tally_lock_class = 0x48554254;

// Takes the first free slot for this session, so that its tallies are its
// own rows; with every slot taken it shares slot 0.
Status take_tally_slot(PgConnection& db) {
  HUBBUB_TRY(
      db.exec("SELECT set_config('hubbub.tally_slot', coalesce((SELECT s FROM generate_series(1, "
              "$1::integer) AS s WHERE pg_try_advisory_lock($2::integer, s) LIMIT 1), 0)::text, false)",
              PgParams().add(std::int64_t{k_pg_tally_slots}).add(std::int64_t{k_pg_tally_lock_class})));
  return {};
}

}  // namespace

PostgresStore::PostgresStore(std::string uri, PgConnection writer, std::vector<std::unique_ptr<PgConnection>> readers,
                             std::string node_id, bool notify)
    : m_uri(std::move(uri)),
      m_node_id(std::move(node_id)),
      m_writer(std::move(writer), notify, take_tally_slot),
      m_readers(std::move(readers)) {}

PostgresStore::~PostgresStore() {
  m_listener.reset();
  m_writer.stop();
}

PostgresStore::Reader::~Reader() {
  std::lock_guard lock(m_store.m_pool_mutex);
  m_store.m_readers.push_back(std::move(m_db));
  m_store.m_pool_cv.notify_one();
}

PostgresStore::Reader PostgresStore::reader() {
  std::unique_ptr<PgConnection> db;
  {
    std::unique_lock lock(m_pool_mutex);
    m_pool_cv.wait(lock, [this] { return !m_readers.empty(); });
    db = std::move(m_readers.back());
    m_readers.pop_back();
  }
  if (!db->healthy()) {
    (void)db->reconnect();  // if it fails, so does the read, with the reason
  }
  return Reader(*this, std::move(db));
}

Result<std::size_t> PostgresStore::changed_rows(const char* sql, PgParams params, unsigned wakes) {
  std::size_t changed = 0;
  HUBBUB_TRY(m_writer.run(
      [&](PgConnection& db) -> Status {
        HUBBUB_TRY_ASSIGN(r, db.exec(sql, params));
        changed = static_cast<std::size_t>(r->changed());
        return {};
      },
      wakes));
  return changed;
}

void PostgresStore::note_written(PgStatistics::Table table, std::int64_t rows) {
  if (!m_statistics.wrote(table, rows)) {
    return;
  }
  m_writer.submit([table](PgConnection& db) -> Status { return db.exec_script(PgStatistics::analyze_sql(table)); },
                  [this, table](Status s) {
                    m_statistics.analyzed(table);
                    if (!s) {
                      spdlog::warn("event=analyze_failed statement={} error={}",
                                   log_quoted(PgStatistics::analyze_sql(table)), log_quoted(s.error().message));
                    }
                  });
}

Result<std::optional<TimePoint>> PostgresStore::next_due(const char* sql) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec(sql));
  if (r->rows() == 0 || r->is_null(0, 0)) {
    return std::nullopt;
  }
  return from_unix_ms(r->int64(0, 0));
}

Status PostgresStore::release_all_claims() {
  return m_writer.run(
      [this](PgConnection& db) -> Status {
        const PgParams node = PgParams().add(std::string_view(m_node_id));
        HUBBUB_TRY(
            db.exec("UPDATE subscription_requests SET claimed_until = NULL, claimed_by = NULL "
                    "WHERE claimed_by = $1",
                    node));
        HUBBUB_TRY(
            db.exec("UPDATE publish_topics SET claimed_until = NULL, claimed_by = NULL WHERE claimed_by = $1", node));
        HUBBUB_TRY(
            db.exec("UPDATE deliveries SET claimed_until = NULL, claimed_by = NULL WHERE claimed_by = $1", node));
        return {};
      },
      Coordination::all_work);  // what was released is due for every node
}

bool PostgresStore::shared() const {
  return true;
}

Result<bool> PostgresStore::hold_leadership(TimePoint now, Millis ttl) {
  bool held = false;
  HUBBUB_TRY(m_writer.run([&](PgConnection& db) -> Status {
    HUBBUB_TRY_ASSIGN(
        r, db.exec("INSERT INTO hub_leader (name, node_id, held_until) VALUES ('sweeps', $1, $2) "
                   "ON CONFLICT (name) DO UPDATE SET node_id = excluded.node_id, "
                   "held_until = excluded.held_until "
                   "WHERE hub_leader.node_id = excluded.node_id OR hub_leader.held_until <= $3 "
                   "RETURNING node_id",
                   PgParams().add(std::string_view(m_node_id)).add(to_unix_ms(now + ttl)).add(to_unix_ms(now))));
    held = r->rows() == 1;
    return {};
  }));
  return held;
}

Status PostgresStore::renew_claims(TimePoint now, TimePoint until) {
  if (m_writer.take_reconnected()) {
    // The session was lost: the server may have restarted or failed over
    // and forgotten the latest commits (a settlement among them), so this
    // node cannot vouch for its claims. It lets them all go; any node takes
    // the work again (what is in flight here may run twice: at least once).
    spdlog::warn("event=claims_released reason=\"the database session was lost\"");
    return release_all_claims();
  }
  return m_writer.run([&](PgConnection& db) -> Status {
    const PgParams p = PgParams().add(to_unix_ms(until)).add(std::string_view(m_node_id)).add(to_unix_ms(now));
    HUBBUB_TRY(
        db.exec("UPDATE subscription_requests SET claimed_until = $1 "
                "WHERE claimed_by = $2 AND state = 0 AND claimed_until > $3",
                p));
    HUBBUB_TRY(
        db.exec("UPDATE publish_topics SET claimed_until = $1 "
                "WHERE claimed_by = $2 AND state = 0 AND claimed_until > $3",
                p));
    HUBBUB_TRY(
        db.exec("UPDATE deliveries SET claimed_until = $1 "
                "WHERE claimed_by = $2 AND state = 0 AND claimed_until > $3",
                p));
    return {};
  });
}

Status PostgresStore::release_leadership() {
  return m_writer.run([this](PgConnection& db) -> Status {
    HUBBUB_TRY(db.exec("DELETE FROM hub_leader WHERE name = 'sweeps' AND node_id = $1",
                       PgParams().add(std::string_view(m_node_id))));
    return {};
  });
}

void PostgresStore::watch_work(WorkHint hint) {
  m_listener.reset();
  if (hint) {
    m_listener = std::make_unique<PgListener>(
        m_uri, "hubbub " + m_node_id + " listener", [this] { return m_writer.backend_pid(); }, std::move(hint));
  }
}

void PostgresStore::flush() {
  m_writer.flush();
}

Status PostgresStore::check_writable(TimePoint) {
  m_writer.submit(
      [](PgConnection& db) -> Status {
        HUBBUB_TRY(db.exec("INSERT INTO write_probe (pad) VALUES (decode(repeat('00', $1::int), 'hex'))",
                           PgParams().add(static_cast<std::int64_t>(k_write_probe_bytes))));
        HUBBUB_TRY(db.exec("DELETE FROM write_probe"));
        return {};
      },
      [this](Status s) {
        if (s) {
          m_writer.mark_writable();
        }
      });
  if (auto failure = m_writer.last_failure()) {
    return fail(*failure);
  }
  return {};
}

StoreHealth PostgresStore::health() const {
  return m_writer.health();
}

Status PostgresStore::set_size_limit(std::uint64_t bytes) {
  if (bytes == 0) {
    return {};
  }
  return fail(
      "max_database_mb applies to the SQLite engine only; cap a PostgreSQL database with its own means "
      "(a tablespace on a volume of its own, monitoring of pg_database_size)");
}

Result<StoreStatistics> PostgresStore::statistics(TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT (SELECT count(*) FROM subscription_requests WHERE state = 0), "
                                "(SELECT count(*) FROM publish_topics WHERE state = 0), "
                                "(SELECT count(*) FROM deliveries WHERE state = 0), "
                                "(SELECT count(*) FROM deliveries WHERE state = 2), "
                                "(SELECT count(*) FROM subscriptions WHERE expires_at > $1), "
                                "(SELECT count(DISTINCT topic) FROM subscriptions WHERE expires_at > $1)",
                                PgParams().add(to_unix_ms(now))));
  StoreStatistics s;
  s.pending_requests = r->int64(0, 0);
  s.pending_fetches = r->int64(0, 1);
  s.pending_deliveries = r->int64(0, 2);
  s.dead_letters = r->int64(0, 3);
  s.active_subscriptions = r->int64(0, 4);
  s.active_topics = r->int64(0, 5);
  return s;
}

}  // namespace hubbub
