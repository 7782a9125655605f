#include "store/sqlite_store.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <future>

#include "support/store_writes.h"
#include "support/temp_dir.h"
#include "util/random.h"
#include "websub/limits.h"

using namespace hubbub;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const TimePoint k_t0 = test::k_test_epoch;

Status wait(const std::function<void(Store::Done)>& write) {
  return test::wait_for_write(write);
}

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

std::string add(Store& store, const NewRequest& r) {
  REQUIRE(wait([&](Store::Done d) { store.add_request(r, d); }));
  return r.id;
}

void complete(Store& store, const std::string& id, RequestState state, TimePoint at = k_t0) {
  REQUIRE(wait([&](Store::Done d) { store.complete_request({id, state, std::nullopt, at, at}, d); }));
}

}  // namespace

TEST_CASE("records requests durably and finds them by id", "[store][sqlite_store]") {
  test::TempDir dir;
  const NewRequest r = request(RequestMode::subscribe, "http://s/cb", std::string("k\0ey", 4));
  {
    auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
    add(*store, r);
  }
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  auto found = store->find_request(r.id).value();
  REQUIRE(found);
  CHECK(found->state == RequestState::pending);
  CHECK(found->secret == std::string("k\0ey", 4));
  CHECK(found->lease_granted == seconds{100});
  CHECK_FALSE(store->find_request("nope").value());
}

TEST_CASE("counts pending requests per callback origin (A2: rebuilt at start)", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  add(*store, request(RequestMode::subscribe, "http://a.example/cb1"));
  add(*store, request(RequestMode::unsubscribe, "http://a.example:80/cb2?x=1"));
  add(*store, request(RequestMode::subscribe, "https://a.example/cb"));
  const std::string done = add(*store, request(RequestMode::subscribe, "http://b.example:8080/cb"));
  complete(*store, done, RequestState::failed);
  auto counts = store->pending_requests_per_origin().value();
  std::sort(counts.begin(), counts.end());
  REQUIRE(counts.size() == 2);
  CHECK(counts[0] == std::pair<std::string, std::int64_t>{"http://a.example:80", 2});
  CHECK(counts[1] == std::pair<std::string, std::int64_t>{"https://a.example:443", 1});
}

TEST_CASE("claims due requests once, one per pair, counting attempts", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  const std::string a = add(*store, request(RequestMode::subscribe, "http://s/a"));
  const std::string a2 = add(*store, request(RequestMode::unsubscribe, "http://s/a"));
  const std::string b = add(*store, request(RequestMode::subscribe, "http://s/b"));
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

TEST_CASE("reschedules a claimed request with its error", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  const std::string id = add(*store, request(RequestMode::subscribe, "http://s/a"));
  REQUIRE(store->claim_due_requests(k_t0, seconds{60}, 10, {}).value().size() == 1);
  REQUIRE(wait([&](Store::Done d) { store->retry_request(id, k_t0 + seconds{30}, "HTTP 500", k_t0 + seconds{2}, d); }));
  // The row is stamped with the caller's time, not the machine's clock.
  CHECK(store->find_request(id).value()->updated_at == k_t0 + seconds{2});
  CHECK(store->claim_due_requests(k_t0 + seconds{29}, seconds{60}, 10, {}).value().empty());
  CHECK(store->next_request_due().value() == k_t0 + seconds{30});
  auto again = store->claim_due_requests(k_t0 + seconds{30}, seconds{60}, 10, {}).value();
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);
  CHECK(again[0].last_error == "HTTP 500");
}

TEST_CASE("a verified subscribe creates, renews and re-keys without duplicates",
          "[store][sqlite_store][SUB-10][SUB-13][STATE-02]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a", "one")), RequestState::verified);
  auto sub = store->find_subscription("http://p/t", "http://s/a").value();
  REQUIRE(sub);
  CHECK(sub->secret == "one");
  CHECK(sub->expires_at == k_t0 + seconds{100});

  const TimePoint later = k_t0 + seconds{50};
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a", std::nullopt, later)),
           RequestState::verified, later);
  auto renewed = store->active_subscriptions("http://p/t", later).value();
  REQUIRE(renewed.size() == 1);
  CHECK_FALSE(renewed[0].secret);
  CHECK(renewed[0].expires_at == later + seconds{100});
}

TEST_CASE("failed or denied requests leave subscriptions exactly as they were",
          "[store][sqlite_store][SUB-12][STATE-03]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a", "old")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a", "new")), RequestState::failed);
  complete(*store, add(*store, request(RequestMode::unsubscribe, "http://s/a")), RequestState::failed);
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::denied);
  auto sub = store->find_subscription("http://p/t", "http://s/a").value();
  REQUIRE(sub);
  CHECK(sub->secret == "old");
  CHECK_FALSE(store->find_subscription("http://p/t", "http://s/b").value());
}

TEST_CASE("a verified unsubscribe removes only its own pair", "[store][sqlite_store][STATE-01][STATE-04]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::unsubscribe, "http://s/a")), RequestState::verified);
  auto active = store->active_subscriptions("http://p/t", k_t0).value();
  REQUIRE(active.size() == 1);
  CHECK(active[0].callback == "http://s/b");
  // Unsubscribing an unknown pair is fine (V20).
  complete(*store, add(*store, request(RequestMode::unsubscribe, "http://s/zzz")), RequestState::verified);
}

TEST_CASE("expired subscriptions stop counting at expiry and are swept", "[store][sqlite_store][STATE-05][VER-09]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  CHECK(store->active_subscriptions("http://p/t", k_t0 + seconds{99}).value().size() == 1);
  CHECK(store->active_subscriptions("http://p/t", k_t0 + seconds{100}).value().empty());
  CHECK(store->remove_expired_subscriptions(k_t0 + seconds{99}).value() == 0);
  CHECK(store->remove_expired_subscriptions(k_t0 + seconds{100}).value() == 1);
  CHECK_FALSE(store->find_subscription("http://p/t", "http://s/a").value());
}

TEST_CASE("purges finished requests after retention, never pending ones", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  const std::string done = add(*store, request(RequestMode::subscribe, "http://s/a"));
  complete(*store, done, RequestState::failed);
  const std::string open = add(*store, request(RequestMode::subscribe, "http://s/b"));
  CHECK(store->purge_finished_requests(k_t0 + seconds{1}).value() == 1);
  CHECK_FALSE(store->find_request(done).value());
  CHECK(store->find_request(open).value());
}

TEST_CASE("one hub process per database file", "[store][sqlite_store]") {
  test::TempDir dir;
  auto first = SqliteStore::open(dir.file("hub.db"), test::store_clock());
  REQUIRE(first);
  auto second = SqliteStore::open(dir.file("hub.db"), test::store_clock());
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("in use") != std::string::npos);
}

TEST_CASE(
    "a database file replaced under the store is left alone, the data goes to a copy named by the "
    "hub's clock",
    "[store][sqlite_store]") {
  test::TempDir dir;
  ManualClock clock(k_t0 + seconds{7});
  auto store = SqliteStore::open(dir.file("hub.db"), clock).value();
  const std::string id = add(*store, request(RequestMode::subscribe, "http://s/cb"));
  { std::ofstream(dir.file("other.db")) << ""; }
  REQUIRE(std::rename(dir.file("other.db").c_str(), dir.file("hub.db").c_str()) == 0);
  clock.advance(seconds{5});
  CHECK_FALSE(wait([&](Store::Done d) { store->add_request(request(RequestMode::subscribe, "http://s/cb2"), d); }));
  const std::string copy = dir.file("hub.db.detached-" + std::to_string(to_unix_ms(k_t0 + seconds{12})));
  REQUIRE(std::ifstream(copy).good());
  store.reset();
  auto saved = SqliteStore::open(copy, clock).value();
  CHECK(saved->find_request(id).value());
}

namespace {

std::int64_t first_fetch(Store& store, TimePoint now = k_t0) {
  auto jobs = store.claim_due_fetches(now, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  return jobs[0].id;
}

Result<std::size_t> finish(Store& store, FetchOutcome o) {
  std::promise<Result<std::size_t>> p;
  store.finish_fetch(std::move(o), [&p](Result<std::size_t> r) { p.set_value(r); });
  return p.get_future().get();
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

TEST_CASE("fans a fetched content out to every active subscription, once", "[store][sqlite_store][D1][D13]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a", "ka")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  REQUIRE(wait([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
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
  REQUIRE(wait([&](Store::Done d) {
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
  REQUIRE(wait([&](Store::Done d) {
    store->settle_deliveries({{retry[0].id, DeliveryState::dead, 500, "gave up", k_t0, false}}, d);
  }));
  CHECK(store->find_publish("pub1").value()->topics[0].failed == 1);
  CHECK(store->count_queued_deliveries(100).value() == 0);
  // The dead letter did not end the subscription (STATE-07).
  CHECK(store->find_subscription("http://p/t", "http://s/b").value());
}

TEST_CASE("410 ends the subscription, deliveries of ended or expired subscriptions are dropped",
          "[store][sqlite_store][STATE-08][D13]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  REQUIRE(wait([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  REQUIRE(finish(*store, distributed(first_fetch(*store), "v1")).value() == 2);
  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 2);
  REQUIRE(wait([&](Store::Done d) {
    store->settle_deliveries({{jobs[0].id, DeliveryState::dropped, 410, "gone", k_t0, true},
                              {jobs[1].id, DeliveryState::pending, 500, "HTTP 500", k_t0, false}},
                             d);
  }));
  CHECK_FALSE(store->find_subscription("http://p/t", "http://s/a").value());
  // After the lease ends the pending one is dropped instead of handed out.
  CHECK(store->claim_due_deliveries(k_t0 + seconds{100}, seconds{60}, 10, {}).value().empty());
  CHECK(store->find_publish("pub1").value()->topics[0].failed == 2);
}

TEST_CASE("fetches of one topic run one at a time and keep the topic's validators", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  REQUIRE(wait([&](Store::Done d) {
    store->add_publish({"p1", {"http://p/t", "http://p/u"}, std::nullopt, k_t0}, d);
  }));
  REQUIRE(wait([&](Store::Done d) { store->add_publish({"p2", {"http://p/t"}, std::nullopt, k_t0}, d); }));
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

TEST_CASE("a fat ping stores its content with the ping", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  NewPublish fat{"fat", {"http://p/t"}, Content{0, "http://p/t", std::nullopt, std::string("\0bin", 4)}, k_t0};
  REQUIRE(wait([&](Store::Done d) { store->add_publish(fat, d); }));
  auto jobs = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  REQUIRE(jobs[0].content_id);
  auto content = store->find_content(*jobs[0].content_id).value();
  REQUIRE(content);
  CHECK(content->body == std::string("\0bin", 4));
  CHECK_FALSE(content->content_type);
}

TEST_CASE("delivery claims skip busy callback origins", "[store][sqlite_store][D11]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://slow.example:8080/a")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::subscribe, "https://fast.example/b?x=1")), RequestState::verified);
  REQUIRE(wait([&](Store::Done d) { store->add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  REQUIRE(finish(*store, distributed(first_fetch(*store), "v1")).value() == 2);
  auto jobs = store->claim_due_deliveries(k_t0, seconds{60}, 10, {"http://slow.example:8080"}).value();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].origin == "https://fast.example:443");
  auto rest = store->claim_due_deliveries(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].origin == "http://slow.example:8080");
}

TEST_CASE("a fetch answers the pings of its topic that arrived before it began, never a fat ping's",
          "[store][sqlite_store][D15]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  for (const char* id : {"p1", "p2", "p3"}) {
    REQUIRE(wait([&](Store::Done d) { store->add_publish({id, {"http://p/t"}, std::nullopt, k_t0}, d); }));
  }
  auto jobs = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].covers_up_to == jobs[0].id + 2);
  // Arrived after the fetch began: not covered.
  REQUIRE(wait([&](Store::Done d) { store->add_publish({"p4", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  FetchOutcome o = distributed(jobs[0].id, "v1");
  o.covers_up_to = jobs[0].covers_up_to;
  CHECK(finish(*store, std::move(o)).value() == 1);
  CHECK(store->find_publish("p1").value()->topics[0].state == FetchState::distributed);
  CHECK(store->find_publish("p2").value()->topics[0].state == FetchState::coalesced);
  CHECK(store->find_publish("p3").value()->topics[0].state == FetchState::coalesced);
  CHECK(store->find_publish("p4").value()->topics[0].state == FetchState::pending);

  // A fat ping is never folded into a fetch, nor are the pings after it.
  REQUIRE(wait([&](Store::Done d) {
    store->add_publish({"fat", {"http://p/t"}, Content{0, "http://p/t", "text/plain", "fat"}, k_t0}, d);
  }));
  REQUIRE(wait([&](Store::Done d) { store->add_publish({"p6", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  jobs = store->claim_due_fetches(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].covers_up_to == jobs[0].id);  // p4 alone
}

TEST_CASE("a claim gives each callback host a bounded share and takes other hosts' requests instead",
          "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  // 30 requests of a slow host arrive first, then one of another host.
  for (int i = 0; i < 30; ++i) {
    add(*store, request(RequestMode::subscribe, "http://slow.example/cb" + std::to_string(i), std::nullopt,
                        k_t0 + milliseconds{i}));
  }
  const std::string other =
      add(*store, request(RequestMode::subscribe, "http://fast.example/cb", std::nullopt, k_t0 + milliseconds{100}));
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

TEST_CASE("a claim of fetches gives each topic host a bounded share", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  std::vector<std::string> slow;
  for (int i = 0; i < 10; ++i) {
    slow.push_back("http://slow.example/t" + std::to_string(i));
  }
  REQUIRE(wait([&](Store::Done d) { store->add_publish({"p1", slow, std::nullopt, k_t0}, d); }));
  REQUIRE(wait([&](Store::Done d) { store->add_publish({"p2", {"http://fast.example/t"}, std::nullopt, k_t0}, d); }));
  OriginShare share;
  share.per_origin = 3;
  auto jobs = store->claim_due_fetches(k_t0, seconds{60}, 8, share).value();
  REQUIRE(jobs.size() == 4);
  CHECK(std::count_if(jobs.begin(), jobs.end(),
                      [](const FetchJob& j) { return j.topic.starts_with("http://slow.example/"); }) == 3);
  CHECK(std::any_of(jobs.begin(), jobs.end(), [](const FetchJob& j) { return j.topic == "http://fast.example/t"; }));
}

TEST_CASE("purges run in bounded batches and remove everything due (C: purge)", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  const std::size_t n = 2 * k_purge_batch_rows + 500;
  for (std::size_t i = 0; i < n; ++i) {
    complete(*store, add(*store, request(RequestMode::subscribe, "http://s/" + std::to_string(i))),
             RequestState::failed);
  }
  add(*store, request(RequestMode::subscribe, "http://s/pending"));
  CHECK(store->purge_finished_requests(k_t0 + seconds{1}).value() == n);
  CHECK(store->purge_finished_requests(k_t0 + seconds{1}).value() == 0);
  CHECK(store->statistics(k_t0).value().pending_requests == 1);
}
