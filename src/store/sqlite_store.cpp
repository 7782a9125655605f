#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "store/migrator.h"
#include "util/log_text.h"
#include "util/url.h"
#include "websub/limits.h"

namespace hubbub {
namespace {

// Columns of a RequestRecord, in the order read_request() expects.
constexpr const char* k_request_columns =
    "token, mode, topic, callback, secret, lease_requested, lease_granted, verify_token, state, attempts, "
    "due_at, last_error, created_at, updated_at";

RequestRecord read_request(const Query& q) {
  RequestRecord r;
  r.id = q.text(0);
  r.mode = q.int64(1) == 0 ? RequestMode::subscribe : RequestMode::unsubscribe;
  r.topic = q.text(2);
  r.callback = q.text(3);
  r.secret = q.optional_text(4);
  if (auto v = q.optional_int64(5)) {
    r.lease_requested = static_cast<std::uint64_t>(*v);
  }
  if (auto v = q.optional_int64(6)) {
    r.lease_granted = std::chrono::seconds{*v};
  }
  r.verify_token = q.optional_text(7);
  r.state = static_cast<RequestState>(q.int64(8));
  r.attempts = static_cast<std::uint32_t>(q.int64(9));
  r.due_at = from_unix_ms(q.int64(10));
  r.last_error = q.optional_text(11);
  r.created_at = from_unix_ms(q.int64(12));
  r.updated_at = from_unix_ms(q.int64(13));
  return r;
}

constexpr const char* k_subscription_columns =
    "id, topic, callback, secret, lease_seconds, expires_at, created_at, updated_at";

Subscription read_subscription(const Query& q) {
  Subscription s;
  s.id = q.int64(0);
  s.topic = q.text(1);
  s.callback = q.text(2);
  s.secret = q.optional_text(3);
  s.lease = std::chrono::seconds{q.int64(4)};
  s.expires_at = from_unix_ms(q.int64(5));
  s.created_at = from_unix_ms(q.int64(6));
  s.updated_at = from_unix_ms(q.int64(7));
  return s;
}

// Lifts a Result<Query> failure into any Result type.
// The most rounds a fair claim takes: each round finds at least one more
// origin out of room, so a few rounds serve even a queue led by several
// greedy hosts; what a round left unclaimed waits for the next claim.
constexpr int k_fair_claim_rounds = 4;

// Claims up to `max` jobs into `out`, sharing them between origins as
// `share` says (websub/store.h). `claim(n, busy)` claims up to n due jobs
// whose origin is not in `busy` (a JSON array); a job beyond its origin's
// room is handed back with `unclaim(job)`, and its origin is skipped by the
// next round. Runs inside the caller's write transaction: one commit.
template <class Job, class Claim, class OriginOf, class Unclaim>
Status claim_fairly(std::size_t max, const OriginShare& share, std::vector<Job>& out, Claim claim, OriginOf origin_of,
                    Unclaim unclaim) {
  std::map<std::string, std::size_t> running = share.in_flight;
  nlohmann::json busy = nlohmann::json::array();
  auto full = [&](const std::string& origin) { return share.per_origin > 0 && running[origin] >= share.per_origin; };
  for (const auto& [origin, n] : running) {
    if (share.per_origin > 0 && n >= share.per_origin) {
      busy.push_back(origin);
    }
  }
  for (int round = 0; round < k_fair_claim_rounds && out.size() < max; ++round) {
    std::vector<Job> claimed;
    const std::string busy_text = busy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    HUBBUB_TRY(claim(max - out.size(), busy_text, claimed));
    bool handed_back = false;
    for (auto& job : claimed) {
      const std::string origin = origin_of(job);
      if (full(origin)) {
        HUBBUB_TRY(unclaim(job));
        handed_back = true;
        continue;
      }
      if (++running[origin] == share.per_origin) {
        busy.push_back(origin);
      }
      out.push_back(std::move(job));
    }
    if (!handed_back) {
      break;  // the claim was all it could be: full, or nothing more is due
    }
  }
  return {};
}

// SQL function hubbub_origin(url): the URL's "scheme://host:port", as
// UrlOrigin::key() spells it ('' when unparsable).
void sql_origin(sqlite3_context* context, int, sqlite3_value** args) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
  const std::string key = text ? url_origin_key(text) : std::string();
  sqlite3_result_text(context, key.c_str(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
}

// The SQL functions every connection offers.
Status register_functions(Database& db) {
  if (sqlite3_create_function(db.handle(), "hubbub_origin", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &sql_origin,
                              nullptr, nullptr) != SQLITE_OK) {
    return fail(db.error_message("register hubbub_origin"));
  }
  return {};
}

Status configure_writer(Database& db) {
  HUBBUB_TRY(register_functions(db));
  const std::string busy = "PRAGMA busy_timeout = " + std::to_string(k_sqlite_busy_timeout.count());
  HUBBUB_TRY_ASSIGN(mode, db.query("PRAGMA journal_mode = WAL"));
  HUBBUB_TRY_ASSIGN(row, mode->step());
  if (!*row || mode->text(0) != "wal") {
    return fail("cannot switch the database to WAL mode");
  }
  return db.exec(busy + "; PRAGMA synchronous = FULL; PRAGMA secure_delete = OFF; PRAGMA foreign_keys = ON");
}

}  // namespace

class SqliteStore::Reader {
 public:
  Reader(SqliteStore& store, std::unique_ptr<Database> db) : m_store(store), m_db(std::move(db)) {}
  Reader(const Reader&) = delete;
  ~Reader() {
    std::lock_guard lock(m_store.m_pool_mutex);
    m_store.m_readers.push_back(std::move(m_db));
    m_store.m_pool_cv.notify_one();
  }
  Database& operator*() { return *m_db; }
  Database* operator->() { return m_db.get(); }

 private:
  SqliteStore& m_store;
  std::unique_ptr<Database> m_db;
};

SqliteStore::Reader SqliteStore::reader() {
  std::unique_lock lock(m_pool_mutex);
  m_pool_cv.wait(lock, [this] { return !m_readers.empty(); });
  auto db = std::move(m_readers.back());
  m_readers.pop_back();
  return Reader(*this, std::move(db));
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, const Clock& clock) {
  HUBBUB_TRY_ASSIGN(writer, Database::open(path, Database::Access::read_write_create));
  const int lock_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (lock_fd < 0) {
    return fail("cannot open " + path + ": " + std::strerror(errno));
  }
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return fail("the database " + path + " is in use by another Hubbub process");
  }
  // From here on lock_fd stays open until every connection is closed: closing
  // it earlier would drop SQLite's own POSIX locks on the file.
  auto fail_locked = [&](const std::string& why) -> Result<std::unique_ptr<SqliteStore>> {
    *writer = Database::open(":memory:", Database::Access::read_write_create).value();
    ::close(lock_fd);
    return fail(path + ": " + why);
  };
  if (auto s = migrate(*writer, embedded_migrations(), clock.now()); !s) {
    return fail_locked(s.error().message);
  }
  if (auto s = configure_writer(*writer); !s) {
    return fail_locked(s.error().message);
  }
  // Origins of subscriptions made before migration 0004 (none after the first start).
  if (auto s = writer->exec("UPDATE subscriptions SET origin = hubbub_origin(callback) WHERE origin IS NULL"); !s) {
    return fail_locked(s.error().message);
  }
  std::vector<std::unique_ptr<Database>> readers;
  for (std::size_t i = 0; i < k_read_connections; ++i) {
    auto r = Database::open(path, Database::Access::read_only);
    if (!r) {
      return fail_locked(r.error().message);
    }
    (void)r->exec("PRAGMA busy_timeout = " + std::to_string(k_sqlite_busy_timeout.count()));
    if (auto s = register_functions(*r); !s) {
      return fail_locked(s.error().message);
    }
    readers.push_back(std::make_unique<Database>(std::move(*r)));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(*writer), std::move(readers), lock_fd, path, clock));
  if (auto s = store->release_all_claims(); !s) {
    return fail(path + ": " + s.error().message);
  }
  return store;
}

Status SqliteStore::set_size_limit(std::uint64_t bytes) {
  return m_writer.run([bytes](Database& db) -> Status {
    HUBBUB_TRY_ASSIGN(page_size, db.scalar("PRAGMA page_size"));
    // SQLite clamps the count to its own maximum, and never below the pages
    // already in use.
    constexpr std::uint64_t k_no_limit = 4294967294;
    const std::uint64_t pages =
        bytes == 0 ? k_no_limit : std::max<std::uint64_t>(1, bytes / static_cast<std::uint64_t>(*page_size));
    return db.exec("PRAGMA max_page_count = " + std::to_string(std::min(pages, k_no_limit)));
  });
}

SqliteStore::FileLock::~FileLock() {
  if (fd >= 0) {
    ::close(fd);
  }
}

namespace {

std::optional<ino_t> inode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return st.st_ino;
}

// SQLite keeps the WAL at the path when this connection closes, and does not
// checkpoint: for a database whose file left the path.
void keep_files_on_close(Database& db) {
  int on = 1;
  (void)sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_PERSIST_WAL, &on);
  (void)sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

}  // namespace

SqliteStore::SqliteStore(Database writer, std::vector<std::unique_ptr<Database>> readers, int lock_fd, std::string path,
                         const Clock& clock)
    : m_lock{lock_fd},
      m_identity([&] {
        FileIdentity id;
        struct stat st {};
        if (::fstat(lock_fd, &st) == 0) {
          id.dev = st.st_dev;
          id.ino = st.st_ino;
        }
        id.wal = inode_of(path + "-wal");
        id.shm = inode_of(path + "-shm");
        id.path = std::move(path);
        return id;
      }()),
      m_clock(clock),
      m_writer(std::move(writer), [this](Database& db) { return check_identity(db); }),
      m_readers(std::move(readers)) {}

SqliteStore::~SqliteStore() {
  m_writer.stop();
  if (m_is_detached.load()) {
    std::lock_guard lock(m_pool_mutex);
    for (auto& r : m_readers) {
      keep_files_on_close(*r);
    }
  }
}

Status SqliteStore::check_identity(Database& db) {
  if (m_detached) {
    return fail(*m_detached);
  }
  struct stat open_file {};
  struct stat at_path {};
  std::string why;
  if (::stat(m_identity.path.c_str(), &at_path) != 0) {
    why = "the database file " + m_identity.path + " was deleted while the hub ran (" + std::strerror(errno) + ")";
  } else if (at_path.st_dev != m_identity.dev || at_path.st_ino != m_identity.ino) {
    why = "another file was put at " + m_identity.path + " while the hub ran (a restored backup?)";
  } else if (::fstat(m_lock.fd, &open_file) == 0 && open_file.st_nlink == 0) {
    why = "the database file " + m_identity.path + " was deleted while the hub ran";
  } else {
    return {};
  }
  detach(db, why);
  return fail(*m_detached);
}

void SqliteStore::detach(Database& db, const std::string& why) {
  const std::string saved = m_identity.path + ".detached-" + std::to_string(to_unix_ms(m_clock.now()));
  std::string quoted = "'";
  for (const char c : saved) {
    quoted += c == '\'' ? std::string("''") : std::string(1, c);
  }
  quoted += "'";
  const Status copy = db.exec("VACUUM INTO " + quoted);
  keep_files_on_close(db);
  // The WAL and shared memory this store writes leave the path (their data
  // is in the copy): a hub started on the file now there must not replay
  // them onto it.
  for (const auto& [suffix, inode] : {std::pair{"-wal", m_identity.wal}, std::pair{"-shm", m_identity.shm}}) {
    const std::string file = m_identity.path + suffix;
    if (inode && inode_of(file) == inode) {
      (void)::unlink(file.c_str());
    }
  }
  m_detached = why + "; nothing more is acknowledged until the hub restarts";
  m_is_detached.store(true);
  spdlog::critical("event=database_detached reason={} saved={}", log_quoted(why),
                   copy ? log_quoted(saved) : log_quoted("nothing: " + copy.error().message));
}

void SqliteStore::add_request(NewRequest request, Done done) {
  m_writer.submit(
      [request = std::move(request)](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO subscription_requests (token, mode, topic, callback, secret, "
                                      "lease_requested, lease_granted, verify_token, state, attempts, due_at, "
                                      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)"));
        const std::int64_t created = to_unix_ms(request.created_at);
        q->bind(1, std::string_view(request.id))
            .bind(2, std::int64_t{request.mode == RequestMode::subscribe ? 0 : 1})
            .bind(3, std::string_view(request.topic))
            .bind(4, std::string_view(request.callback))
            .bind_blob(5, request.secret)
            .bind(6, request.lease_requested ? std::optional<std::int64_t>(static_cast<std::int64_t>(
                                                   std::min<std::uint64_t>(*request.lease_requested, INT64_MAX)))
                                             : std::nullopt)
            .bind(7, request.lease_granted ? std::optional<std::int64_t>(request.lease_granted->count()) : std::nullopt)
            .bind(8, request.verify_token)
            .bind(9, created)
            .bind(10, created)
            .bind(11, created);
        return q->run();
      },
      std::move(done));
}

Result<std::optional<RequestRecord>> SqliteStore::find_request(std::string_view id) {
  auto db = reader();
  static const std::string sql =
      std::string("SELECT ") + k_request_columns + " FROM subscription_requests WHERE token = ?";
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, id);
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  return read_request(*q);
}

Result<std::vector<RequestRecord>> SqliteStore::claim_due_requests(TimePoint now, Millis claim_for, std::size_t max,
                                                                   const OriginShare& share) {
  static const std::string sql =
      std::string(
          "UPDATE subscription_requests SET claimed_until = ?1, attempts = attempts + 1, "
          "updated_at = ?2 WHERE id IN (SELECT r.id FROM subscription_requests r "
          "WHERE r.state = 0 AND r.due_at <= ?2 "
          "AND (r.claimed_until IS NULL OR r.claimed_until <= ?2) "
          "AND (?4 = '[]' OR hubbub_origin(r.callback) NOT IN (SELECT value FROM json_each(?4))) "
          "AND NOT EXISTS (SELECT 1 FROM subscription_requests e WHERE e.state = 0 "
          "AND e.topic = r.topic AND e.callback = r.callback AND e.id < r.id) "
          "ORDER BY r.due_at LIMIT ?3) RETURNING ") +
      k_request_columns;
  std::vector<RequestRecord> claimed;
  auto s = m_writer.run([&](Database& db) -> Status {
    claimed.clear();  // a job may run twice (group_commit.h)
    HUBBUB_TRY_ASSIGN(q, db.query(sql.c_str()));
    HUBBUB_TRY_ASSIGN(unclaim, db.query("UPDATE subscription_requests SET claimed_until = NULL, "
                                        "attempts = attempts - 1 WHERE token = ?"));
    const std::int64_t t = to_unix_ms(now);
    return claim_fairly(
        max, share, claimed,
        [&](std::size_t n, const std::string& busy, std::vector<RequestRecord>& out) {
          q->reset();
          q->bind(1, t + claim_for.count())
              .bind(2, t)
              .bind(3, static_cast<std::int64_t>(n))
              .bind(4, std::string_view(busy));
          return q->for_each([&](const Query& row) { out.push_back(read_request(row)); });
        },
        [](const RequestRecord& r) { return url_origin_key(r.callback); },
        [&](const RequestRecord& r) {
          unclaim->reset();
          unclaim->bind(1, std::string_view(r.id));
          return unclaim->run();
        });
  });
  if (!s) {
    return std::unexpected(s.error());
  }
  return claimed;
}

template <class Bind>
Result<std::size_t> SqliteStore::changed_rows(const char* sql, Bind bind) {
  std::size_t changed = 0;
  auto s = m_writer.run([&](Database& db) -> Status {
    changed = 0;  // a job may run twice (group_commit.h)
    HUBBUB_TRY_ASSIGN(q, db.query(sql));
    bind(*q);
    auto r = q->run();
    changed = static_cast<std::size_t>(db.changes());
    return r;
  });
  if (!s) {
    return std::unexpected(s.error());
  }
  return changed;
}

Result<std::optional<TimePoint>> SqliteStore::next_request_due() {
  return next_due(
      "SELECT due_at FROM subscription_requests WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

Result<std::optional<TimePoint>> SqliteStore::next_due(const char* sql) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql));
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  return from_unix_ms(q->int64(0));
}

void SqliteStore::retry_request(std::string id, TimePoint due_at, std::string error, TimePoint now, Done done) {
  m_writer.submit(
      [id = std::move(id), due_at, error = std::move(error), now](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("UPDATE subscription_requests SET due_at = ?, claimed_until = NULL, "
                                      "last_error = ?, updated_at = ? WHERE token = ? AND state = 0"));
        q->bind(1, to_unix_ms(due_at))
            .bind(2, std::string_view(error))
            .bind(3, to_unix_ms(now))
            .bind(4, std::string_view(id));
        return q->run();
      },
      std::move(done));
}

void SqliteStore::complete_request(RequestCompletion c, Done done) {
  m_writer.submit(
      [c = std::move(c)](Database& db) -> Status {
        bool subscribe = false;
        std::string topic;
        std::string callback;
        std::optional<std::string> secret;
        std::int64_t lease = 0;
        {
          HUBBUB_TRY_ASSIGN(sel, db.query("SELECT mode, topic, callback, secret, lease_granted, state "
                                          "FROM subscription_requests WHERE token = ?"));
          sel->bind(1, std::string_view(c.id));
          HUBBUB_TRY_ASSIGN(row, sel->step());
          if (!*row || sel->int64(5) != 0) {
            return {};  // unknown or already settled: nothing to do
          }
          subscribe = sel->int64(0) == 0;
          topic = sel->text(1);
          callback = sel->text(2);
          secret = sel->optional_text(3);
          lease = sel->optional_int64(4).value_or(0);
        }

        HUBBUB_TRY_ASSIGN(upd, db.query("UPDATE subscription_requests SET state = ?, claimed_until = NULL, "
                                        "last_error = ?, updated_at = ? WHERE token = ?"));
        const std::int64_t finished = to_unix_ms(c.finished_at);
        upd->bind(1, static_cast<std::int64_t>(c.state))
            .bind(2, c.error)
            .bind(3, finished)
            .bind(4, std::string_view(c.id));
        HUBBUB_TRY(upd->run());
        if (c.state != RequestState::verified) {
          return {};
        }
        if (subscribe) {
          HUBBUB_TRY_ASSIGN(ins, db.query("INSERT INTO subscriptions (topic, callback, secret, lease_seconds, "
                                          "expires_at, created_at, updated_at, origin) "
                                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, hubbub_origin(?2))) "
                                          "ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, "
                                          "lease_seconds = excluded.lease_seconds, expires_at = excluded.expires_at, "
                                          "updated_at = excluded.updated_at"));
          ins->bind(1, std::string_view(topic))
              .bind(2, std::string_view(callback))
              .bind_blob(3, secret)
              .bind(4, lease)
              .bind(5, to_unix_ms(c.verified_at) + lease * 1000)
              .bind(6, finished)
              .bind(7, finished)
              .bind(8, c.callback_origin.empty() ? std::nullopt : std::optional<std::string>(c.callback_origin));
          return ins->run();
        }
        HUBBUB_TRY_ASSIGN(del, db.query("DELETE FROM subscriptions WHERE topic = ? AND callback = ?"));
        del->bind(1, std::string_view(topic)).bind(2, std::string_view(callback));
        return del->run();
      },
      std::move(done));
}

Status SqliteStore::release_all_claims() {
  return m_writer.run([](Database& db) -> Status {
    return db.exec(
        "UPDATE subscription_requests SET claimed_until = NULL WHERE claimed_until IS NOT NULL; "
        "UPDATE publish_topics SET claimed_until = NULL WHERE claimed_until IS NOT NULL; "
        "UPDATE deliveries SET claimed_until = NULL WHERE claimed_until IS NOT NULL");
  });
}

Result<std::optional<Subscription>> SqliteStore::find_subscription(std::string_view topic, std::string_view callback) {
  auto db = reader();
  static const std::string sql =
      std::string("SELECT ") + k_subscription_columns + " FROM subscriptions WHERE topic = ? AND callback = ?";
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, topic).bind(2, callback);
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  return read_subscription(*q);
}

Result<std::vector<Subscription>> SqliteStore::active_subscriptions(std::string_view topic, TimePoint now) {
  auto db = reader();
  static const std::string sql = std::string("SELECT ") + k_subscription_columns +
                                 " FROM subscriptions WHERE topic = ? AND expires_at > ? ORDER BY id";
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, topic).bind(2, to_unix_ms(now));
  std::vector<Subscription> out;
  HUBBUB_TRY(q->for_each([&](const Query& row) { out.push_back(read_subscription(row)); }));
  return out;
}

namespace {

constexpr const char* k_delivery_record_columns =
    "d.id, d.subscription_id, s.topic, s.callback, d.state, d.attempts, d.last_status, d.last_error, d.due_at, "
    "d.updated_at";

// k_delivery_record_columns, starting at column `first`.
DeliveryRecord read_delivery_record(const Query& q, int first = 0) {
  DeliveryRecord r;
  r.id = q.int64(first);
  r.subscription_id = q.int64(first + 1);
  r.topic = q.text(first + 2);
  r.callback = q.text(first + 3);
  r.state = static_cast<DeliveryState>(q.int64(first + 4));
  r.attempts = static_cast<std::uint32_t>(q.int64(first + 5));
  r.last_status = q.optional_int64(first + 6);
  r.last_error = q.optional_text(first + 7);
  r.due_at = from_unix_ms(q.int64(first + 8));
  r.updated_at = from_unix_ms(q.int64(first + 9));
  return r;
}

}  // namespace

Result<std::vector<SubscriptionOverview>> SqliteStore::list_subscriptions(std::optional<std::string> topic,
                                                                          std::optional<std::string> callback_host,
                                                                          std::size_t limit, std::size_t offset) {
  // The host filter matches the stored origin's host, or its host and port
  // ("127.0.0.1:9000", as callback hosts are shown everywhere); the latest
  // delivery comes from the deliveries_subscription index.
  static const std::string sql =
      "SELECT s.id, s.topic, s.callback, s.secret, s.lease_seconds, s.expires_at, s.created_at, s.updated_at, " +
      std::string(k_delivery_record_columns) +
      " FROM subscriptions s LEFT JOIN deliveries d ON d.id = "
      "(SELECT max(id) FROM deliveries WHERE subscription_id = s.id) "
      "WHERE (?1 IS NULL OR s.topic = ?1) AND (?2 IS NULL OR s.origin LIKE '%://' || ?2 || ':%' "
      "OR s.origin LIKE '%://' || ?2) "
      "ORDER BY s.id DESC LIMIT ?3 OFFSET ?4";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, topic)
      .bind(2, callback_host)
      .bind(3, static_cast<std::int64_t>(limit))
      .bind(4, static_cast<std::int64_t>(offset));
  std::vector<SubscriptionOverview> out;
  auto read = [&](const Query& row) {
    SubscriptionOverview o{read_subscription(row), std::nullopt};
    if (!row.is_null(8)) {
      o.last_delivery = read_delivery_record(row, 8);
    }
    out.push_back(std::move(o));
  };
  HUBBUB_TRY(q->for_each(read));
  return out;
}

Result<SubscriptionCounts> SqliteStore::subscription_counts(std::string_view topic, std::string_view callback,
                                                            TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT (SELECT count(*) FROM subscriptions WHERE topic = ?1 AND callback <> ?2 "
                                 "AND expires_at > ?3), (SELECT count(*) FROM subscriptions "
                                 "WHERE origin = hubbub_origin(?2) AND expires_at > ?3 "
                                 "AND NOT (topic = ?1 AND callback = ?2))"));
  q->bind(1, topic).bind(2, callback).bind(3, to_unix_ms(now));
  HUBBUB_TRY_ASSIGN(row, q->step());
  SubscriptionCounts counts;
  if (*row) {
    counts.topic = q->int64(0);
    counts.callback_origin = q->int64(1);
  }
  return counts;
}

Result<std::int64_t> SqliteStore::count_queued_deliveries(std::int64_t limit) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE state = 0 LIMIT ?)"));
  q->bind(1, limit);
  HUBBUB_TRY_ASSIGN(row, q->step());
  return *row ? q->int64(0) : 0;
}

Result<std::vector<std::pair<std::string, std::int64_t>>> SqliteStore::pending_requests_per_origin() {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT hubbub_origin(callback), count(*) FROM subscription_requests "
                                 "WHERE state = 0 GROUP BY 1"));
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (;;) {
    HUBBUB_TRY_ASSIGN(row, q->step());
    if (!*row) {
      return out;
    }
    out.emplace_back(q->text(0), q->int64(1));
  }
}

Result<std::optional<Subscription>> SqliteStore::find_subscription_by_id(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + k_subscription_columns + " FROM subscriptions WHERE id = ?";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, id);
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  return read_subscription(*q);
}

Result<bool> SqliteStore::delete_subscription(std::int64_t id) {
  auto n = changed_rows("DELETE FROM subscriptions WHERE id = ?", [id](Query& q) { q.bind(1, id); });
  if (!n) {
    return std::unexpected(n.error());
  }
  return *n > 0;
}

Result<std::vector<DeliveryRecord>> SqliteStore::subscription_deliveries(std::int64_t id, std::size_t limit) {
  static const std::string sql = std::string("SELECT ") + k_delivery_record_columns +
                                 " FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                                 "WHERE d.subscription_id = ? ORDER BY d.id DESC LIMIT ?";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<DeliveryRecord> out;
  HUBBUB_TRY(q->for_each([&](const Query& row) { out.push_back(read_delivery_record(row)); }));
  return out;
}

Result<std::vector<TopicRecord>> SqliteStore::list_topics(TimePoint now, std::size_t limit, std::size_t offset) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(
      q, db->query("SELECT s.topic, count(*), t.fetched_at, "
                   "(SELECT max(p.created_at) FROM publish_topics pt JOIN publishes p ON p.id = pt.publish_id "
                   "WHERE pt.topic = s.topic) "
                   "FROM subscriptions s LEFT JOIN topics t ON t.topic = s.topic "
                   "WHERE s.expires_at > ? GROUP BY s.topic ORDER BY s.topic LIMIT ? OFFSET ?"));
  q->bind(1, to_unix_ms(now)).bind(2, static_cast<std::int64_t>(limit)).bind(3, static_cast<std::int64_t>(offset));
  std::vector<TopicRecord> out;
  auto s = q->for_each([&](const Query& row) {
    TopicRecord t;
    t.topic = row.text(0);
    t.subscribers = row.int64(1);
    if (auto v = row.optional_int64(2)) {
      t.last_fetched_at = from_unix_ms(*v);
    }
    if (auto v = row.optional_int64(3)) {
      t.last_published_at = from_unix_ms(*v);
    }
    out.push_back(std::move(t));
  });
  if (!s) {
    return std::unexpected(s.error());
  }
  return out;
}

Result<std::vector<DeliveryRecord>> SqliteStore::list_dead_letters(std::size_t limit, std::size_t offset) {
  static const std::string sql = std::string("SELECT ") + k_delivery_record_columns +
                                 " FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                                 "WHERE d.state = 2 ORDER BY d.updated_at DESC LIMIT ? OFFSET ?";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, static_cast<std::int64_t>(limit)).bind(2, static_cast<std::int64_t>(offset));
  std::vector<DeliveryRecord> out;
  HUBBUB_TRY(q->for_each([&](const Query& row) { out.push_back(read_delivery_record(row)); }));
  return out;
}

Result<bool> SqliteStore::retry_dead_letter(std::int64_t id, TimePoint now) {
  auto n = changed_rows(
      "UPDATE deliveries SET state = 0, attempts = 0, due_at = ?1, claimed_until = NULL, updated_at = ?1 "
      "WHERE id = ?2 AND state = 2",
      [&](Query& q) { q.bind(1, to_unix_ms(now)).bind(2, id); });
  if (!n) {
    return std::unexpected(n.error());
  }
  return *n > 0;
}

Result<std::size_t> SqliteStore::remove_expired_subscriptions(TimePoint now) {
  return changed_rows("DELETE FROM subscriptions WHERE expires_at <= ?",
                      [now](Query& q) { q.bind(1, to_unix_ms(now)); });
}

Result<std::size_t> SqliteStore::purge_in_batches(const char* sql, TimePoint finished_before) {
  std::size_t removed = 0;
  for (std::size_t round = 0; round < k_max_purge_rounds; ++round) {
    auto n = changed_rows(sql, [&](Query& q) {
      q.bind(1, to_unix_ms(finished_before)).bind(2, static_cast<std::int64_t>(k_purge_batch_rows));
    });
    if (!n) {
      return std::unexpected(n.error());
    }
    removed += *n;
    if (*n < k_purge_batch_rows) {
      break;
    }
  }
  return removed;
}

Result<std::size_t> SqliteStore::purge_finished_requests(TimePoint finished_before) {
  return purge_in_batches(
      "DELETE FROM subscription_requests WHERE id IN (SELECT id FROM subscription_requests "
      "WHERE state <> 0 AND updated_at < ?1 LIMIT ?2)",
      finished_before);
}

void SqliteStore::add_publish(NewPublish publish, Done done) {
  m_writer.submit(
      [publish = std::move(publish)](Database& db) -> Status {
        const std::int64_t created = to_unix_ms(publish.created_at);
        {
          HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO publishes (token, created_at) VALUES (?, ?)"));
          q->bind(1, std::string_view(publish.id)).bind(2, created);
          HUBBUB_TRY(q->run());
        }
        const std::int64_t publish_id = db.last_insert_rowid();
        std::optional<std::int64_t> content_id;
        if (publish.content) {
          HUBBUB_TRY_ASSIGN(
              q, db.query("INSERT INTO contents (topic, content_type, body, created_at) VALUES (?, ?, ?, ?)"));
          q->bind(1, std::string_view(publish.content->topic))
              .bind(2, publish.content->content_type)
              .bind_blob(3, publish.content->body)
              .bind(4, created);
          HUBBUB_TRY(q->run());
          content_id = db.last_insert_rowid();
        }
        HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO publish_topics (publish_id, topic, state, content_id, due_at, "
                                      "updated_at) VALUES (?, ?, 0, ?, ?, ?)"));
        for (const auto& topic : publish.topics) {
          q->bind(1, publish_id).bind(2, std::string_view(topic)).bind(3, content_id).bind(4, created).bind(5, created);
          HUBBUB_TRY(q->run());
          q->reset();
        }
        return {};
      },
      std::move(done));
}

Result<std::optional<PublishStatus>> SqliteStore::find_publish(std::string_view id) {
  auto db = reader();
  PublishStatus status;
  std::int64_t publish_id = 0;
  {
    HUBBUB_TRY_ASSIGN(q, db->query("SELECT id, created_at FROM publishes WHERE token = ?"));
    q->bind(1, id);
    HUBBUB_TRY_ASSIGN(row, q->step());
    if (!*row) {
      return std::nullopt;
    }
    publish_id = q->int64(0);
    status.id = std::string(id);
    status.created_at = from_unix_ms(q->int64(1));
  }
  std::vector<std::int64_t> topic_ids;
  {
    HUBBUB_TRY_ASSIGN(q, db->query("SELECT id, topic, state, subscribers, attempts, last_error FROM publish_topics "
                                   "WHERE publish_id = ? ORDER BY id"));
    q->bind(1, publish_id);
    auto s = q->for_each([&](const Query& row) {
      PublishStatus::Topic t;
      topic_ids.push_back(row.int64(0));
      t.topic = row.text(1);
      t.state = static_cast<FetchState>(row.int64(2));
      t.subscribers = row.optional_int64(3);
      t.attempts = static_cast<std::uint32_t>(row.int64(4));
      t.last_error = row.optional_text(5);
      status.topics.push_back(std::move(t));
    });
    if (!s) {
      return std::unexpected(s.error());
    }
  }
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT state, last_error IS NOT NULL, count(*) FROM deliveries "
                                 "WHERE publish_topic_id = ? GROUP BY 1, 2"));
  for (std::size_t i = 0; i < topic_ids.size(); ++i) {
    q->bind(1, topic_ids[i]);
    PublishStatus::Topic& t = status.topics[i];
    auto s = q->for_each([&t](const Query& row) {
      const auto state = static_cast<DeliveryState>(row.int64(0));
      const std::int64_t n = row.int64(2);
      if (state == DeliveryState::delivered) {
        t.delivered += n;
      } else if (state == DeliveryState::pending) {
        (row.int64(1) != 0 ? t.retrying : t.pending) += n;
      } else {
        t.failed += n;
      }
    });
    if (!s) {
      return std::unexpected(s.error());
    }
  }
  return status;
}

Result<std::vector<FetchJob>> SqliteStore::claim_due_fetches(TimePoint now, Millis claim_for, std::size_t max,
                                                             const OriginShare& share) {
  std::vector<FetchJob> claimed;
  auto s = m_writer.run([&](Database& db) -> Status {
    claimed.clear();  // a job may run twice (group_commit.h)
    {
      HUBBUB_TRY_ASSIGN(
          q, db.query("UPDATE publish_topics SET claimed_until = ?1, attempts = attempts + 1, updated_at = ?2 "
                      "WHERE id IN (SELECT p.id FROM publish_topics p WHERE p.state = 0 AND p.due_at <= ?2 "
                      "AND (p.claimed_until IS NULL OR p.claimed_until <= ?2) "
                      "AND (?4 = '[]' OR hubbub_origin(p.topic) NOT IN (SELECT value FROM json_each(?4))) "
                      "AND NOT EXISTS (SELECT 1 FROM publish_topics e WHERE e.state = 0 AND e.topic = p.topic "
                      "AND e.id < p.id) ORDER BY p.due_at LIMIT ?3) RETURNING id, topic, content_id, attempts"));
      HUBBUB_TRY_ASSIGN(unclaim, db.query("UPDATE publish_topics SET claimed_until = NULL, attempts = attempts - 1 "
                                          "WHERE id = ?"));
      const std::int64_t t = to_unix_ms(now);
      auto s = claim_fairly(
          max, share, claimed,
          [&](std::size_t n, const std::string& busy, std::vector<FetchJob>& out) {
            q->reset();
            q->bind(1, t + claim_for.count())
                .bind(2, t)
                .bind(3, static_cast<std::int64_t>(n))
                .bind(4, std::string_view(busy));
            return q->for_each([&](const Query& row) {
              FetchJob job;
              job.id = row.int64(0);
              job.topic = row.text(1);
              job.content_id = row.optional_int64(2);
              job.attempts = static_cast<std::uint32_t>(row.int64(3));
              out.push_back(std::move(job));
            });
          },
          [](const FetchJob& job) { return url_origin_key(job.topic); },
          [&](const FetchJob& job) {
            unclaim->reset();
            unclaim->bind(1, job.id);
            return unclaim->run();
          });
      if (!s) {
        return s;
      }
    }
    // Pings of a regular fetch's topic that arrived before it begins are
    // answered by it. A fat ping brings its own content: it is never folded,
    // nor are the pings after it, which must follow its content.
    HUBBUB_TRY_ASSIGN(newest, db.query("SELECT max(id) FROM publish_topics WHERE state = 0 AND topic = ?1 "
                                       "AND content_id IS NULL AND id < coalesce((SELECT min(id) FROM publish_topics "
                                       "WHERE state = 0 AND topic = ?1 AND content_id IS NOT NULL), "
                                       "9223372036854775807)"));
    for (auto& job : claimed) {
      job.covers_up_to = job.id;
      if (job.content_id) {
        continue;
      }
      newest->bind(1, std::string_view(job.topic));
      HUBBUB_TRY_ASSIGN(row, newest->step());
      if (*row && !newest->is_null(0)) {
        job.covers_up_to = std::max(job.id, newest->int64(0));
      }
      newest->reset();
    }
    HUBBUB_TRY_ASSIGN(q, db.query("SELECT etag, last_modified, content_hash FROM topics WHERE topic = ?"));
    for (auto& job : claimed) {
      q->bind(1, std::string_view(job.topic));
      HUBBUB_TRY_ASSIGN(row, q->step());
      if (*row) {
        job.etag = q->optional_text(0);
        job.last_modified = q->optional_text(1);
        job.content_hash = q->optional_text(2);
      }
      q->reset();
    }
    return {};
  });
  if (!s) {
    return std::unexpected(s.error());
  }
  return claimed;
}

Result<std::optional<TimePoint>> SqliteStore::next_fetch_due() {
  return next_due(
      "SELECT due_at FROM publish_topics WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

void SqliteStore::retry_fetch(std::int64_t id, TimePoint due_at, std::string error, TimePoint now, Done done) {
  m_writer.submit(
      [id, due_at, error = std::move(error), now](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("UPDATE publish_topics SET due_at = ?, claimed_until = NULL, last_error = ?, "
                                      "updated_at = ? WHERE id = ? AND state = 0"));
        q->bind(1, to_unix_ms(due_at)).bind(2, std::string_view(error)).bind(3, to_unix_ms(now)).bind(4, id);
        return q->run();
      },
      std::move(done));
}

void SqliteStore::finish_fetch(FetchOutcome o, std::function<void(Result<std::size_t>)> done) {
  auto queued = std::make_shared<std::size_t>(0);
  m_writer.submit(
      [o = std::move(o), queued](Database& db) -> Status {
        *queued = 0;  // a job may run twice (group_commit.h)
        const std::int64_t at = to_unix_ms(o.at);
        std::string topic;
        {
          HUBBUB_TRY_ASSIGN(q, db.query("SELECT topic FROM publish_topics WHERE id = ? AND state = 0"));
          q->bind(1, o.id);
          HUBBUB_TRY_ASSIGN(row, q->step());
          if (!*row) {
            return {};  // already settled
          }
          topic = q->text(0);
        }
        std::optional<std::int64_t> content_id;
        if (o.state == FetchState::distributed || o.state == FetchState::unchanged) {
          HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO topics (topic, etag, last_modified, content_hash, fetched_at) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (topic) DO UPDATE SET "
                                        "etag = coalesce(?2, etag), last_modified = coalesce(?3, last_modified), "
                                        "content_hash = coalesce(?4, content_hash), fetched_at = ?5"));
          q->bind(1, std::string_view(topic))
              .bind(2, o.etag)
              .bind(3, o.last_modified)
              .bind(4, o.content_hash)
              .bind(5, at);
          HUBBUB_TRY(q->run());
        }
        if (o.state == FetchState::distributed) {
          if (o.content && o.content->id > 0) {
            content_id = o.content->id;
          } else if (o.content) {
            HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO contents (topic, content_type, body, created_at) "
                                          "VALUES (?, ?, ?, ?)"));
            q->bind(1, std::string_view(topic))
                .bind(2, o.content->content_type)
                .bind_blob(3, o.content->body)
                .bind(4, at);
            HUBBUB_TRY(q->run());
            content_id = db.last_insert_rowid();
          }
          HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO deliveries (publish_topic_id, content_id, subscription_id, "
                                        "origin, delivery_id, published_at, state, attempts, due_at, created_at, "
                                        "updated_at) SELECT ?1, ?2, id, hubbub_origin(callback), "
                                        "lower(hex(randomblob(12))), (SELECT p.created_at FROM publish_topics t "
                                        "JOIN publishes p ON p.id = t.publish_id WHERE t.id = ?1), 0, 0, ?3, ?3, ?3 "
                                        "FROM subscriptions WHERE topic = ?4 AND expires_at > ?3"));
          q->bind(1, o.id).bind(2, content_id).bind(3, at).bind(4, std::string_view(topic));
          HUBBUB_TRY(q->run());
          *queued = static_cast<std::size_t>(db.changes());
        }
        if ((o.state == FetchState::distributed || o.state == FetchState::unchanged) && o.covers_up_to > o.id) {
          HUBBUB_TRY_ASSIGN(q, db.query("UPDATE publish_topics SET state = ?1, content_id = ?2, claimed_until = NULL, "
                                        "updated_at = ?3 WHERE topic = ?4 AND state = 0 AND content_id IS NULL "
                                        "AND id > ?5 AND id <= ?6"));
          q->bind(1, static_cast<std::int64_t>(FetchState::coalesced))
              .bind(2, content_id)
              .bind(3, at)
              .bind(4, std::string_view(topic))
              .bind(5, o.id)
              .bind(6, o.covers_up_to);
          HUBBUB_TRY(q->run());
        }
        // Subscribers: those sent this content, or for unchanged content those
        // that would have been; unknown (NULL) for a fetch that failed.
        HUBBUB_TRY_ASSIGN(q, db.query("UPDATE publish_topics SET state = ?1, content_id = coalesce(?2, content_id), "
                                      "subscribers = CASE WHEN ?3 IS NOT NULL THEN ?3 WHEN ?7 THEN "
                                      "(SELECT count(*) FROM subscriptions WHERE topic = ?8 AND expires_at > ?5) END, "
                                      "claimed_until = NULL, last_error = ?4, updated_at = ?5 WHERE id = ?6"));
        q->bind(1, static_cast<std::int64_t>(o.state))
            .bind(2, content_id)
            .bind(3, o.state == FetchState::distributed
                         ? std::optional<std::int64_t>(static_cast<std::int64_t>(*queued))
                         : std::optional<std::int64_t>())
            .bind(4, o.error)
            .bind(5, at)
            .bind(6, o.id)
            .bind(7, std::int64_t{o.state == FetchState::unchanged || o.state == FetchState::no_subscribers})
            .bind(8, std::string_view(topic));
        return q->run();
      },
      [queued, done = std::move(done)](Status s) {
        if (!s) {
          done(std::unexpected(s.error()));
        } else {
          done(*queued);
        }
      });
}

Result<std::size_t> SqliteStore::count_active_subscriptions(std::string_view topic, TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT count(*) FROM subscriptions WHERE topic = ? AND expires_at > ?"));
  q->bind(1, topic).bind(2, to_unix_ms(now));
  HUBBUB_TRY_ASSIGN(row, q->step());
  return static_cast<std::size_t>(q->int64(0));
}

Result<std::vector<DeliveryJob>> SqliteStore::claim_due_deliveries(TimePoint now, Millis claim_for, std::size_t max,
                                                                   const std::vector<std::string>& busy_origins) {
  const std::string busy = nlohmann::json(busy_origins).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::vector<DeliveryJob> jobs;
  auto s = m_writer.run([&](Database& db) -> Status {
    jobs.clear();  // a job may run twice (group_commit.h)
    struct Claimed {
      std::int64_t id;
      std::string delivery_id;
      std::string origin;
      std::int64_t content_id;
      std::int64_t subscription_id;
      std::uint32_t attempts;
      std::int64_t created_at;
      std::int64_t published_at;
    };
    std::vector<Claimed> claimed;
    const std::int64_t t = to_unix_ms(now);
    {
      HUBBUB_TRY_ASSIGN(
          q, db.query("UPDATE deliveries SET claimed_until = ?1, attempts = attempts + 1, updated_at = ?2 "
                      "WHERE id IN (SELECT id FROM deliveries WHERE state = 0 AND due_at <= ?2 "
                      "AND (claimed_until IS NULL OR claimed_until <= ?2) "
                      "AND origin NOT IN (SELECT value FROM json_each(?4)) ORDER BY due_at LIMIT ?3) "
                      "RETURNING id, delivery_id, origin, content_id, subscription_id, attempts, created_at, "
                      "published_at"));
      q->bind(1, t + claim_for.count())
          .bind(2, t)
          .bind(3, static_cast<std::int64_t>(max))
          .bind(4, std::string_view(busy));
      auto s = q->for_each([&](const Query& row) {
        claimed.push_back({row.int64(0), row.text(1), row.text(2), row.int64(3), row.int64(4),
                           static_cast<std::uint32_t>(row.int64(5)), row.int64(6), row.int64(7)});
      });
      if (!s) {
        return s;
      }
    }
    HUBBUB_TRY_ASSIGN(sub, db.query("SELECT topic, callback, secret, expires_at FROM subscriptions WHERE id = ?"));
    HUBBUB_TRY_ASSIGN(drop, db.query("UPDATE deliveries SET state = 3, claimed_until = NULL, updated_at = ?, "
                                     "last_error = 'the subscription ended before delivery' WHERE id = ?"));
    for (const Claimed& c : claimed) {
      sub->bind(1, c.subscription_id);
      HUBBUB_TRY_ASSIGN(row, sub->step());
      if (*row && sub->int64(3) > t) {
        DeliveryJob job;
        job.id = c.id;
        job.delivery_id = c.delivery_id;
        job.origin = c.origin;
        job.content_id = c.content_id;
        job.topic = sub->text(0);
        job.callback = sub->text(1);
        job.secret = sub->optional_text(2);
        job.expires_at = from_unix_ms(sub->int64(3));
        job.attempts = c.attempts;
        job.created_at = from_unix_ms(c.created_at);
        job.published_at = from_unix_ms(c.published_at);
        jobs.push_back(std::move(job));
      } else {
        sub->reset();
        drop->bind(1, t).bind(2, c.id);
        HUBBUB_TRY(drop->run());
        drop->reset();
        continue;
      }
      sub->reset();
    }
    return {};
  });
  if (!s) {
    return std::unexpected(s.error());
  }
  return jobs;
}

Result<std::optional<TimePoint>> SqliteStore::next_delivery_due() {
  return next_due("SELECT due_at FROM deliveries WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

Result<std::optional<Content>> SqliteStore::find_content(std::int64_t content_id) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT id, topic, content_type, body FROM contents WHERE id = ?"));
  q->bind(1, content_id);
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  Content c;
  c.id = q->int64(0);
  c.topic = q->text(1);
  c.content_type = q->optional_text(2);
  c.body = q->text(3);
  return c;
}

void SqliteStore::defer_origin(std::string origin, TimePoint until, Done done) {
  m_writer.submit(
      [origin = std::move(origin), until](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("UPDATE deliveries SET due_at = ?1 WHERE state = 0 AND due_at < ?1 "
                                      "AND claimed_until IS NULL AND origin = ?2"));
        q->bind(1, to_unix_ms(until)).bind(2, std::string_view(origin));
        return q->run();
      },
      std::move(done));
}

void SqliteStore::settle_deliveries(std::vector<DeliveryOutcome> outcomes, Done done) {
  m_writer.submit(
      [outcomes = std::move(outcomes)](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(upd, db.query("UPDATE deliveries SET state = ?, due_at = ?, claimed_until = NULL, "
                                        "last_status = ?, last_error = ?, updated_at = ?, "
                                        "attempts = max(attempts - ?, 0) WHERE id = ?"));
        HUBBUB_TRY_ASSIGN(gone, db.query("DELETE FROM subscriptions WHERE id = "
                                         "(SELECT subscription_id FROM deliveries WHERE id = ?)"));
        for (const DeliveryOutcome& o : outcomes) {
          upd->bind(1, static_cast<std::int64_t>(o.state))
              .bind(2, to_unix_ms(o.due_at))
              .bind(3, o.status ? std::optional<std::int64_t>(*o.status) : std::nullopt)
              .bind(4, o.error)
              .bind(5, to_unix_ms(o.settled_at))
              .bind(6, std::int64_t{o.uncharged ? 1 : 0})
              .bind(7, o.id);
          HUBBUB_TRY(upd->run());
          upd->reset();
          if (o.end_subscription) {
            gone->bind(1, o.id);
            HUBBUB_TRY(gone->run());
            gone->reset();
          }
        }
        return {};
      },
      std::move(done));
}

Result<std::size_t> SqliteStore::purge_finished_publishes(TimePoint finished_before) {
  // Each statement in transactions of at most k_purge_batch_rows rows, so
  // that the writer never stalls on a large purge and the WAL stays small.
  const char* statements[] = {
      "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state IN (1, 3) AND updated_at < ?1 "
      "LIMIT ?2)",
      "DELETE FROM publish_topics WHERE id IN (SELECT p.id FROM publish_topics p WHERE p.state <> 0 AND "
      "p.updated_at < ?1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.publish_topic_id = p.id) LIMIT ?2)",
      "DELETE FROM publishes WHERE id IN (SELECT p.id FROM publishes p WHERE p.created_at < ?1 AND NOT EXISTS "
      "(SELECT 1 FROM publish_topics t WHERE t.publish_id = p.id) LIMIT ?2)",
      "DELETE FROM contents WHERE id IN (SELECT c.id FROM contents c WHERE c.created_at < ?1 AND NOT EXISTS "
      "(SELECT 1 FROM deliveries d WHERE d.content_id = c.id) AND NOT EXISTS "
      "(SELECT 1 FROM publish_topics t WHERE t.content_id = c.id) LIMIT ?2)",
  };
  std::size_t removed = 0;
  for (const char* sql : statements) {
    HUBBUB_TRY_ASSIGN(n, purge_in_batches(sql, finished_before));
    removed += *n;
  }
  return removed;
}

void SqliteStore::flush() {
  m_writer.flush();
}

Result<StoreStatistics> SqliteStore::statistics(TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT (SELECT count(*) FROM subscription_requests WHERE state = 0), "
                                 "(SELECT count(*) FROM publish_topics WHERE state = 0), "
                                 "(SELECT count(*) FROM deliveries WHERE state = 0), "
                                 "(SELECT count(*) FROM deliveries WHERE state = 2), "
                                 "(SELECT count(*) FROM subscriptions WHERE expires_at > ?1), "
                                 "(SELECT count(DISTINCT topic) FROM subscriptions WHERE expires_at > ?1)"));
  q->bind(1, to_unix_ms(now));
  HUBBUB_TRY_ASSIGN(row, q->step());
  StoreStatistics s;
  s.pending_requests = q->int64(0);
  s.pending_fetches = q->int64(1);
  s.pending_deliveries = q->int64(2);
  s.dead_letters = q->int64(3);
  s.active_subscriptions = q->int64(4);
  s.active_topics = q->int64(5);
  return s;
}

Status SqliteStore::check_writable(TimePoint now) {
  // Answer at once from what the writer last saw. The probe below needs room
  // as real work does (a padded row, inserted and deleted), so only its
  // success marks the database writable again: a small rewrite that succeeds
  // on a full disk must not flip readiness back.
  m_writer.submit(
      [now](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO health (id, checked_at) VALUES (1, ?1) "
                                      "ON CONFLICT (id) DO UPDATE SET checked_at = ?1"));
        q->bind(1, to_unix_ms(now));
        HUBBUB_TRY(q->run());
        HUBBUB_TRY_ASSIGN(pad, db.query("INSERT INTO write_probe (pad) VALUES (zeroblob(?))"));
        pad->bind(1, static_cast<std::int64_t>(k_write_probe_bytes));
        HUBBUB_TRY(pad->run());
        return db.exec("DELETE FROM write_probe");
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

}  // namespace hubbub
