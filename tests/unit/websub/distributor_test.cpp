// The distributor over a real SQLite store behind a FaultyStore, a scripted
// HTTP client and a manual clock.

#include "websub/distributor.h"

#include <catch2/catch.hpp>

#include <future>
#include <set>
#include <thread>

#include "store/sqlite_store.h"
#include "support/faulty_store.h"
#include "support/scripted_http_client.h"
#include "support/store_writes.h"
#include "support/temp_dir.h"
#include "util/random.h"

using namespace hubbub;
using hubbub::test::FaultyStore;
using hubbub::test::ScriptedHttpClient;

namespace {

using test::k_t0;

using test::wait_for_write;

// An active subscription of http://p/t by `callback`, verified.
void add_subscriber(Store& store, const std::string& callback) {
  NewRequest r;
  r.id = random_token(24);
  r.mode = RequestMode::subscribe;
  r.topic = "http://p/t";
  r.callback = callback;
  r.lease_granted = std::chrono::seconds{86400};
  r.created_at = k_t0;
  REQUIRE(wait_for_write([&](Store::Done d) { store.add_request(r, d); }));
  REQUIRE(store.claim_due_requests(k_t0, std::chrono::seconds{60}, 1, {}).value().size() == 1);
  REQUIRE(wait_for_write([&](Store::Done d) {
    store.complete_request({r.id, RequestState::verified, std::nullopt, k_t0, k_t0}, d);
  }));
}

// Every delivery accepted with a 204.
HttpResult accepted(const HttpRequest&) {
  HttpResponse r;
  r.status = 204;
  return r;
}

DistributorSettings hub_settings() {
  DistributorSettings settings;
  settings.public_url = "http://hub.example/";
  return settings;
}

// The ping "pub1" of http://p/t, its fetch claimed: the fetch's id.
std::int64_t claimed_ping(Store& store) {
  REQUIRE(wait_for_write([&](Store::Done d) { store.add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  auto fetches = store.claim_due_fetches(k_t0, std::chrono::seconds{60}, 1, {}).value();
  REQUIRE(fetches.size() == 1);
  return fetches[0].id;
}

// Fetch `id` ended with the content "hello", handing over as `hand_off` says.
FetchFinished fetched_hello(Store& store, std::int64_t id, const DeliveryHandOff& hand_off = {}) {
  FetchOutcome o;
  o.id = id;
  o.state = FetchState::distributed;
  o.content = Content{0, "http://p/t", "text/plain", "hello"};
  o.content_hash = "h";
  o.at = k_t0;
  o.hand_off = hand_off;
  std::promise<Result<FetchFinished>> finished;
  store.finish_fetch(o, [&](Result<FetchFinished> r) { finished.set_value(std::move(r)); });
  return finished.get_future().get().value();
}

// Slots for up to `want` deliveries handed over. While the loop claims, it
// holds every free slot: a reservation then finds none, and is tried again
// (bounded).
DeliveryHandOff reserve_slots(Distributor& distributor, std::size_t want) {
  DeliveryHandOff h;
  for (int i = 0; i < 500 && h.max == 0; ++i) {
    h = distributor.reserve(want);
    if (h.max == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
  }
  return h;
}

// One active subscription of http://p/t and one delivery owed to it.
void queue_one_delivery(Store& store) {
  add_subscriber(store, "http://s.example/cb");
  REQUIRE(fetched_hello(store, claimed_ping(store)).queued == 1);
}

}  // namespace

TEST_CASE("a delivery outcome whose write failed is written as soon as the store takes writes, not sent again",
          "[websub][distributor][C11]") {
  test::TempDir dir;
  auto sqlite = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  FaultyStore store(*sqlite);
  ManualClock clock(k_t0);
  queue_one_delivery(store);
  store.fail_settles = 1;  // the subscriber's 2xx cannot be recorded at first
  ScriptedHttpClient http(accepted);
  const DistributorSettings settings = hub_settings();
  Distributor distributor(store, http, clock, settings);
  distributor.start();

  auto delivered = [&] { return sqlite->find_publish("pub1").value()->topics.at(0).delivered; };
  for (int i = 0; i < 500 && (store.fail_settles.load() > 0 || delivered() == 0); ++i) {
    distributor.wake();  // the next claim writes what could not be written
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  CHECK(store.fail_settles.load() == 0);
  CHECK(delivered() == 1);
  // Long after any claim would have lapsed, nothing is sent again.
  clock.advance(std::chrono::hours{2});
  distributor.wake();
  std::this_thread::sleep_for(std::chrono::milliseconds{100});
  distributor.stop(Millis{1000});
  distributor.wait_idle();
  CHECK(http.sent().size() == 1);
}

TEST_CASE("a fan-out's first deliveries handed over are sent without a claim, in slots reserved for them",
          "[websub][distributor][D1]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  ManualClock clock(k_t0);
  for (const char* callback : {"http://a.example/cb", "http://b.example/cb", "http://c.example/cb"}) {
    add_subscriber(*store, callback);
  }
  const std::int64_t fetch = claimed_ping(*store);

  ScriptedHttpClient http(accepted);
  DistributorSettings settings = hub_settings();
  settings.max_in_flight = 2;
  Distributor distributor(*store, http, clock, settings);
  CHECK(distributor.reserve(10).max == 0);  // not started: nothing to send with
  distributor.start();

  // Slots given back unused are free again.
  const DeliveryHandOff unused = reserve_slots(distributor, 10);
  CHECK(unused.max == 2);
  CHECK(distributor.reserve(10).max == 0);
  distributor.take(unused.max, {});

  const DeliveryHandOff hand_off = reserve_slots(distributor, 10);
  REQUIRE(hand_off.max == 2);
  CHECK(hand_off.claim >= k_delivery_claim);
  CHECK(hand_off.busy_origins.empty());
  FetchFinished f = fetched_hello(*store, fetch, hand_off);
  CHECK(f.queued == 3);
  REQUIRE(f.handed_off.size() == 2);
  distributor.take(hand_off.max, std::move(f.handed_off));
  CHECK(http.sent().size() >= 2);  // sent at once, on this thread

  // The third is claimed as usual once woken; each is sent once.
  auto delivered = [&] { return store->find_publish("pub1").value()->topics.at(0).delivered; };
  for (int i = 0; i < 500 && delivered() < 3; ++i) {
    distributor.wake();
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  CHECK(delivered() == 3);
  distributor.stop(Millis{1000});
  distributor.wait_idle();
  std::set<std::string> callbacks;
  for (const auto& request : http.sent()) {
    callbacks.insert(request.url);
  }
  CHECK(http.sent().size() == 3);
  CHECK(callbacks == std::set<std::string>{"http://a.example/cb", "http://b.example/cb", "http://c.example/cb"});
}

TEST_CASE("deliveries handed over with the content their fetch remembered are sent without reading it back",
          "[websub][distributor][D1]") {
  test::TempDir dir;
  auto sqlite = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  FaultyStore store(*sqlite);
  ManualClock clock(k_t0);
  add_subscriber(store, "http://a.example/cb");
  const std::int64_t fetch = claimed_ping(store);
  ScriptedHttpClient http(accepted);
  Distributor distributor(store, http, clock, hub_settings());
  distributor.start();
  const DeliveryHandOff hand_off = reserve_slots(distributor, 1);
  REQUIRE(hand_off.max == 1);
  FetchFinished f = fetched_hello(store, fetch, hand_off);
  REQUIRE(f.handed_off.size() == 1);
  const int reads = store.content_reads.load();
  distributor.remember(f.handed_off[0].content_id, "text/plain", std::make_shared<const std::string>("hello"));
  distributor.take(hand_off.max, std::move(f.handed_off));
  REQUIRE(http.sent().size() == 1);  // sent at once, on this thread
  REQUIRE(http.sent()[0].shared_body);
  CHECK(*http.sent()[0].shared_body == "hello");
  CHECK(store.content_reads.load() == reads);
  distributor.stop(Millis{1000});
  distributor.wait_idle();
}
