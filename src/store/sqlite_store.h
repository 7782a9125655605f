#pragma once
// The embedded storage engine: the Store port on one SQLite file in WAL mode.
// Its parts are defined in a file each, as websub/store.h splits the port:
// sqlite_store_requests.cpp (RequestLog, VerificationQueue),
// sqlite_store_publishes.cpp (PublishLog, FetchQueue),
// sqlite_store_deliveries.cpp (DeliveryQueue), sqlite_store_admin.cpp
// (AdminQueries), sqlite_store_housekeeping.cpp (Housekeeping), and here the
// file, its connections and StoreControl.
// One writer connection behind GroupCommit (synchronous=FULL, so every
// acknowledged request survives power loss, at one fsync per batch) and a
// small pool of read-only connections. The file is locked (flock) for the
// life of the store: one hub process per database.

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/group_commit.h"
#include "util/clock.h"
#include "websub/store.h"

namespace hubbub {

class SqliteStore final : public Store {
 public:
  // Opens (creating if missing) and migrates the database, takes the lock and
  // releases stale claims. Errors are for the operator: corrupt file, newer
  // schema, another process using it, … `clock` (the hub's, outliving the
  // store) stamps what no caller's write dates: migrations applied and the
  // name of a detached copy.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, const Clock& clock);
  ~SqliteStore() override;

  void add_request(NewRequest request, Done done) override;
  Result<std::optional<RequestRecord>> find_request(std::string_view id) override;
  Result<std::vector<RequestRecord>> claim_due_requests(TimePoint now, Millis claim_for, std::size_t max,
                                                        const OriginShare& share) override;
  Result<std::optional<TimePoint>> next_request_due() override;
  void retry_request(std::string id, TimePoint due_at, std::string error, TimePoint now, Done done) override;
  void complete_request(RequestCompletion completion, Done done) override;
  Status release_all_claims() override;
  Result<std::optional<Subscription>> find_subscription(std::string_view topic, std::string_view callback) override;
  Result<std::vector<Subscription>> active_subscriptions(std::string_view topic, TimePoint now) override;
  void add_publish(NewPublish publish, Done done) override;
  Result<std::optional<PublishStatus>> find_publish(std::string_view id) override;
  Result<std::vector<FetchJob>> claim_due_fetches(TimePoint now, Millis claim_for, std::size_t max,
                                                  const OriginShare& share) override;
  Result<std::optional<TimePoint>> next_fetch_due() override;
  void retry_fetch(std::int64_t id, TimePoint due_at, std::string error, TimePoint now, Done done) override;
  void finish_fetch(FetchOutcome outcome, std::function<void(Result<FetchFinished>)> done) override;
  void extend_fanouts(TimePoint now, std::size_t chunk, std::function<void(Result<FanoutStep>)> done) override;
  Result<std::size_t> count_active_subscriptions(std::string_view topic, TimePoint now) override;
  Result<bool> feed_diff_wanted(std::string_view topic, TimePoint now, bool by_default) override;
  Result<std::unordered_map<std::string, std::string>> feed_entries(std::string_view topic) override;
  Result<std::vector<DeliveryJob>> claim_due_deliveries(TimePoint now, Millis claim_for, std::size_t max,
                                                        const std::vector<std::string>& busy_origins) override;
  Result<std::optional<TimePoint>> next_delivery_due() override;
  Result<std::optional<Content>> find_content(std::int64_t content_id) override;
  void defer_origin(std::string origin, TimePoint until, Done done) override;
  Result<std::vector<std::pair<std::string, TimePoint>>> origin_pauses(TimePoint now) override;
  void settle_deliveries(std::vector<DeliveryOutcome> outcomes, Done done) override;
  Result<std::size_t> purge_finished_publishes(TimePoint finished_before) override;
  Result<std::vector<SubscriptionOverview>> list_subscriptions(std::optional<std::string> topic,
                                                               std::optional<std::string> callback_host,
                                                               std::size_t limit, std::size_t offset) override;
  Result<std::vector<std::pair<std::string, std::int64_t>>> pending_requests_per_origin() override;
  void pending_requests_per_origin_in_write_order(std::function<void(Result<PendingCounts>)> done) override;
  Result<std::int64_t> count_queued_deliveries(std::int64_t limit) override;
  Result<std::optional<SubscriptionCapReached>> subscription_cap_reached(std::string_view topic,
                                                                         std::string_view callback, TimePoint now,
                                                                         SubscriptionCaps caps) override;
  Result<std::optional<Subscription>> find_subscription_by_id(std::int64_t id) override;
  Result<bool> delete_subscription(std::int64_t id) override;
  Result<std::vector<DeliveryRecord>> subscription_deliveries(std::int64_t id, std::size_t limit) override;
  Result<std::vector<TopicRecord>> list_topics(TimePoint now, std::size_t limit, std::size_t offset) override;
  Result<std::vector<DeliveryRecord>> list_dead_letters(std::size_t limit, std::size_t offset) override;
  Result<bool> retry_dead_letter(std::int64_t id, TimePoint now) override;
  Result<std::optional<std::size_t>> replay_to_subscription(std::int64_t id, const ReplaySelection& which,
                                                            TimePoint now) override;
  Result<std::optional<std::size_t>> replay_publish(std::string_view token, TimePoint now) override;
  Result<std::size_t> remove_expired_subscriptions(TimePoint now) override;
  Result<std::size_t> queue_reconfirmations(TimePoint now, Millis before, std::size_t max) override;
  Result<std::size_t> purge_finished_requests(TimePoint finished_before) override;
  void flush() override;
  Status check_writable(TimePoint now) override;
  Status set_size_limit(std::uint64_t bytes) override;
  StoreHealth health() const override;
  Result<StoreStatistics> statistics(TimePoint now) override;
  bool shared() const override;
  Result<bool> hold_leadership(TimePoint now, Millis ttl) override;
  Status release_leadership() override;
  Status renew_claims(TimePoint now, TimePoint until) override;
  void watch_work(WorkHint hint) override;

 private:
  SqliteStore(Database writer, std::vector<std::unique_ptr<Database>> readers, int lock_fd, std::string path,
              const Clock& clock);

  // Before every write (the writer's guard): whether the file at the path is
  // still the one this store opened. A file renamed over it (a restored
  // backup) or its removal is noticed before anything more is acknowledged;
  // see detach().
  Status check_identity(Database& db);
  // The database was replaced or removed under the running hub: from now on
  // every write fails with `why`. What was acknowledged is saved beside it
  // (VACUUM INTO <path>.detached-<ms>), and this store's WAL and shared-memory
  // files leave the path, so that no later start replays them onto another
  // main file; the connections will not checkpoint into or delete anything
  // at the path when they close.
  void detach(Database& db, const std::string& why);

  // Runs one statement (a literal) through the writer, `bind` filling in its
  // parameters; the number of rows it changed.
  Result<std::size_t> changed_rows(const char* sql, const std::function<void(Query&)>& bind);

  // Runs a purge `sql` (?1 the cut-off time, ?2 the batch size) in
  // transactions of k_purge_batch_rows rows until it removes fewer.
  Result<std::size_t> purge_in_batches(const char* sql, TimePoint finished_before);

  // The first due_at that `sql` (a literal) selects, if any.
  Result<std::optional<TimePoint>> next_due(const char* sql);

  // A read connection from the pool, returned when the lease ends.
  class Reader {
   public:
    Reader(SqliteStore& store, std::unique_ptr<Database> db) : m_store(store), m_db(std::move(db)) {}
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader();
    Database& operator*() { return *m_db; }
    Database* operator->() { return m_db.get(); }

   private:
    SqliteStore& m_store;
    std::unique_ptr<Database> m_db;
  };
  Reader reader();

  // Declared first so that it is released last, after every connection:
  // closing any descriptor of the file drops SQLite's POSIX locks on it.
  struct FileLock {
    int fd = -1;
    ~FileLock();
  };
  FileLock m_lock;
  // The files as opened (device and inode), checked by check_identity().
  struct FileIdentity {
    std::string path;
    dev_t dev = 0;
    ino_t ino = 0;
    std::optional<ino_t> wal;
    std::optional<ino_t> shm;
  };
  FileIdentity m_identity;
  const Clock& m_clock;
  std::optional<std::string> m_detached;  // set once; writer thread only
  std::atomic<bool> m_is_detached{false};
  GroupCommit m_writer;
  std::mutex m_pool_mutex;
  std::condition_variable m_pool_cv;
  std::vector<std::unique_ptr<Database>> m_readers;  // idle ones; guarded by m_pool_mutex
};

}  // namespace hubbub
