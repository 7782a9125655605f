#pragma once
// The PostgreSQL storage engine: the Store port on one PostgreSQL database
// that any number of hub processes (nodes) share. Per node: one writer
// connection behind PgWriter (group commit, reconnecting on its own) and
// k_pg_read_connections readers. Claims are taken with FOR UPDATE SKIP
// LOCKED and carry this node's id and a deadline, so that nodes share work
// without doubling it, a node releases only its own claims, and the claims
// of a node that died lapse at their deadline. Times are the hub's clock, as
// with SQLite: the nodes' clocks must agree (NTP) to well within a claim's
// length.
//
// Its parts are defined in a file each, like SqliteStore's:
// postgres_store_requests.cpp, _publishes.cpp, _deliveries.cpp, _admin.cpp,
// _housekeeping.cpp, and here the connections and StoreControl.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/pg_connection.h"
#include "store/pg_listener.h"
#include "store/pg_statistics.h"
#include "store/pg_writer.h"
#include "util/clock.h"
#include "websub/limits.h"
#include "websub/store.h"

namespace hubbub {

class PostgresStore final : public Store, public SharedActivity {
 public:
  // Connects with a libpq URI, migrates the schema (under an advisory lock)
  // and releases the claims `node_id` held before. With `notify`, commits
  // that make work due wake the other nodes (store/pg_writer.h). `readers`:
  // the read connections (at least 1). Errors are for the operator and never
  // show the password.
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& uri, const Clock& clock, std::string node_id,
                                                     bool notify = true, std::size_t readers = k_pg_read_connections);
  ~PostgresStore() override;

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
  Status record_activity(const std::vector<MinuteCounts>& minutes, const std::vector<FailureEvent>& failures,
                         TimePoint keep_since, std::size_t keep) override;
  Result<std::vector<MinuteCounts>> activity_since(TimePoint since) override;
  Result<std::vector<FailureEvent>> recent_failures(std::size_t limit) override;
  void watch_work(WorkHint hint) override;

  const std::string& node_id() const { return m_node_id; }

 private:
  PostgresStore(std::string uri, PgConnection writer, std::vector<std::unique_ptr<PgConnection>> readers,
                std::string node_id, bool notify);

  // Runs one statement (a literal) through the writer; the rows it changed.
  Result<std::size_t> changed_rows(const char* sql, PgParams params, unsigned wakes = 0);
  // Counts rows written to a queue table, and analyzes it when due
  // (store/pg_statistics.h).
  void note_written(PgStatistics::Table table, std::int64_t rows);
  // Runs a purge `sql` ($1 the cut-off, $2 the batch size) in transactions
  // of k_purge_batch_rows rows until it removes fewer.
  Result<std::size_t> purge_in_batches(const char* sql, TimePoint finished_before);
  // The first due_at that `sql` selects, if any.
  Result<std::optional<TimePoint>> next_due(const char* sql);

  // A read connection from the pool (reconnected first if it broke),
  // returned when the lease ends.
  class Reader {
   public:
    Reader(PostgresStore& store, std::unique_ptr<PgConnection> db) : m_store(store), m_db(std::move(db)) {}
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader();
    PgConnection& operator*() { return *m_db; }
    PgConnection* operator->() { return m_db.get(); }

   private:
    PostgresStore& m_store;
    std::unique_ptr<PgConnection> m_db;
  };
  Reader reader();

  const std::string m_uri;
  const std::string m_node_id;
  PgStatistics m_statistics;  // outlives the writer, whose jobs report to it
  PgWriter m_writer;
  std::unique_ptr<PgListener> m_listener;  // set by watch_work()
  std::mutex m_pool_mutex;
  std::condition_variable m_pool_cv;
  std::vector<std::unique_ptr<PgConnection>> m_readers;  // idle ones; guarded by m_pool_mutex
};

}  // namespace hubbub
