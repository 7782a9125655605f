#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "store/migrator.h"
#include "store/sqlite_functions.h"
#include "util/log_text.h"
#include "websub/limits.h"

namespace hubbub {
namespace {

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

SqliteStore::Reader::~Reader() {
  std::lock_guard lock(m_store.m_pool_mutex);
  m_store.m_readers.push_back(std::move(m_db));
  m_store.m_pool_cv.notify_one();
}

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

Result<std::size_t> SqliteStore::changed_rows(const char* sql, const std::function<void(Query&)>& bind) {
  std::size_t changed = 0;
  auto s = m_writer.run([&](Database& db) -> Status {
    changed = 0;  // a job may run twice (group_commit.h)
    HUBBUB_TRY_ASSIGN(q, db.query(sql));
    bind(*q);
    auto r = q->run();
    changed = static_cast<std::size_t>(db.changes());
    return r;
  });
  HUBBUB_TRY(s);
  return changed;
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

Status SqliteStore::release_all_claims() {
  return m_writer.run([](Database& db) -> Status {
    return db.exec(
        "UPDATE subscription_requests SET claimed_until = NULL WHERE claimed_until IS NOT NULL; "
        "UPDATE publish_topics SET claimed_until = NULL WHERE claimed_until IS NOT NULL; "
        "UPDATE deliveries SET claimed_until = NULL WHERE claimed_until IS NOT NULL");
  });
}

void SqliteStore::flush() {
  m_writer.flush();
}

StoreHealth SqliteStore::health() const {
  return m_writer.health();
}

// One process owns a SQLite database (flock): the node is alone.
bool SqliteStore::shared() const {
  return false;
}

Result<bool> SqliteStore::hold_leadership(TimePoint, Millis) {
  return true;
}

Status SqliteStore::release_leadership() {
  return {};
}

Status SqliteStore::renew_claims(TimePoint, TimePoint) {
  return {};  // claims are released at every start: no other process waits for them
}

void SqliteStore::watch_work(WorkHint) {
  // No other process writes: every piece of work is announced in-process.
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
