// The store contract (websub/store.h) for every engine: each case runs on
// each engine, tagged with the engine's name (unit/store/store_contract.h).
#include "unit/store/store_contract.h"

#include <algorithm>
#include <cstdio>
#include <future>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "support/store_builders.h"
#include "util/random.h"
#include "websub/limits.h"

using namespace hubbub;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

using test::k_t0;

using test::wait_for_write;

NewRequest request(RequestMode mode, std::string callback, std::optional<std::string> secret = std::nullopt,
                   TimePoint at = k_t0) {
  NewRequest r;
  r.id = random_token(24);
  r.mode = mode;
  r.topic = "http://p/t";
  r.callback = std::move(callback);
  r.secret = std::move(secret);
  if (mode == RequestMode::subscribe) {
    r.lease_granted = seconds{100};
  }
  r.created_at = at;
  return r;
}

using test::add_request;
using test::add_subscription;

void complete(Store& store, const std::string& id, RequestState state, TimePoint at = k_t0) {
  REQUIRE(wait_for_write([&](Store::Done d) { store.complete_request({id, state, std::nullopt, at, at}, d); }));
}

}  // namespace

STORE_CONTRACT(records_requests_durably, "records requests durably and finds them by id", "") {
  const NewRequest r = request(RequestMode::subscribe, "http://s/cb", std::string("k\0ey", 4));
  add_request(engine.store(), r);
  engine.reopen();
  Store* store = &engine.store();
  auto found = store->find_request(r.id).value();
  REQUIRE(found);
  CHECK(found->state == RequestState::pending);
  CHECK(found->secret == std::string("k\0ey", 4));
  CHECK(found->lease_granted == seconds{100});
  CHECK_FALSE(store->find_request("nope").value());
}

STORE_CONTRACT(counts_pending_requests_per_origin, "counts pending requests per callback origin (A2: rebuilt at start)",
               "") {
  Store* store = &engine.store();
  add_request(*store, request(RequestMode::subscribe, "http://a.example/cb1"));
  add_request(*store, request(RequestMode::unsubscribe, "http://a.example:80/cb2?x=1"));
  add_request(*store, request(RequestMode::subscribe, "https://a.example/cb"));
  const std::string done = add_request(*store, request(RequestMode::subscribe, "http://b.example:8080/cb"));
  complete(*store, done, RequestState::failed);
  auto counts = store->pending_requests_per_origin().value();
  std::sort(counts.begin(), counts.end());
  REQUIRE(counts.size() == 2);
  CHECK(counts[0] == std::pair<std::string, std::int64_t>{"http://a.example:80", 2});
  CHECK(counts[1] == std::pair<std::string, std::int64_t>{"https://a.example:443", 1});
}

STORE_CONTRACT(counts_pending_requests_in_write_order,
               "pending counts read in write order: after the answers of the writes before, before the next's",
               "[A2]") {
  Store* store = &engine.store();
  // Each write's answer and the read's are recorded in the order they come;
  // writes before and after the read are queued without waiting, as the
  // intake does while a node refreshes its counts.
  std::mutex mutex;
  std::vector<std::string> order;
  std::promise<void> all_done;
  int left = 5;
  auto note = [&](std::string what) {
    std::lock_guard lock(mutex);
    order.push_back(std::move(what));
    if (--left == 0) {
      all_done.set_value();
    }
  };
  RequestLog::PendingCounts seen;
  for (int i = 0; i < 2; ++i) {
    store->add_request(request(RequestMode::subscribe, "http://a.example/before" + std::to_string(i)),
                       [&, i](Status s) {
                         CHECK(s);
                         note("before" + std::to_string(i));
                       });
  }
  store->pending_requests_per_origin_in_write_order([&](Result<RequestLog::PendingCounts> counts) {
    REQUIRE(counts);
    seen = *counts;
    note("read");
  });
  for (int i = 0; i < 2; ++i) {
    store->add_request(request(RequestMode::subscribe, "http://a.example/after" + std::to_string(i)), [&, i](Status s) {
      CHECK(s);
      note("after" + std::to_string(i));
    });
  }
  REQUIRE(all_done.get_future().wait_for(seconds{20}) == std::future_status::ready);
  CHECK(order == std::vector<std::string>{"before0", "before1", "read", "after0", "after1"});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::pair<std::string, std::int64_t>{"http://a.example:80", 2});
  CHECK(store->pending_requests_per_origin().value().at(0).second == 4);
}

STORE_CONTRACT(claims_requests_once_per_pair, "claims due requests once, one per pair, counting attempts", "") {
  Store* store = &engine.store();
  const std::string a = add_request(*store, request(RequestMode::subscribe, "http://s/a"));
  const std::string a2 = add_request(*store, request(RequestMode::unsubscribe, "http://s/a"));
  const std::string b = add_request(*store, request(RequestMode::subscribe, "http://s/b"));
  CHECK(store->claim_due_requests(k_t0 - milliseconds{1}, seconds{60}, 10, {}).value().empty());
  auto claimed = store->claim_due_requests(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(claimed.size() == 2);  // a2 waits for a
  CHECK(claimed[0].attempts == 1);
  CHECK(store->claim_due_requests(k_t0, seconds{60}, 10, {}).value().empty());
  CHECK(store->next_request_due().value() == k_t0);  // a2, unclaimed but blocked
  complete(*store, a, RequestState::verified);
  auto next = store->claim_due_requests(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(next.size() == 1);
  CHECK(next[0].id == a2);
  // A lapsed claim is handed out again; release_all_claims frees them at once.
  CHECK(store->claim_due_requests(k_t0 + seconds{61}, seconds{60}, 10, {}).value().size() == 2);
  REQUIRE(store->release_all_claims());
  CHECK(store->claim_due_requests(k_t0, seconds{60}, 10, {}).value().size() == 2);
  (void)b;
}

STORE_CONTRACT(reschedules_a_claimed_request, "reschedules a claimed request with its error", "") {
  Store* store = &engine.store();
  const std::string id = add_request(*store, request(RequestMode::subscribe, "http://s/a"));
  REQUIRE(store->claim_due_requests(k_t0, seconds{60}, 10, {}).value().size() == 1);
  REQUIRE(wait_for_write(
      [&](Store::Done d) { store->retry_request(id, k_t0 + seconds{30}, "HTTP 500", k_t0 + seconds{2}, d); }));
  // The row is stamped with the caller's time, not the machine's clock.
  CHECK(store->find_request(id).value()->updated_at == k_t0 + seconds{2});
  CHECK(store->claim_due_requests(k_t0 + seconds{29}, seconds{60}, 10, {}).value().empty());
  CHECK(store->next_request_due().value() == k_t0 + seconds{30});
  auto again = store->claim_due_requests(k_t0 + seconds{30}, seconds{60}, 10, {}).value();
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);
  CHECK(again[0].last_error == "HTTP 500");
}

STORE_CONTRACT(verified_subscribe_creates_and_renews,
               "a verified subscribe creates, renews and re-keys without duplicates", "[SUB-10][SUB-13][STATE-02]") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a", "one")), RequestState::verified);
  auto sub = store->find_subscription("http://p/t", "http://s/a").value();
  REQUIRE(sub);
  CHECK(sub->secret == "one");
  CHECK(sub->expires_at == k_t0 + seconds{100});

  const TimePoint later = k_t0 + seconds{50};
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a", std::nullopt, later)),
           RequestState::verified, later);
  auto renewed = store->active_subscriptions("http://p/t", later).value();
  REQUIRE(renewed.size() == 1);
  CHECK_FALSE(renewed[0].secret);
  CHECK(renewed[0].expires_at == later + seconds{100});
}

STORE_CONTRACT(failed_requests_leave_subscriptions,
               "failed or denied requests leave subscriptions exactly as they were", "[SUB-12][STATE-03]") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a", "old")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a", "new")), RequestState::failed);
  complete(*store, add_request(*store, request(RequestMode::unsubscribe, "http://s/a")), RequestState::failed);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::denied);
  auto sub = store->find_subscription("http://p/t", "http://s/a").value();
  REQUIRE(sub);
  CHECK(sub->secret == "old");
  CHECK_FALSE(store->find_subscription("http://p/t", "http://s/b").value());
}

STORE_CONTRACT(verified_unsubscribe_removes_its_pair, "a verified unsubscribe removes only its own pair",
               "[STATE-01][STATE-04]") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::unsubscribe, "http://s/a")), RequestState::verified);
  auto active = store->active_subscriptions("http://p/t", k_t0).value();
  REQUIRE(active.size() == 1);
  CHECK(active[0].callback == "http://s/b");
  // Unsubscribing an unknown pair is fine (V20).
  complete(*store, add_request(*store, request(RequestMode::unsubscribe, "http://s/zzz")), RequestState::verified);
}

STORE_CONTRACT(expired_subscriptions_are_swept, "expired subscriptions stop counting at expiry and are swept",
               "[STATE-05][VER-09]") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  CHECK(store->active_subscriptions("http://p/t", k_t0 + seconds{99}).value().size() == 1);
  CHECK(store->active_subscriptions("http://p/t", k_t0 + seconds{100}).value().empty());
  CHECK(store->remove_expired_subscriptions(k_t0 + seconds{99}).value() == 0);
  CHECK(store->remove_expired_subscriptions(k_t0 + seconds{100}).value() == 1);
  CHECK_FALSE(store->find_subscription("http://p/t", "http://s/a").value());
}

STORE_CONTRACT(purges_finished_requests, "purges finished requests after retention, never pending ones", "") {
  Store* store = &engine.store();
  const std::string done = add_request(*store, request(RequestMode::subscribe, "http://s/a"));
  complete(*store, done, RequestState::failed);
  const std::string open = add_request(*store, request(RequestMode::subscribe, "http://s/b"));
  CHECK(store->purge_finished_requests(k_t0 + seconds{1}).value() == 1);
  CHECK_FALSE(store->find_request(done).value());
  CHECK(store->find_request(open).value());
}

namespace {

std::int64_t first_fetch(Store& store, TimePoint now = k_t0) {
  auto jobs = store.claim_due_fetches(now, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  return jobs[0].id;
}

Result<FetchFinished> finish_with_hand_off(Store& store, FetchOutcome o) {
  std::promise<Result<FetchFinished>> p;
  store.finish_fetch(std::move(o), [&p](Result<FetchFinished> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

// The deliveries queued.
Result<std::size_t> finish(Store& store, FetchOutcome o) {
  HUBBUB_TRY_ASSIGN(finished, finish_with_hand_off(store, std::move(o)));
  return finished->queued;
}

FetchOutcome distributed(std::int64_t id, std::string body, TimePoint at = k_t0) {
  FetchOutcome o;
  o.id = id;
  o.state = FetchState::distributed;
  o.content = Content{0, "http://p/t", "text/plain", std::move(body)};
  o.content_hash = "h-" + o.content->body;
  o.etag = "\"e1\"";
  o.at = at;
  return o;
}

}  // namespace

namespace {

Result<FanoutStep> extend(Store& store, std::size_t chunk, TimePoint now = k_t0) {
  std::promise<Result<FanoutStep>> p;
  store.extend_fanouts(now, chunk, [&p](Result<FanoutStep> r) { p.set_value(r); });
  return p.get_future().get();
}

}  // namespace

STORE_CONTRACT(fans_out_in_chunks, "a fan-out is written a chunk a transaction, each subscription once", "[D1]") {
  Store* store = &engine.store();
  for (int i = 0; i < 7; ++i) {
    const TimePoint at = i == 2 ? k_t0 - seconds{100} : k_t0;  // the third has expired at k_t0
    complete(*store,
             add_request(*store, request(RequestMode::subscribe, "http://s/" + std::to_string(i), std::nullopt, at)),
             RequestState::verified, at);
  }
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  FetchOutcome o = distributed(first_fetch(*store), "v1");
  o.fanout_chunk = 3;
  CHECK(finish(*store, std::move(o)).value() == 3);  // the first chunk, with the fetch
  CHECK(store->find_publish("pub1").value()->topics[0].subscribers == 3);
  const FanoutStep second = extend(*store, 3).value();
  CHECK(second.queued == 3);
  CHECK(second.more);  // a full chunk: there may be more
  const FanoutStep last = extend(*store, 3).value();
  CHECK(last.queued == 0);
  CHECK_FALSE(last.more);
  CHECK(extend(*store, 3).value().queued == 0);
  CHECK(store->find_publish("pub1").value()->topics[0].subscribers == 6);

  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 100, {}).value();
  std::set<std::string> callbacks;
  for (const auto& job : jobs) {
    callbacks.insert(job.callback);
  }
  CHECK(jobs.size() == 6);
  CHECK(callbacks ==
        std::set<std::string>{"http://s/0", "http://s/1", "http://s/3", "http://s/4", "http://s/5", "http://s/6"});
}

STORE_CONTRACT(hands_first_deliveries_off,
               "a fan-out claims its first deliveries for the distributor as it queues them, busy origins left out",
               "[D1]") {
  Store* store = &engine.store();
  // By id: a, busy, b, c, expired, d, e; c has a secret.
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://a.example/1")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://busy.example/2")),
           RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://b.example/3")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://c.example/4", "k4")),
           RequestState::verified);
  complete(
      *store,
      add_request(*store, request(RequestMode::subscribe, "http://old.example/5", std::nullopt, k_t0 - seconds{100})),
      RequestState::verified, k_t0 - seconds{100});
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://d.example/6")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://e.example/7")), RequestState::verified);
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  FetchOutcome o = distributed(first_fetch(*store), "v1");
  o.fanout_chunk = 5;
  o.hand_off.max = 4;  // the first four active subscriptions: a, busy, b, c
  o.hand_off.claim = seconds{60};
  o.hand_off.busy_origins = {"http://busy.example:80"};
  const FetchFinished finished = finish_with_hand_off(*store, std::move(o)).value();
  CHECK(finished.queued == 5);  // the chunk: a, busy, b, c, d
  std::set<std::string> handed;
  for (const auto& job : finished.handed_off) {
    handed.insert(job.callback);
    CHECK(job.attempts == 1);
    CHECK(job.topic == "http://p/t");
    CHECK(job.expires_at == k_t0 + seconds{100});
    CHECK(job.created_at == k_t0);
    CHECK(job.published_at == k_t0);
    CHECK(job.delivery_id.size() == 24);
    CHECK_FALSE(job.replay);
    CHECK(job.secret == (job.callback == "http://c.example/4" ? std::optional<std::string>("k4") : std::nullopt));
  }
  CHECK(handed == std::set<std::string>{"http://a.example/1", "http://b.example/3", "http://c.example/4"});
  // Claimed: a claim passes them over until their claim lapses, and takes
  // the rest of the chunk.
  auto rest = store->claim_due_deliveries(k_t0, seconds{60}, 100, {}).value();
  std::set<std::string> claimed;
  for (const auto& job : rest) {
    claimed.insert(job.callback);
  }
  CHECK(claimed == std::set<std::string>{"http://busy.example/2", "http://d.example/6"});
  // A handed-off delivery settles like a claimed one; the others' claims
  // lapse like any claim.
  const DeliveryJob& first = finished.handed_off.front();
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries({{first.id, DeliveryState::delivered, 204, std::nullopt, k_t0, false}}, d);
  }));
  auto lapsed = store->claim_due_deliveries(k_t0 + seconds{61}, seconds{60}, 100, {}).value();
  CHECK(lapsed.size() == 4);
  for (const auto& job : lapsed) {
    CHECK(job.id != first.id);
    CHECK(job.attempts == 2);
  }
  // The rest of the fan-out is written as before, none of it claimed.
  const FanoutStep next = extend(*store, 5).value();
  CHECK(next.queued == 1);  // e
  CHECK(store->claim_due_deliveries(k_t0 + seconds{61}, seconds{60}, 100, {}).value().size() == 1);
}

STORE_CONTRACT(keeps_signing_choices, "a subscriber's signing choices go from its request to its deliveries",
               "[signing_choices]") {
  Store* store = &engine.store();
  NewRequest chosen = request(RequestMode::subscribe, "http://s/a", "ka");
  chosen.signature_algorithm = SignatureAlgorithm::sha384;
  chosen.standard_webhooks = false;
  complete(*store, add_request(*store, chosen), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/b", "kb")), RequestState::verified);
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  CHECK(finish(*store, distributed(first_fetch(*store), "v1")).value() == 2);
  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 2);
  std::sort(jobs.begin(), jobs.end(), [](const auto& x, const auto& y) { return x.callback < y.callback; });
  CHECK(jobs[0].signature_algorithm == SignatureAlgorithm::sha384);
  CHECK(jobs[0].standard_webhooks == false);
  CHECK_FALSE(jobs[1].signature_algorithm);  // the hub's settings
  CHECK_FALSE(jobs[1].standard_webhooks);

  // A renewal without them returns the subscription to the hub's settings.
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a", "ka")), RequestState::verified);
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries({{jobs[0].id, DeliveryState::delivered, 200, std::nullopt, k_t0, false},
                              {jobs[1].id, DeliveryState::delivered, 200, std::nullopt, k_t0, false}},
                             d);
  }));
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"pub2", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  CHECK(finish(*store, distributed(first_fetch(*store), "v2")).value() == 2);
  const auto renewed = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(renewed.size() == 2);
  for (const auto& job : renewed) {
    INFO(job.callback);
    CHECK_FALSE(job.signature_algorithm);
    CHECK_FALSE(job.standard_webhooks);
  }
}

STORE_CONTRACT(fans_content_out_once, "fans a fetched content out to every active subscription, once", "[D1][D13]") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a", "ka")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  const std::int64_t fetch = first_fetch(*store);
  CHECK(finish(*store, distributed(fetch, "v1")).value() == 2);
  CHECK(store->count_queued_deliveries(100).value() == 2);  // D15: the fetcher's count, bounded
  CHECK(store->count_queued_deliveries(1).value() == 1);

  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].callback == "http://s/a");
  CHECK(jobs[0].secret == "ka");
  CHECK(jobs[0].attempts == 1);
  CHECK(jobs[0].delivery_id.size() == 24);
  CHECK(jobs[0].delivery_id != jobs[1].delivery_id);
  auto content = store->find_content(jobs[0].content_id).value();
  REQUIRE(content);
  CHECK(content->body == "v1");
  CHECK(content->content_type == "text/plain");
  CHECK(store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value().empty());

  // Delivered, retried, dead: the publish status counts them.
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries(
        {{jobs[0].id, DeliveryState::delivered, 204, std::nullopt, k_t0, false, false, k_t0 + seconds{3}},
         {jobs[1].id, DeliveryState::pending, 500, "HTTP 500", k_t0 + seconds{30}, false, false, k_t0 + seconds{3}}},
        d);
  }));
  // Each row is stamped with its outcome's time, not the machine's clock.
  const auto sub = store->find_subscription(jobs[0].topic, jobs[0].callback).value();
  REQUIRE(sub);
  const auto shown = store->subscription_deliveries(sub->id, 10).value();
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].updated_at == k_t0 + seconds{3});
  auto status = store->find_publish("pub1").value();
  REQUIRE(status);
  REQUIRE(status->topics.size() == 1);
  CHECK(status->topics[0].state == FetchState::distributed);
  CHECK(status->topics[0].subscribers == 2);
  CHECK(status->topics[0].delivered == 1);
  CHECK(status->topics[0].retrying == 1);
  auto retry = store->claim_due_deliveries(k_t0 + seconds{30}, seconds{60}, 10, {}).value();
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].delivery_id == jobs[1].delivery_id);  // the same id on every attempt (D9)
  CHECK(retry[0].attempts == 2);
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries({{retry[0].id, DeliveryState::dead, 500, "gave up", k_t0, false}}, d);
  }));
  CHECK(store->find_publish("pub1").value()->topics[0].failed == 1);
  CHECK(store->count_queued_deliveries(100).value() == 0);
  // The dead letter did not end the subscription (STATE-07).
  CHECK(store->find_subscription("http://p/t", "http://s/b").value());
}

STORE_CONTRACT(gone_ends_the_subscription,
               "410 ends the subscription, deliveries of ended or expired subscriptions are dropped",
               "[STATE-08][D13]") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  REQUIRE(finish(*store, distributed(first_fetch(*store), "v1")).value() == 2);
  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 2);
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries({{jobs[0].id, DeliveryState::dropped, 410, "gone", k_t0, true},
                              {jobs[1].id, DeliveryState::pending, 500, "HTTP 500", k_t0, false}},
                             d);
  }));
  CHECK_FALSE(store->find_subscription("http://p/t", "http://s/a").value());
  // After the lease ends the pending one is dropped instead of handed out.
  CHECK(store->claim_due_deliveries(k_t0 + seconds{100}, seconds{60}, 10, {}).value().empty());
  CHECK(store->find_publish("pub1").value()->topics[0].failed == 2);
}

STORE_CONTRACT(fetches_of_a_topic_run_in_order,
               "fetches of one topic run one at a time and keep the topic's validators", "") {
  Store* store = &engine.store();
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->add_publish({"p1", {"http://p/t", "http://p/u"}, std::nullopt, k_t0}, d);
  }));
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"p2", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  auto first = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(first.size() == 2);  // t (from p1) and u; t from p2 waits
  CHECK_FALSE(first[0].etag);
  REQUIRE(finish(*store, distributed(first[0].id, "v1")));
  auto second = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(second.size() == 1);
  CHECK(second[0].topic == "http://p/t");
  CHECK(second[0].etag == "\"e1\"");
  CHECK(second[0].content_hash == "h-v1");
  FetchOutcome unchanged{second[0].id, FetchState::unchanged, std::nullopt, std::nullopt,
                         std::nullopt, std::nullopt,          std::nullopt, k_t0};
  CHECK(finish(*store, unchanged).value() == 0);
  CHECK(store->find_publish("p2").value()->topics[0].state == FetchState::unchanged);
}

STORE_CONTRACT(settled_fetch_writes_nothing,
               "a fetch finished again once settled writes nothing: no deliveries, no validators", "") {
  Store* store = &engine.store();
  add_subscription(*store, "http://p/t", "http://s.example/cb", k_t0);
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"p1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  const std::int64_t fetch = first_fetch(*store);
  REQUIRE(finish(*store, distributed(fetch, "v1")).value() == 1);
  FetchOutcome again = distributed(fetch, "v2");
  again.etag = "\"e2\"";
  CHECK(finish(*store, std::move(again)).value() == 0);
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"p2", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  auto next = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(next.size() == 1);
  CHECK(next[0].etag == "\"e1\"");
  CHECK(next[0].content_hash == "h-v1");
  CHECK(store->find_publish("p1").value()->topics[0].delivered + store->find_publish("p1").value()->topics[0].pending ==
        1);
}

STORE_CONTRACT(fat_ping_stores_its_content, "a fat ping stores its content with the ping", "") {
  Store* store = &engine.store();
  NewPublish fat{"fat", {"http://p/t"}, Content{0, "http://p/t", std::nullopt, std::string("\0bin", 4)}, k_t0};
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish(fat, d); }));
  auto jobs = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  REQUIRE(jobs[0].content_id);
  auto content = store->find_content(*jobs[0].content_id).value();
  REQUIRE(content);
  CHECK(content->body == std::string("\0bin", 4));
  CHECK_FALSE(content->content_type);
}

STORE_CONTRACT(delivery_claims_skip_busy_origins, "delivery claims skip busy callback origins", "") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://slow.example:8080/a")),
           RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "https://fast.example/b?x=1")),
           RequestState::verified);
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  REQUIRE(finish(*store, distributed(first_fetch(*store), "v1")).value() == 2);
  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 10, {"http://slow.example:8080"}).value();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].origin == "https://fast.example:443");
  auto rest = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].origin == "http://slow.example:8080");
}

STORE_CONTRACT(fetch_coalesces_earlier_pings,
               "a fetch answers the pings of its topic that arrived before it began, never a fat ping's", "[D15]") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  for (const char* id : {"p1", "p2", "p3"}) {
    REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({id, {"http://p/t"}, std::nullopt, k_t0}, d); }));
  }
  auto jobs = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].covers_up_to == jobs[0].id + 2);
  // Arrived after the fetch began: not covered.
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"p4", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  FetchOutcome o = distributed(jobs[0].id, "v1");
  o.covers_up_to = jobs[0].covers_up_to;
  CHECK(finish(*store, std::move(o)).value() == 1);
  CHECK(store->find_publish("p1").value()->topics[0].state == FetchState::distributed);
  CHECK(store->find_publish("p2").value()->topics[0].state == FetchState::coalesced);
  CHECK(store->find_publish("p3").value()->topics[0].state == FetchState::coalesced);
  CHECK(store->find_publish("p4").value()->topics[0].state == FetchState::pending);

  // A fat ping is never folded into a fetch, nor are the pings after it.
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->add_publish({"fat", {"http://p/t"}, Content{0, "http://p/t", "text/plain", "fat"}, k_t0}, d);
  }));
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"p6", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  jobs = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].covers_up_to == jobs[0].id);  // p4 alone
}

STORE_CONTRACT(request_claims_share_between_hosts,
               "a claim gives each callback host a bounded share and takes other hosts' requests instead", "") {
  Store* store = &engine.store();
  // 30 requests of a slow host arrive first, then one of another host.
  for (int i = 0; i < 30; ++i) {
    add_request(*store, request(RequestMode::subscribe, "http://slow.example/cb" + std::to_string(i), std::nullopt,
                                k_t0 + milliseconds{i}));
  }
  const std::string other = add_request(
      *store, request(RequestMode::subscribe, "http://fast.example/cb", std::nullopt, k_t0 + milliseconds{100}));
  OriginShare share;
  share.per_origin = 4;
  auto first = store->claim_due_requests(k_t0 + seconds{1}, seconds{60}, 20, share).value();
  REQUIRE(first.size() == 5);
  CHECK(std::count_if(first.begin(), first.end(),
                      [](const RequestRecord& r) { return r.callback.starts_with("http://slow.example/"); }) == 4);
  CHECK(std::any_of(first.begin(), first.end(), [&](const RequestRecord& r) { return r.id == other; }));
  // What was handed back is claimable again, its attempt not counted.
  share.in_flight = {{"http://slow.example:80", 2}};
  auto second = store->claim_due_requests(k_t0 + seconds{1}, seconds{60}, 20, share).value();
  REQUIRE(second.size() == 2);
  for (const auto& r : second) {
    CHECK(r.attempts == 1);
  }
  // A host already at its share gets nothing.
  share.in_flight = {{"http://slow.example:80", 4}};
  CHECK(store->claim_due_requests(k_t0 + seconds{1}, seconds{60}, 20, share).value().empty());
  // Without a share the claim takes everything due.
  CHECK(store->claim_due_requests(k_t0 + seconds{1}, seconds{60}, 100, {}).value().size() == 24);
}

STORE_CONTRACT(fetch_claims_share_between_hosts, "a claim of fetches gives each topic host a bounded share", "") {
  Store* store = &engine.store();
  std::vector<std::string> slow;
  for (int i = 0; i < 10; ++i) {
    slow.push_back("http://slow.example/t" + std::to_string(i));
  }
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"p1", slow, std::nullopt, k_t0}, d); }));
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->add_publish({"p2", {"http://fast.example/t"}, std::nullopt, k_t0}, d);
  }));
  OriginShare share;
  share.per_origin = 3;
  auto jobs = store->claim_due_fetches(k_t0, seconds{60}, 8, share).value();
  REQUIRE(jobs.size() == 4);
  CHECK(std::count_if(jobs.begin(), jobs.end(),
                      [](const FetchJob& j) { return j.topic.starts_with("http://slow.example/"); }) == 3);
  CHECK(std::any_of(jobs.begin(), jobs.end(), [](const FetchJob& j) { return j.topic == "http://fast.example/t"; }));
}

STORE_CONTRACT(purges_run_in_batches, "purges run in bounded batches and remove everything due (C: purge)", "") {
  Store* store = &engine.store();
  const std::size_t n = 2 * k_purge_batch_rows + 500;
  for (std::size_t i = 0; i < n; ++i) {
    complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/" + std::to_string(i))),
             RequestState::failed);
  }
  add_request(*store, request(RequestMode::subscribe, "http://s/pending"));
  CHECK(store->purge_finished_requests(k_t0 + seconds{1}).value() == n);
  CHECK(store->purge_finished_requests(k_t0 + seconds{1}).value() == 0);
  CHECK(store->statistics(k_t0).value().pending_requests == 1);
}

namespace {

// A verified subscription of `topic` by `callback` (lease 100 s from `at`).
Subscription subscribe(Store& store, const std::string& topic, const std::string& callback, TimePoint at = k_t0) {
  NewRequest r = request(RequestMode::subscribe, callback, std::nullopt, at);
  r.topic = topic;
  complete(store, add_request(store, r), RequestState::verified, at);
  return store.find_subscription(topic, callback).value().value();
}

// Publishes `topic` and distributes `body` to its subscribers at `at`.
std::int64_t publish(Store& store, const std::string& id, const std::string& topic, const std::string& body,
                     TimePoint at = k_t0) {
  REQUIRE(wait_for_write([&](Store::Done d) { store.add_publish({id, {topic}, std::nullopt, at}, d); }));
  auto jobs = store.claim_due_fetches(at, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  FetchOutcome o = distributed(jobs[0].id, body, at);
  o.content->topic = topic;
  return static_cast<std::int64_t>(finish(store, std::move(o)).value());
}

}  // namespace

STORE_CONTRACT(caps_count_topic_and_host,
               "caps count a topic's and a callback host's active subscriptions, not the pair's own", "[SEC-08]") {
  using Scope = SubscriptionCapReached::Scope;
  Store* store = &engine.store();
  subscribe(*store, "http://p/t", "http://a.example/1");
  subscribe(*store, "http://p/t", "http://a.example:80/2");
  subscribe(*store, "http://p/u", "http://a.example/3");
  subscribe(*store, "http://p/t", "http://b.example/1");
  subscribe(*store, "http://p/t", "http://a.example/old", k_t0 - seconds{100});  // expired at k_t0
  auto reached = [&](std::string topic, std::string callback, SubscriptionCaps caps) {
    return store->subscription_cap_reached(topic, callback, k_t0, caps).value();
  };
  // A renewal of a/1: the topic has a/2 and b/1 besides, the host a/2 and
  // a/3; the pair itself and the expired one do not count.
  CHECK_FALSE(reached("http://p/t", "http://a.example/1", {3, 3}));
  auto topic = reached("http://p/t", "http://a.example/1", {2, 0});
  REQUIRE(topic);
  CHECK(topic->scope == Scope::topic);
  CHECK(topic->count == 2);
  auto host = reached("http://p/t", "http://a.example/1", {0, 2});
  REQUIRE(host);
  CHECK(host->scope == Scope::callback_host);
  CHECK(host->count == 2);
  CHECK(reached("http://p/t", "http://a.example/1", {2, 2})->scope == Scope::topic);  // the topic's first
  // A new pair counts every active one, up to the cap.
  CHECK(reached("http://p/t", "http://c.example/1", {2, 0})->count == 2);
  CHECK(reached("http://p/t", "http://c.example/1", {4, 0}) == std::nullopt);
  CHECK(reached("http://p/v", "http://c.example/1", {1, 1}) == std::nullopt);
  CHECK(reached("http://p/v", "http://c.example/1", {0, 0}) == std::nullopt);  // no caps
}

STORE_CONTRACT(cap_tallies_follow_subscriptions, "the caps see subscriptions added, renewed, unsubscribed and expired",
               "[SEC-08]") {
  Store* store = &engine.store();
  const std::string topic = "http://p/t";
  auto topic_count = [&](SubscriptionCaps caps) -> std::int64_t {
    auto r = store->subscription_cap_reached(topic, "http://h.example/new", k_t0, caps).value();
    return r ? r->count : -1;
  };
  for (int i = 0; i < 3; ++i) {
    subscribe(*store, topic, "http://h.example/" + std::to_string(i));
  }
  CHECK(topic_count({3, 0}) == 3);
  CHECK(topic_count({0, 3}) == 3);                 // all on one host
  subscribe(*store, topic, "http://h.example/0");  // a renewal is not another one
  CHECK(topic_count({4, 0}) == -1);
  complete(*store, add_request(*store, request(RequestMode::unsubscribe, "http://h.example/1")),
           RequestState::verified);
  CHECK(topic_count({3, 0}) == -1);
  CHECK(topic_count({0, 3}) == -1);
  CHECK(topic_count({2, 0}) == 2);
  // Swept at the end of their leases, then made again: counted again.
  REQUIRE(store->remove_expired_subscriptions(k_t0 + seconds{1000}).value() == 2);
  CHECK(topic_count({1, 1}) == -1);
  for (int i = 0; i < 3; ++i) {
    subscribe(*store, topic, "http://h.example/" + std::to_string(i), k_t0 + seconds{1000});
  }
  auto later = store->subscription_cap_reached(topic, "http://h.example/new", k_t0 + seconds{1000}, {3, 3}).value();
  REQUIRE(later);
  CHECK(later->count == 3);
}

STORE_CONTRACT(failed_fetch_is_retried_then_settled, "a failed fetch is retried when due, then settled with its error",
               "") {
  Store* store = &engine.store();
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"p1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  CHECK(store->next_fetch_due().value() == k_t0);
  auto jobs = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  CHECK_FALSE(store->next_fetch_due().value());  // claimed: nothing else pending
  REQUIRE(
      wait_for_write([&](Store::Done d) { store->retry_fetch(jobs[0].id, k_t0 + seconds{30}, "HTTP 503", k_t0, d); }));
  CHECK(store->next_fetch_due().value() == k_t0 + seconds{30});
  CHECK(store->claim_due_fetches(k_t0 + seconds{29}, seconds{60}, 10, {}).value().empty());
  auto again = store->claim_due_fetches(k_t0 + seconds{30}, seconds{60}, 10, {}).value();
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);
  auto status = store->find_publish("p1").value().value();
  CHECK(status.topics[0].last_error == "HTTP 503");
  FetchOutcome failed{again[0].id,  FetchState::failed, "HTTP 404",   std::nullopt,
                      std::nullopt, std::nullopt,       std::nullopt, k_t0 + seconds{31}};
  CHECK(finish(*store, failed).value() == 0);
  status = store->find_publish("p1").value().value();
  CHECK(status.topics[0].state == FetchState::failed);
  CHECK(status.topics[0].last_error == "HTTP 404");
  CHECK_FALSE(status.topics[0].subscribers);  // unknown for a fetch that failed
  // Settling it again changes nothing.
  CHECK(finish(*store, failed).value() == 0);
  CHECK_FALSE(store->next_fetch_due().value());
}

STORE_CONTRACT(counts_big_topics_by_tally,
               "a topic's subscribers are counted one by one up to a bound, then read from its tally", "[PUB-05]") {
  Store* store = &engine.store();
  // k_exact_subscriber_count + 3 active and 2 expired, written in a few
  // batches: every write is submitted before any is waited for.
  const std::size_t active = static_cast<std::size_t>(k_exact_subscriber_count) + 3;
  std::vector<NewRequest> requests;
  for (std::size_t i = 0; i < active + 2; ++i) {
    const TimePoint at = i < active ? k_t0 : k_t0 - seconds{200};
    NewRequest r = request(RequestMode::subscribe, "http://s/" + std::to_string(i), std::nullopt, at);
    r.topic = "http://p/big";
    requests.push_back(std::move(r));
  }
  auto all = [&](const std::function<void(const NewRequest&, Store::Done)>& write) {
    std::vector<std::shared_ptr<std::promise<Status>>> done;
    for (const auto& r : requests) {
      auto p = std::make_shared<std::promise<Status>>();
      done.push_back(p);
      write(r, [p](Status st) { p->set_value(std::move(st)); });
    }
    for (auto& p : done) {
      REQUIRE(p->get_future().get());
    }
  };
  all([&](const NewRequest& r, Store::Done d) { store->add_request(r, std::move(d)); });
  all([&](const NewRequest& r, Store::Done d) {
    store->complete_request({r.id, RequestState::verified, std::nullopt, r.created_at, r.created_at}, std::move(d));
  });
  subscribe(*store, "http://p/small", "http://s/a");
  // Below the bound: exact, the expired left out.
  CHECK(store->count_active_subscriptions("http://p/small", k_t0).value() == 1);
  CHECK(store->count_active_subscriptions("http://p/small", k_t0 + seconds{100}).value() == 0);
  // Beyond it: the tally, which counts the expired ones until the sweep.
  CHECK(store->count_active_subscriptions("http://p/big", k_t0).value() == active + 2);
  // Expired, all of them: none, counted one by one.
  CHECK(store->count_active_subscriptions("http://p/big", k_t0 + seconds{100}).value() == 0);
}

STORE_CONTRACT(fetch_without_subscribers, "a fetch for a topic without subscribers queues nothing and counts none",
               "") {
  Store* store = &engine.store();
  subscribe(*store, "http://p/other", "http://s/a");
  CHECK(store->count_active_subscriptions("http://p/t", k_t0).value() == 0);
  CHECK(store->count_active_subscriptions("http://p/other", k_t0).value() == 1);
  CHECK(store->count_active_subscriptions("http://p/other", k_t0 + seconds{100}).value() == 0);
  REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({"p1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  auto jobs = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  FetchOutcome none{
      jobs[0].id, FetchState::no_subscribers, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
      k_t0};
  CHECK(finish(*store, none).value() == 0);
  const auto status = store->find_publish("p1").value().value();
  CHECK(status.topics[0].state == FetchState::no_subscribers);
  CHECK(status.topics[0].subscribers == 0);
  CHECK(store->count_queued_deliveries(10).value() == 0);
}

STORE_CONTRACT(paused_host_deliveries_wait, "a paused host's deliveries wait out the pause, attempts untouched", "") {
  Store* store = &engine.store();
  subscribe(*store, "http://p/t", "http://slow.example/a");
  subscribe(*store, "http://p/t", "http://slow.example/b");
  subscribe(*store, "http://p/t", "http://fast.example/c");
  REQUIRE(publish(*store, "p1", "http://p/t", "v1") == 3);
  CHECK(store->next_delivery_due().value() == k_t0);
  // One of the slow host's deliveries is claimed, and handed back unsent (the
  // breaker opened): its attempt is taken back.
  auto claimed = store->claim_due_deliveries(k_t0, seconds{60}, 1, {"http://fast.example:80"}).value();
  REQUIRE(claimed.size() == 1);
  REQUIRE(claimed[0].origin == "http://slow.example:80");
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries(
        {{claimed[0].id, DeliveryState::pending, std::nullopt, "paused", k_t0 + seconds{60}, false, true, k_t0}}, d);
  }));
  REQUIRE(wait_for_write([&](Store::Done d) { store->defer_origin("http://slow.example:80", k_t0 + seconds{60}, d); }));
  auto now = store->claim_due_deliveries(k_t0 + seconds{1}, seconds{60}, 10, {}).value();
  REQUIRE(now.size() == 1);
  CHECK(now[0].origin == "http://fast.example:80");
  CHECK(store->next_delivery_due().value() == k_t0 + seconds{60});
  auto later = store->claim_due_deliveries(k_t0 + seconds{60}, seconds{60}, 10, {}).value();
  REQUIRE(later.size() == 2);
  for (const auto& job : later) {
    CHECK(job.origin == "http://slow.example:80");
    CHECK(job.attempts == 1);  // neither the pause nor the uncharged attempt counted
  }
  // A later pause never brings a delivery forward.
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries(
        {{later[0].id, DeliveryState::pending, 500, "HTTP 500", k_t0 + seconds{600}, false, false, k_t0 + seconds{60}}},
        d);
  }));
  REQUIRE(
      wait_for_write([&](Store::Done d) { store->defer_origin("http://slow.example:80", k_t0 + seconds{120}, d); }));
  CHECK(store->next_delivery_due().value() == k_t0 + seconds{600});
}

STORE_CONTRACT(admin_lists_and_filters, "the admin queries list, filter, find and delete subscriptions and topics",
               "") {
  Store* store = &engine.store();
  const Subscription a = subscribe(*store, "http://p/t", "http://a.example:9000/cb");
  const Subscription b = subscribe(*store, "http://p/t", "http://b.example/cb");
  const Subscription c = subscribe(*store, "http://p/u", "http://a.example:9000/other");
  REQUIRE(publish(*store, "p1", "http://p/t", "v1", k_t0 + seconds{1}) == 2);

  auto all = store->list_subscriptions(std::nullopt, std::nullopt, 10, 0).value();
  REQUIRE(all.size() == 3);
  CHECK(all[0].subscription.id == c.id);  // newest first
  CHECK_FALSE(all[0].last_delivery);
  REQUIRE(all[2].last_delivery);
  CHECK(all[2].last_delivery->state == DeliveryState::pending);
  CHECK(all[2].last_delivery->callback == a.callback);
  CHECK(store->list_subscriptions(std::string("http://p/t"), std::nullopt, 10, 0).value().size() == 2);
  CHECK(store->list_subscriptions(std::nullopt, std::string("a.example"), 10, 0).value().size() == 2);
  CHECK(store->list_subscriptions(std::nullopt, std::string("a.example:9000"), 10, 0).value().size() == 2);
  CHECK(store->list_subscriptions(std::nullopt, std::string("a.example:80"), 10, 0).value().empty());
  auto page = store->list_subscriptions(std::string("http://p/t"), std::string("b.example"), 10, 0).value();
  REQUIRE(page.size() == 1);
  CHECK(page[0].subscription.id == b.id);
  CHECK(store->list_subscriptions(std::nullopt, std::nullopt, 2, 2).value().size() == 1);

  auto found = store->find_subscription_by_id(a.id).value();
  REQUIRE(found);
  CHECK(found->callback == a.callback);
  CHECK_FALSE(store->find_subscription_by_id(a.id + 1000).value());

  auto topics = store->list_topics(k_t0 + seconds{2}, 10, 0).value();
  REQUIRE(topics.size() == 2);
  CHECK(topics[0].topic == "http://p/t");
  CHECK(topics[0].subscribers == 2);
  CHECK(topics[0].last_published_at == k_t0 + seconds{1});
  CHECK(topics[0].last_fetched_at == k_t0 + seconds{1});
  CHECK(topics[1].topic == "http://p/u");
  CHECK_FALSE(topics[1].last_published_at);
  CHECK(store->list_topics(k_t0 + seconds{2}, 10, 1).value().size() == 1);
  CHECK(store->list_topics(k_t0 + seconds{100}, 10, 0).value().empty());  // every lease ended

  CHECK(store->delete_subscription(b.id).value());
  CHECK_FALSE(store->delete_subscription(b.id).value());
  CHECK_FALSE(store->find_subscription("http://p/t", b.callback).value());
  CHECK(store->statistics(k_t0).value().active_subscriptions == 2);
}

STORE_CONTRACT(dead_letters_listed_and_retried, "dead letters are listed newest first and can be queued again",
               "[DIST-12]") {
  Store* store = &engine.store();
  subscribe(*store, "http://p/t", "http://s/a");
  subscribe(*store, "http://p/t", "http://s/b");
  REQUIRE(publish(*store, "p1", "http://p/t", "v1") == 2);
  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 2);
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries(
        {{jobs[0].id, DeliveryState::dead, 500, "first", k_t0, false, false, k_t0 + seconds{1}},
         {jobs[1].id, DeliveryState::dead, std::nullopt, "second", k_t0, false, false, k_t0 + seconds{2}}},
        d);
  }));
  auto dead = store->list_dead_letters(10, 0).value();
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].last_error == "second");
  CHECK_FALSE(dead[0].last_status);
  CHECK(dead[1].last_status == 500);
  CHECK(store->list_dead_letters(10, 1).value().size() == 1);
  auto stats = store->statistics(k_t0).value();
  CHECK(stats.dead_letters == 2);
  CHECK(stats.pending_deliveries == 0);

  CHECK(store->retry_dead_letter(dead[0].id, k_t0 + seconds{5}).value());
  CHECK_FALSE(store->retry_dead_letter(dead[0].id, k_t0 + seconds{5}).value());  // no longer a dead letter
  CHECK_FALSE(store->retry_dead_letter(dead[0].id + 1000, k_t0).value());
  CHECK(store->list_dead_letters(10, 0).value().size() == 1);
  CHECK(store->next_delivery_due().value() == k_t0 + seconds{5});
  auto again = store->claim_due_deliveries(k_t0 + seconds{5}, seconds{60}, 10, {}).value();
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 1);  // its attempts start over
  CHECK(again[0].delivery_id == jobs[1].delivery_id);
}

STORE_CONTRACT(purges_finished_publishes, "purging publishes removes what was delivered or dropped, keeps dead letters",
               "") {
  Store* store = &engine.store();
  subscribe(*store, "http://p/t", "http://s/a");
  subscribe(*store, "http://p/t", "http://s/b");
  REQUIRE(publish(*store, "old", "http://p/t", "old body") == 2);
  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 2);
  REQUIRE(wait_for_write([&](Store::Done d) {
    store->settle_deliveries({{jobs[0].id, DeliveryState::delivered, 204, std::nullopt, k_t0, false, false, k_t0},
                              {jobs[1].id, DeliveryState::dead, 500, "gave up", k_t0, false, false, k_t0}},
                             d);
  }));
  REQUIRE(publish(*store, "done", "http://p/u", "nobody", k_t0) == 0);
  const TimePoint later = k_t0 + seconds{10};
  REQUIRE(publish(*store, "new", "http://p/t", "new body", later) == 2);

  CHECK(store->purge_finished_publishes(later).value() > 0);
  // The dead letter and what it needs stay; so does the newer publish.
  CHECK(store->list_dead_letters(10, 0).value().size() == 1);
  auto old = store->find_publish("old").value();
  REQUIRE(old);
  CHECK(old->topics[0].failed == 1);
  CHECK(old->topics[0].delivered == 0);
  CHECK(store->find_content(jobs[1].content_id).value());
  CHECK_FALSE(store->find_publish("done").value());
  CHECK(store->find_publish("new").value());
  CHECK(store->statistics(later).value().pending_deliveries == 2);
  CHECK(store->purge_finished_publishes(later).value() == 0);
}

STORE_CONTRACT(control_flushes_and_reports, "flush waits for every earlier write and the store reports itself writable",
               "") {
  Store* store = &engine.store();
  CHECK(store->check_writable(k_t0));
  std::vector<int> order;
  std::mutex m;
  for (int i = 0; i < 20; ++i) {
    store->add_request(request(RequestMode::subscribe, "http://s/" + std::to_string(i)), [&, i](Status s) {
      std::lock_guard lock(m);
      order.push_back(s ? i : -1);
    });
  }
  store->flush();
  {
    std::lock_guard lock(m);
    REQUIRE(order.size() == 20);
    CHECK(std::is_sorted(order.begin(), order.end()));  // one thread's writes commit in order
    CHECK(order.front() == 0);
  }
  CHECK(store->statistics(k_t0).value().pending_requests == 20);
  CHECK(store->check_writable(k_t0));
}

STORE_CONTRACT(pauses_are_recorded, "a host's pause is recorded for every node, kept, and never shortened", "[D12]") {
  Store* store = &engine.store();
  CHECK(store->origin_pauses(k_t0).value().empty());
  REQUIRE(wait_for_write([&](Store::Done d) { store->defer_origin("http://slow.example:80", k_t0 + seconds{60}, d); }));
  REQUIRE(
      wait_for_write([&](Store::Done d) { store->defer_origin("http://other.example:80", k_t0 + seconds{30}, d); }));
  // A shorter pause recorded later (a stale deferral) does not shorten it.
  REQUIRE(wait_for_write([&](Store::Done d) { store->defer_origin("http://slow.example:80", k_t0 + seconds{10}, d); }));
  engine.reopen();  // a restart keeps them
  store = &engine.store();
  auto pauses = store->origin_pauses(k_t0 + seconds{1}).value();
  std::sort(pauses.begin(), pauses.end());
  REQUIRE(pauses.size() == 2);
  CHECK(pauses[0] == std::pair<std::string, TimePoint>{"http://other.example:80", k_t0 + seconds{30}});
  CHECK(pauses[1] == std::pair<std::string, TimePoint>{"http://slow.example:80", k_t0 + seconds{60}});
  // Over at its end.
  pauses = store->origin_pauses(k_t0 + seconds{30}).value();
  REQUIRE(pauses.size() == 1);
  CHECK(pauses[0].first == "http://slow.example:80");
  CHECK(store->origin_pauses(k_t0 + seconds{60}).value().empty());
  // A longer one replaces it; pauses long over are removed with it.
  REQUIRE(
      wait_for_write([&](Store::Done d) { store->defer_origin("http://slow.example:80", k_t0 + seconds{3600}, d); }));
  pauses = store->origin_pauses(k_t0).value();
  REQUIRE(pauses.size() == 1);
  CHECK(pauses[0].second == k_t0 + seconds{3600});
}

STORE_CONTRACT(a_node_leads_and_reports_health, "a lone node holds the leadership and the writer reports its commits",
               "") {
  Store* store = &engine.store();
  REQUIRE(store->hold_leadership(k_t0, seconds{15}).value());
  REQUIRE(store->hold_leadership(k_t0 + seconds{2}, seconds{15}).value());  // renewed
  REQUIRE(store->release_leadership());
  REQUIRE(store->hold_leadership(k_t0 + seconds{3}, seconds{15}).value());  // and taken again
  const StoreHealth before = store->health();
  CHECK(before.connected);
  add_request(*store, request(RequestMode::subscribe, "http://a.example/cb"));
  const StoreHealth after = store->health();
  CHECK(after.commits > before.commits);
  CHECK(after.last_commit_seconds >= 0);
}

namespace {

// Verifies a subscribe of "http://s/a" to http://p/t at `at` with `secret`,
// keeping a replaced secret for `grace`.
void verify_with_grace(Store& store, std::optional<std::string> secret, TimePoint at, Millis grace) {
  const std::string id = add_request(store, request(RequestMode::subscribe, "http://s/a", std::move(secret), at));
  RequestCompletion c{id, RequestState::verified, std::nullopt, at, at};
  c.secret_grace = grace;
  REQUIRE(wait_for_write([&](Store::Done d) { store.complete_request(c, d); }));
}

// Publishes http://p/t at `at` and claims (and settles) its one delivery.
DeliveryJob deliver_once(Store& store, TimePoint at) {
  static int n = 0;
  const std::string id = "pub" + std::to_string(++n);
  REQUIRE(wait_for_write([&](Store::Done d) { store.add_publish({id, {"http://p/t"}, std::nullopt, at}, d); }));
  REQUIRE(finish(store, distributed(first_fetch(store, at), "body " + id, at)).value() == 1);
  auto jobs = store.claim_due_deliveries(at, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  REQUIRE(wait_for_write([&](Store::Done d) {
    store.settle_deliveries({{jobs[0].id, DeliveryState::delivered, 200, std::nullopt, at, false}}, d);
  }));
  return jobs[0];
}

}  // namespace

STORE_CONTRACT(keeps_replaced_secret, "a renewal that changes the secret keeps the old one signing for its grace",
               "[rotation]") {
  Store* store = &engine.store();
  const Millis grace = seconds{30};
  verify_with_grace(*store, "old", k_t0, grace);
  DeliveryJob job = deliver_once(*store, k_t0);
  CHECK(job.secret == "old");
  CHECK_FALSE(job.previous_secret);

  verify_with_grace(*store, "new", k_t0 + seconds{1}, grace);  // grace until k_t0 + 31 s
  job = deliver_once(*store, k_t0 + seconds{2});
  CHECK(job.secret == "new");
  CHECK(job.previous_secret == "old");
  job = deliver_once(*store, k_t0 + seconds{32});
  CHECK(job.secret == "new");
  CHECK_FALSE(job.previous_secret);  // the grace is over

  verify_with_grace(*store, "newer", k_t0 + seconds{40}, Millis{0});  // no grace
  job = deliver_once(*store, k_t0 + seconds{41});
  CHECK(job.secret == "newer");
  CHECK_FALSE(job.previous_secret);

  verify_with_grace(*store, std::string("r\0t", 3), k_t0 + seconds{50}, grace);  // grace until k_t0 + 80 s
  verify_with_grace(*store, std::string("r\0t", 3), k_t0 + seconds{51}, grace);  // the same secret: grace runs on
  job = deliver_once(*store, k_t0 + seconds{52});
  CHECK(job.secret == std::string("r\0t", 3));
  CHECK(job.previous_secret == "newer");

  verify_with_grace(*store, std::nullopt, k_t0 + seconds{60}, grace);  // no secret: nothing signs
  job = deliver_once(*store, k_t0 + seconds{61});
  CHECK_FALSE(job.secret);
  CHECK_FALSE(job.previous_secret);
}

STORE_CONTRACT(queues_reconfirmations,
               "queues one re-confirmation per lease, within min(window, half a lease) of its end",
               "[reconfirm][STATE-09]") {
  Store* store = &engine.store();
  NewRequest a = request(RequestMode::subscribe, "http://s/a", "ka");  // lease 100 s, from k_t0
  a.signature_algorithm = SignatureAlgorithm::sha512;
  complete(*store, add_request(*store, a), RequestState::verified);
  // Expired, and renewing on its own: never re-confirmed.
  complete(*store,
           add_request(*store, request(RequestMode::subscribe, "http://s/old", std::nullopt, k_t0 - seconds{200})),
           RequestState::verified, k_t0 - seconds{200});
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  add_request(*store, request(RequestMode::subscribe, "http://s/b", std::nullopt, k_t0 + seconds{1}));  // still pending
  const Millis window = seconds{3600};  // half a lease wins

  CHECK(store->queue_reconfirmations(k_t0 + seconds{49}, window, 10).value() == 0);
  CHECK(store->queue_reconfirmations(k_t0 + seconds{50}, window, 10).value() == 1);
  CHECK(store->queue_reconfirmations(k_t0 + seconds{51}, window, 10).value() == 0);  // once per lease
  auto claimed = store->claim_due_requests(k_t0 + seconds{52}, seconds{60}, 10, {}).value();
  std::erase_if(claimed, [](const RequestRecord& r) { return r.callback != "http://s/a"; });
  REQUIRE(claimed.size() == 1);
  const RequestRecord& r = claimed[0];
  CHECK(r.mode == RequestMode::subscribe);
  CHECK(r.topic == "http://p/t");
  CHECK(r.secret == "ka");
  CHECK(r.lease_granted == seconds{100});
  CHECK(r.signature_algorithm == SignatureAlgorithm::sha512);
  CHECK_FALSE(r.lease_requested);

  // Confirmed: the lease runs from the verification, and the next lease is
  // re-confirmed in its turn.
  complete(*store, r.id, RequestState::verified, k_t0 + seconds{52});  // expires at k_t0 + 152 s
  CHECK(store->find_subscription("http://p/t", "http://s/a").value()->expires_at == k_t0 + seconds{152});
  CHECK(store->queue_reconfirmations(k_t0 + seconds{60}, window, 10).value() == 0);
  // A window narrower than half a lease.
  CHECK(store->queue_reconfirmations(k_t0 + seconds{102}, seconds{10}, 10).value() == 0);
  CHECK(store->queue_reconfirmations(k_t0 + seconds{141}, seconds{10}, 10).value() == 0);
  CHECK(store->queue_reconfirmations(k_t0 + seconds{142}, seconds{10}, 10).value() == 1);
  // The lease ended: nothing more.
  CHECK(store->queue_reconfirmations(k_t0 + seconds{152}, window, 10).value() == 0);
}

STORE_CONTRACT(
    replays_notifications,
    "replays the kept notifications of a topic to one subscription, and a publish to its topic's subscribers",
    "[replay]") {
  Store* store = &engine.store();
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/a", "ka")), RequestState::verified);
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  const std::int64_t a = store->find_subscription("http://p/t", "http://s/a").value()->id;
  // Three notifications, 10 s apart, delivered to both.
  std::set<std::string> first_ids;
  for (int i = 0; i < 3; ++i) {
    const TimePoint at = k_t0 + seconds{10 * i};
    REQUIRE(wait_for_write([&](Store::Done d) {
      store->add_publish({"pub" + std::to_string(i), {"http://p/t"}, std::nullopt, at}, d);
    }));
    REQUIRE(finish(*store, distributed(first_fetch(*store, at), "v" + std::to_string(i), at)).value() == 2);
    const auto jobs = store->claim_due_deliveries(at, seconds{60}, 10, {}).value();
    for (const auto& job : jobs) {
      CHECK_FALSE(job.replay);
      first_ids.insert(job.delivery_id);
      REQUIRE(wait_for_write([&](Store::Done d) {
        store->settle_deliveries({{job.id, DeliveryState::delivered, 200, std::nullopt, at, false}}, d);
      }));
    }
  }
  const TimePoint now = k_t0 + seconds{30};
  // Claims what a replay queued: each job's body, in order.
  auto replayed = [&]() {
    std::vector<std::pair<std::string, std::string>> out;  // callback, body
    const auto jobs = store->claim_due_deliveries(now, seconds{60}, 10, {}).value();
    for (const auto& job : jobs) {
      CHECK(job.replay);
      CHECK(first_ids.count(job.delivery_id) == 0);  // a new delivery id
      CHECK(job.published_at == now);
      out.emplace_back(job.callback, store->find_content(job.content_id).value()->body);
      REQUIRE(wait_for_write([&](Store::Done d) {
        store->settle_deliveries({{job.id, DeliveryState::delivered, 200, std::nullopt, now, false}}, d);
      }));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  using Sent = std::vector<std::pair<std::string, std::string>>;

  CHECK(store->replay_to_subscription(a, {k_t0 + seconds{10}, 0}, now).value() == std::optional<std::size_t>(2));
  CHECK(replayed() == Sent{{"http://s/a", "v1"}, {"http://s/a", "v2"}});
  CHECK(store->replay_to_subscription(a, {std::nullopt, 1}, now).value() == std::optional<std::size_t>(1));
  CHECK(replayed() == Sent{{"http://s/a", "v2"}});
  CHECK(store->replay_to_subscription(a, {k_t0 + seconds{25}, 0}, now).value() == std::optional<std::size_t>(0));
  CHECK_FALSE(store->replay_to_subscription(a + 1000, {std::nullopt, 1}, now).value());
  CHECK_FALSE(store->replay_to_subscription(a, {std::nullopt, 1}, k_t0 + seconds{200}).value());  // expired

  CHECK(store->replay_publish("pub0", now).value() == std::optional<std::size_t>(2));
  CHECK(replayed() == Sent{{"http://s/a", "v0"}, {"http://s/b", "v0"}});
  CHECK_FALSE(store->replay_publish("nope", now).value());
  // The publish's monitor counts its own deliveries, not the replays.
  const auto status = store->find_publish("pub0").value();
  REQUIRE(status);
  CHECK(status->topics.at(0).delivered == 2);
  CHECK(status->topics.at(0).pending == 0);
}

STORE_CONTRACT(fans_out_feed_diffs,
               "a diffed feed goes to the subscriptions that take diffs, the whole content to the others, nothing "
               "new to nobody",
               "[feed_diff]") {
  Store* store = &engine.store();
  NewRequest takes = request(RequestMode::subscribe, "http://s/takes");
  takes.feed_diff = true;
  NewRequest refuses = request(RequestMode::subscribe, "http://s/refuses");
  refuses.feed_diff = false;
  complete(*store, add_request(*store, request(RequestMode::subscribe, "http://s/default")), RequestState::verified);
  complete(*store, add_request(*store, takes), RequestState::verified);
  complete(*store, add_request(*store, refuses), RequestState::verified);
  CHECK(store->feed_diff_wanted("http://p/t", k_t0, false).value());  // "takes" does
  CHECK_FALSE(store->feed_diff_wanted("http://p/other", k_t0, true).value());

  int n = 0;
  // Publishes at `at` with `feed`; returns callback -> body sent, and the
  // fetch's state.
  auto fan_out = [&](std::optional<FetchOutcome::FeedDiff> feed, TimePoint at) {
    const std::string id = "pub" + std::to_string(++n);
    REQUIRE(wait_for_write([&](Store::Done d) { store->add_publish({id, {"http://p/t"}, std::nullopt, at}, d); }));
    FetchOutcome o = distributed(first_fetch(*store, at), "whole " + id, at);
    o.feed = std::move(feed);
    REQUIRE(finish(*store, std::move(o)));
    std::map<std::string, std::string> sent;
    const auto jobs = store->claim_due_deliveries(at, seconds{60}, 10, {}).value();
    for (const auto& job : jobs) {
      sent[job.callback] = store->find_content(job.content_id).value()->body;
      REQUIRE(wait_for_write([&](Store::Done d) {
        store->settle_deliveries({{job.id, DeliveryState::delivered, 200, std::nullopt, at, false}}, d);
      }));
    }
    return std::pair{sent, store->find_publish(id).value()->topics.at(0).state};
  };
  using Sent = std::map<std::string, std::string>;

  FetchOutcome::FeedDiff diff{"diff 1", false, {{"k1", "h1"}, {"k2", "h2"}}};
  auto [sent, state] = fan_out(diff, k_t0);
  CHECK(state == FetchState::distributed);
  CHECK(sent ==
        Sent{{"http://s/default", "whole pub1"}, {"http://s/refuses", "whole pub1"}, {"http://s/takes", "diff 1"}});
  CHECK(store->feed_entries("http://p/t").value() ==
        std::unordered_map<std::string, std::string>{{"k1", "h1"}, {"k2", "h2"}});

  diff = {"diff 2", true, {{"k1", "h1b"}, {"k3", "h3"}}};  // diffs by default
  std::tie(sent, state) = fan_out(diff, k_t0 + seconds{1});
  CHECK(sent == Sent{{"http://s/default", "diff 2"}, {"http://s/refuses", "whole pub2"}, {"http://s/takes", "diff 2"}});
  CHECK(store->feed_entries("http://p/t").value() ==
        std::unordered_map<std::string, std::string>{{"k1", "h1b"}, {"k2", "h2"}, {"k3", "h3"}});

  // Nothing new: the diff takers get nothing, the others the whole content.
  std::tie(sent, state) = fan_out(FetchOutcome::FeedDiff{std::nullopt, true, {}}, k_t0 + seconds{2});
  CHECK(state == FetchState::distributed);
  CHECK(sent == Sent{{"http://s/refuses", "whole pub3"}});
  // When everyone takes diffs, the fetch is unchanged.
  NewRequest now_takes = refuses;
  now_takes.id = random_token(24);
  now_takes.feed_diff = true;
  complete(*store, add_request(*store, now_takes), RequestState::verified, k_t0 + seconds{3});
  std::tie(sent, state) = fan_out(FetchOutcome::FeedDiff{std::nullopt, true, {}}, k_t0 + seconds{4});
  CHECK(sent.empty());
  CHECK(state == FetchState::unchanged);

  // Entries unseen for longer than k_feed_entry_max_age are forgotten.
  const TimePoint later = k_t0 + k_feed_entry_max_age + seconds{10};
  NewRequest renewed = takes;
  renewed.id = random_token(24);
  renewed.created_at = later;
  complete(*store, add_request(*store, renewed), RequestState::verified, later);
  fan_out(FetchOutcome::FeedDiff{"diff 5", true, {{"k9", "h9"}}}, later);
  CHECK(store->feed_entries("http://p/t").value() == std::unordered_map<std::string, std::string>{{"k9", "h9"}});
}
