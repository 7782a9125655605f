// The distributor over a real SQLite store behind a FaultyStore, a scripted
// HTTP client and a manual clock.

#include "websub/distributor.h"

#include <catch2/catch.hpp>

#include <future>
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

const TimePoint k_t0 = test::k_test_epoch;

Status wait(const std::function<void(Store::Done)>& write) {
  return test::wait_for_write(write);
}

// One active subscription of http://p/t and one delivery owed to it.
void queue_one_delivery(Store& store) {
  NewRequest r;
  r.id = random_token(24);
  r.mode = RequestMode::subscribe;
  r.topic = "http://p/t";
  r.callback = "http://s.example/cb";
  r.lease_granted = std::chrono::seconds{86400};
  r.created_at = k_t0;
  REQUIRE(wait([&](Store::Done d) { store.add_request(r, d); }));
  REQUIRE(store.claim_due_requests(k_t0, std::chrono::seconds{60}, 1, {}).value().size() == 1);
  REQUIRE(wait([&](Store::Done d) {
    store.complete_request({r.id, RequestState::verified, std::nullopt, k_t0, k_t0}, d);
  }));
  REQUIRE(wait([&](Store::Done d) { store.add_publish({"pub1", {"http://p/t"}, std::nullopt, k_t0}, d); }));
  auto fetches = store.claim_due_fetches(k_t0, std::chrono::seconds{60}, 1, {}).value();
  REQUIRE(fetches.size() == 1);
  FetchOutcome o;
  o.id = fetches[0].id;
  o.state = FetchState::distributed;
  o.content = Content{0, "http://p/t", "text/plain", "hello"};
  o.content_hash = "h";
  o.at = k_t0;
  std::promise<Result<std::size_t>> queued;
  store.finish_fetch(o, [&](Result<std::size_t> n) { queued.set_value(n); });
  REQUIRE(queued.get_future().get().value() == 1);
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
  ScriptedHttpClient http([](const HttpRequest&) {
    HttpResponse r;
    r.status = 204;
    return HttpResult(r);
  });
  DistributorSettings settings;
  settings.public_url = "http://hub.example/";
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
