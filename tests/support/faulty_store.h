#pragma once
// A Store for unit tests that passes every call to a real one and fails the
// writes a test asks it to, as a full or broken disk would.

#include <atomic>

#include "websub/store.h"

namespace hubbub::test {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner) : m_inner(inner) {}

  // How many of the next settle_deliveries() calls fail.
  std::atomic<int> fail_settles{0};
  // How many of the next add_request() calls fail.
  std::atomic<int> fail_adds{0};
  // How many times a content was read (find_content()).
  std::atomic<int> content_reads{0};

  void add_request(NewRequest request, Done done) override {
    if (fail_adds.load() > 0) {
      --fail_adds;
      done(fail("disk I/O error (injected)"));
      return;
    }
    m_inner.add_request(std::move(request), std::move(done));
  }
  Result<std::optional<RequestRecord>> find_request(std::string_view id) override {
    return m_inner.find_request(std::move(id));
  }
  Result<std::vector<RequestRecord>> claim_due_requests(TimePoint now, Millis claim_for, std::size_t max,
                                                        const OriginShare& share) override {
    return m_inner.claim_due_requests(now, claim_for, max, share);
  }
  Result<std::optional<TimePoint>> next_request_due() override { return m_inner.next_request_due(); }
  void retry_request(std::string id, TimePoint due_at, std::string error, TimePoint now, Done done) override {
    m_inner.retry_request(std::move(id), due_at, std::move(error), now, std::move(done));
  }
  void complete_request(RequestCompletion completion, Done done) override {
    m_inner.complete_request(std::move(completion), std::move(done));
  }
  Status release_all_claims() override { return m_inner.release_all_claims(); }
  Result<std::optional<Subscription>> find_subscription(std::string_view topic, std::string_view callback) override {
    return m_inner.find_subscription(std::move(topic), std::move(callback));
  }
  Result<std::vector<Subscription>> active_subscriptions(std::string_view topic, TimePoint now) override {
    return m_inner.active_subscriptions(std::move(topic), now);
  }
  void add_publish(NewPublish publish, Done done) override { m_inner.add_publish(std::move(publish), std::move(done)); }
  Result<std::optional<PublishStatus>> find_publish(std::string_view id) override {
    return m_inner.find_publish(std::move(id));
  }
  Result<std::vector<FetchJob>> claim_due_fetches(TimePoint now, Millis claim_for, std::size_t max,
                                                  const OriginShare& share) override {
    return m_inner.claim_due_fetches(now, claim_for, max, share);
  }
  Result<std::optional<TimePoint>> next_fetch_due() override { return m_inner.next_fetch_due(); }
  void retry_fetch(std::int64_t id, TimePoint due_at, std::string error, TimePoint now, Done done) override {
    m_inner.retry_fetch(id, due_at, std::move(error), now, std::move(done));
  }
  void finish_fetch(FetchOutcome outcome, std::function<void(Result<FetchFinished>)> done) override {
    m_inner.finish_fetch(std::move(outcome), std::move(done));
  }
  void extend_fanouts(TimePoint now, std::size_t chunk, std::function<void(Result<FanoutStep>)> done) override {
    m_inner.extend_fanouts(now, chunk, std::move(done));
  }
  Result<std::size_t> count_active_subscriptions(std::string_view topic, TimePoint now) override {
    return m_inner.count_active_subscriptions(std::move(topic), now);
  }
  Result<std::vector<DeliveryJob>> claim_due_deliveries(TimePoint now, Millis claim_for, std::size_t max,
                                                        const std::vector<std::string>& busy_origins) override {
    return m_inner.claim_due_deliveries(now, claim_for, max, busy_origins);
  }
  Result<std::optional<TimePoint>> next_delivery_due() override { return m_inner.next_delivery_due(); }
  Result<std::optional<Content>> find_content(std::int64_t content_id) override {
    ++content_reads;
    return m_inner.find_content(content_id);
  }
  void defer_origin(std::string origin, TimePoint until, Done done) override {
    m_inner.defer_origin(std::move(origin), until, std::move(done));
  }
  void settle_deliveries(std::vector<DeliveryOutcome> outcomes, Done done) override {
    if (fail_settles.load() > 0) {
      --fail_settles;
      done(fail("the database is full (injected)"));
      return;
    }
    m_inner.settle_deliveries(std::move(outcomes), std::move(done));
  }
  Result<std::vector<SubscriptionOverview>> list_subscriptions(std::optional<std::string> topic,
                                                               std::optional<std::string> callback_host,
                                                               std::size_t limit, std::size_t offset) override {
    return m_inner.list_subscriptions(std::move(topic), std::move(callback_host), limit, offset);
  }
  Result<std::optional<Subscription>> find_subscription_by_id(std::int64_t id) override {
    return m_inner.find_subscription_by_id(id);
  }
  Result<std::optional<SubscriptionCapReached>> subscription_cap_reached(std::string_view topic,
                                                                         std::string_view callback, TimePoint now,
                                                                         SubscriptionCaps caps) override {
    return m_inner.subscription_cap_reached(topic, callback, now, caps);
  }
  Result<std::int64_t> count_queued_deliveries(std::int64_t limit) override {
    return m_inner.count_queued_deliveries(limit);
  }
  Result<std::vector<std::pair<std::string, std::int64_t>>> pending_requests_per_origin() override {
    return m_inner.pending_requests_per_origin();
  }
  void pending_requests_per_origin_in_write_order(std::function<void(Result<PendingCounts>)> done) override {
    m_inner.pending_requests_per_origin_in_write_order(std::move(done));
  }
  Result<bool> delete_subscription(std::int64_t id) override { return m_inner.delete_subscription(id); }
  Result<std::vector<DeliveryRecord>> subscription_deliveries(std::int64_t id, std::size_t limit) override {
    return m_inner.subscription_deliveries(id, limit);
  }
  Result<std::vector<TopicRecord>> list_topics(TimePoint now, std::size_t limit, std::size_t offset) override {
    return m_inner.list_topics(now, limit, offset);
  }
  Result<std::vector<DeliveryRecord>> list_dead_letters(std::size_t limit, std::size_t offset) override {
    return m_inner.list_dead_letters(limit, offset);
  }
  Result<bool> retry_dead_letter(std::int64_t id, TimePoint now) override { return m_inner.retry_dead_letter(id, now); }
  Result<std::optional<std::size_t>> replay_to_subscription(std::int64_t id, const ReplaySelection& which,
                                                            TimePoint now) override {
    return m_inner.replay_to_subscription(id, which, now);
  }
  Result<std::optional<std::size_t>> replay_publish(std::string_view token, TimePoint now) override {
    return m_inner.replay_publish(token, now);
  }
  Result<std::size_t> remove_expired_subscriptions(TimePoint now) override {
    return m_inner.remove_expired_subscriptions(now);
  }
  Result<bool> feed_diff_wanted(std::string_view topic, TimePoint now, bool by_default) override {
    return m_inner.feed_diff_wanted(topic, now, by_default);
  }
  Result<std::unordered_map<std::string, std::string>> feed_entries(std::string_view topic) override {
    return m_inner.feed_entries(topic);
  }
  Result<std::size_t> queue_reconfirmations(TimePoint now, Millis before, std::size_t max) override {
    return m_inner.queue_reconfirmations(now, before, max);
  }
  Result<std::size_t> purge_finished_requests(TimePoint finished_before) override {
    return m_inner.purge_finished_requests(finished_before);
  }
  Result<std::size_t> purge_finished_publishes(TimePoint finished_before) override {
    return m_inner.purge_finished_publishes(finished_before);
  }
  void flush() override { m_inner.flush(); }
  Status check_writable(TimePoint now) override { return m_inner.check_writable(now); }
  Status set_size_limit(std::uint64_t bytes) override { return m_inner.set_size_limit(bytes); }
  Result<StoreStatistics> statistics(TimePoint now) override { return m_inner.statistics(now); }
  bool shared() const override { return m_inner.shared(); }
  StoreHealth health() const override { return m_inner.health(); }
  Result<bool> hold_leadership(TimePoint now, Millis ttl) override { return m_inner.hold_leadership(now, ttl); }
  Status release_leadership() override { return m_inner.release_leadership(); }
  Status renew_claims(TimePoint now, TimePoint until) override { return m_inner.renew_claims(now, until); }
  void watch_work(WorkHint hint) override { m_inner.watch_work(std::move(hint)); }
  Result<std::vector<std::pair<std::string, TimePoint>>> origin_pauses(TimePoint now) override {
    return m_inner.origin_pauses(now);
  }

 private:
  Store& m_inner;
};

}  // namespace hubbub::test
