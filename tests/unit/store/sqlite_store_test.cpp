#include "store/sqlite_store.h"

#include <catch2/catch.hpp>

#include <future>

#include "support/temp_dir.h"
#include "util/random.h"

using namespace hubbub;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const TimePoint k_t0 = from_unix_ms(1'800'000'000'000);

Status wait(const std::function<void(Store::Done)>& write) {
  std::promise<Status> p;
  write([&p](Status s) { p.set_value(s); });
  return p.get_future().get();
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
    auto store = SqliteStore::open(dir.file("hub.db")).value();
    add(*store, r);
  }
  auto store = SqliteStore::open(dir.file("hub.db")).value();
  auto found = store->find_request(r.id).value();
  REQUIRE(found);
  CHECK(found->state == RequestState::pending);
  CHECK(found->secret == std::string("k\0ey", 4));
  CHECK(found->lease_granted == seconds{100});
  CHECK_FALSE(store->find_request("nope").value());
}

TEST_CASE("claims due requests once, one per pair, counting attempts", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db")).value();
  const std::string a = add(*store, request(RequestMode::subscribe, "http://s/a"));
  const std::string a2 = add(*store, request(RequestMode::unsubscribe, "http://s/a"));
  const std::string b = add(*store, request(RequestMode::subscribe, "http://s/b"));
  CHECK(store->claim_due_requests(k_t0 - milliseconds{1}, seconds{60}, 10).value().empty());
  auto claimed = store->claim_due_requests(k_t0, seconds{60}, 10).value();
  REQUIRE(claimed.size() == 2);  // a2 waits for a
  CHECK(claimed[0].attempts == 1);
  CHECK(store->claim_due_requests(k_t0, seconds{60}, 10).value().empty());
  CHECK(store->next_request_due().value() == k_t0);  // a2, unclaimed but blocked
  complete(*store, a, RequestState::verified);
  auto next = store->claim_due_requests(k_t0, seconds{60}, 10).value();
  REQUIRE(next.size() == 1);
  CHECK(next[0].id == a2);
  // A lapsed claim is handed out again; release_all_claims frees them at once.
  CHECK(store->claim_due_requests(k_t0 + seconds{61}, seconds{60}, 10).value().size() == 2);
  REQUIRE(store->release_all_claims());
  CHECK(store->claim_due_requests(k_t0, seconds{60}, 10).value().size() == 2);
  (void)b;
}

TEST_CASE("reschedules a claimed request with its error", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db")).value();
  const std::string id = add(*store, request(RequestMode::subscribe, "http://s/a"));
  REQUIRE(store->claim_due_requests(k_t0, seconds{60}, 10).value().size() == 1);
  REQUIRE(wait([&](Store::Done d) { store->retry_request(id, k_t0 + seconds{30}, "HTTP 500", d); }));
  CHECK(store->claim_due_requests(k_t0 + seconds{29}, seconds{60}, 10).value().empty());
  CHECK(store->next_request_due().value() == k_t0 + seconds{30});
  auto again = store->claim_due_requests(k_t0 + seconds{30}, seconds{60}, 10).value();
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);
  CHECK(again[0].last_error == "HTTP 500");
}

TEST_CASE("a verified subscribe creates, renews and re-keys without duplicates (SUB-10, SUB-13, STATE-02)",
          "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db")).value();
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

TEST_CASE("failed or denied requests leave subscriptions exactly as they were (SUB-12, STATE-03)",
          "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db")).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a", "old")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a", "new")), RequestState::failed);
  complete(*store, add(*store, request(RequestMode::unsubscribe, "http://s/a")), RequestState::failed);
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::denied);
  auto sub = store->find_subscription("http://p/t", "http://s/a").value();
  REQUIRE(sub);
  CHECK(sub->secret == "old");
  CHECK_FALSE(store->find_subscription("http://p/t", "http://s/b").value());
}

TEST_CASE("a verified unsubscribe removes only its own pair (STATE-01, STATE-04)", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db")).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/b")), RequestState::verified);
  complete(*store, add(*store, request(RequestMode::unsubscribe, "http://s/a")), RequestState::verified);
  auto active = store->active_subscriptions("http://p/t", k_t0).value();
  REQUIRE(active.size() == 1);
  CHECK(active[0].callback == "http://s/b");
  // Unsubscribing an unknown pair is fine (V20).
  complete(*store, add(*store, request(RequestMode::unsubscribe, "http://s/zzz")), RequestState::verified);
}

TEST_CASE("expired subscriptions stop counting at expiry and are swept (STATE-05, VER-09)",
          "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db")).value();
  complete(*store, add(*store, request(RequestMode::subscribe, "http://s/a")), RequestState::verified);
  CHECK(store->active_subscriptions("http://p/t", k_t0 + seconds{99}).value().size() == 1);
  CHECK(store->active_subscriptions("http://p/t", k_t0 + seconds{100}).value().empty());
  CHECK(store->remove_expired_subscriptions(k_t0 + seconds{99}).value() == 0);
  CHECK(store->remove_expired_subscriptions(k_t0 + seconds{100}).value() == 1);
  CHECK_FALSE(store->find_subscription("http://p/t", "http://s/a").value());
}

TEST_CASE("purges finished requests after retention, never pending ones", "[store][sqlite_store]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.file("hub.db")).value();
  const std::string done = add(*store, request(RequestMode::subscribe, "http://s/a"));
  complete(*store, done, RequestState::failed);
  const std::string open = add(*store, request(RequestMode::subscribe, "http://s/b"));
  CHECK(store->purge_finished_requests(k_t0 + seconds{1}).value() == 1);
  CHECK_FALSE(store->find_request(done).value());
  CHECK(store->find_request(open).value());
}

TEST_CASE("one hub process per database file", "[store][sqlite_store]") {
  test::TempDir dir;
  auto first = SqliteStore::open(dir.file("hub.db"));
  REQUIRE(first);
  auto second = SqliteStore::open(dir.file("hub.db"));
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("in use") != std::string::npos);
}
