// The fetcher over a real SQLite store, a scripted HTTP client and the manual
// clock: what it fetches, what a failure means, and when it tries again.

#include "websub/fetcher.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "store/sqlite_store.h"
#include "support/scripted_http_client.h"
#include "support/store_builders.h"
#include "support/temp_dir.h"

using namespace hubbub;
using hubbub::test::ScriptedHttpClient;

namespace {

using test::k_t0;
const std::string k_topic = "http://p.example/feed";

HttpResult ok(std::string body) {
  HttpResponse r;
  r.status = 200;
  r.headers = {{"content-type", "application/atom+xml"}, {"etag", "\"v1\""}};
  r.body = std::move(body);
  return r;
}

struct FetchHub {
  FetchHub() : store(SqliteStore::open(dir.file("hub.db"), test::store_clock()).value()), clock(k_t0) {
    test::add_subscription(*store, k_topic, "http://s.example/cb", k_t0);
    test::add_ping(*store, "ping1", k_topic, k_t0);
  }

  // The topic as the ping's monitor shows it once `done` holds for it
  // (bounded: a test that is wrong fails instead of hanging).
  template <class Done>
  PublishStatus::Topic wait_until(Done done) {
    PublishStatus::Topic t;
    for (int i = 0; i < 3000; ++i) {
      t = store->find_publish("ping1").value()->topics.at(0);
      if (done(t)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return t;
  }
  PublishStatus::Topic wait_for(FetchState state) {
    return wait_until([state](const PublishStatus::Topic& t) { return t.state == state; });
  }

  test::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  ManualClock clock;
};

}  // namespace

TEST_CASE("a fetched topic is distributed to its subscribers, and the distributor is woken",
          "[websub][fetcher][PUB-05]") {
  FetchHub hub;
  ScriptedHttpClient http([](const HttpRequest&) { return ok("<feed/>"); });
  std::atomic<int> woken{0};
  Fetcher fetcher(*hub.store, http, hub.clock, FetcherSettings{}, [&] { ++woken; });
  fetcher.start();
  const auto topic = hub.wait_for(FetchState::distributed);
  CHECK(topic.state == FetchState::distributed);
  CHECK(topic.subscribers == 1);
  CHECK(topic.pending == 1);
  // The distributor is woken from the commit's callback, which may run just
  // after the ping's new state became visible.
  for (int i = 0; i < 3000 && woken == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  CHECK(woken >= 1);
  const auto sent = http.sent();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].method == HttpMethod::get);
  CHECK(sent[0].url == k_topic);
  CHECK(sent[0].decode_content);
  fetcher.stop(Millis{0});
}

namespace {

// A distributor's side of a hand-off that records what it was given.
class RecordingStarter final : public DeliveryStarter {
 public:
  explicit RecordingStarter(std::size_t slots) : m_slots(slots) {}
  DeliveryHandOff reserve(std::size_t want) override {
    std::lock_guard lock(m_mutex);
    wanted = want;
    DeliveryHandOff h;
    h.max = m_slots;
    h.claim = std::chrono::seconds{60};
    return h;
  }
  void take(std::size_t reserved, std::vector<DeliveryJob> jobs) override {
    std::lock_guard lock(m_mutex);
    taken.push_back({reserved, std::move(jobs)});
  }
  void remember(std::int64_t content_id, std::optional<std::string>, std::shared_ptr<const std::string> body) override {
    std::lock_guard lock(m_mutex);
    remembered.emplace_back(content_id, body ? *body : "");
  }
  std::vector<std::pair<std::int64_t, std::string>> remembered_now() {
    std::lock_guard lock(m_mutex);
    return remembered;
  }
  std::size_t wanted_now() {
    std::lock_guard lock(m_mutex);
    return wanted;
  }
  std::vector<std::pair<std::size_t, std::vector<DeliveryJob>>> taken_now() {
    std::lock_guard lock(m_mutex);
    return taken;
  }

 private:
  std::mutex m_mutex;
  std::size_t m_slots;
  std::size_t wanted = 0;
  std::vector<std::pair<std::int64_t, std::string>> remembered;
  std::vector<std::pair<std::size_t, std::vector<DeliveryJob>>> taken;
};

}  // namespace

TEST_CASE("a fetch hands its first deliveries to the distributor, claimed, and wakes it only for the rest",
          "[websub][fetcher][D1]") {
  FetchHub hub;
  test::add_subscription(*hub.store, k_topic, "http://t.example/cb", k_t0);
  ScriptedHttpClient http([](const HttpRequest&) { return ok("<feed/>"); });
  std::atomic<int> woken{0};
  RecordingStarter starter(1);  // room for one of the two
  FetcherSettings settings;
  settings.deliveries = &starter;
  Fetcher fetcher(*hub.store, http, hub.clock, settings, [&] { ++woken; });
  fetcher.start();
  CHECK(hub.wait_for(FetchState::distributed).subscribers == 2);
  for (int i = 0; i < 3000 && starter.taken_now().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  fetcher.stop(Millis{1000});
  fetcher.wait_idle();
  CHECK(starter.wanted_now() == k_default_fanout_chunk);
  const auto taken = starter.taken_now();
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].first == 1);
  REQUIRE(taken[0].second.size() == 1);
  CHECK(taken[0].second[0].callback == "http://s.example/cb");  // the first by id
  // The content goes with them, as fetched: not read back for their sending.
  const auto remembered = starter.remembered_now();
  REQUIRE(remembered.size() == 1);
  CHECK(remembered[0].first == taken[0].second[0].content_id);
  CHECK(remembered[0].second == "<feed/>");
  CHECK(taken[0].second[0].attempts == 1);
  CHECK(woken == 1);  // for the delivery that was not handed over
  // The one handed over is claimed; the other waits for a claim.
  const auto rest = hub.store->claim_due_deliveries(k_t0, std::chrono::seconds{60}, 10, {}).value();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].callback == "http://t.example/cb");
}

TEST_CASE("a fetch the egress policy refuses fails at once, without a retry", "[websub][fetcher][S1]") {
  FetchHub hub;
  ScriptedHttpClient http([](const HttpRequest&) -> HttpResult {
    return std::unexpected(HttpError{HttpFailure::blocked_address, "10.0.0.1 is private-use"});
  });
  Fetcher fetcher(*hub.store, http, hub.clock, FetcherSettings{}, [] {});
  fetcher.start();
  const auto topic = hub.wait_for(FetchState::failed);
  CHECK(topic.state == FetchState::failed);
  REQUIRE(topic.last_error);
  CHECK(*topic.last_error == "blocked_address: 10.0.0.1 is private-use");
  CHECK(http.sent().size() == 1);
  fetcher.stop(Millis{0});
}

TEST_CASE("a transient failure is tried again once its backoff has passed on the hub's clock",
          "[websub][fetcher][PUB-05]") {
  FetchHub hub;
  std::atomic<int> calls{0};
  ScriptedHttpClient http([&](const HttpRequest&) -> HttpResult {
    if (calls.fetch_add(1) == 0) {
      return std::unexpected(HttpError{HttpFailure::timeout, "Operation timed out"});
    }
    return ok("<feed/>");
  });
  Fetcher fetcher(*hub.store, http, hub.clock, FetcherSettings{}, [] {});
  fetcher.start();
  const auto waiting = hub.wait_until([](const PublishStatus::Topic& t) { return t.last_error.has_value(); });
  CHECK(waiting.state == FetchState::pending);
  REQUIRE(waiting.last_error);
  CHECK(*waiting.last_error == "timeout: Operation timed out");
  // Nothing more while the clock stands still; the retry once it has moved on.
  CHECK(calls == 1);
  hub.clock.advance(std::chrono::hours{1});
  fetcher.wake();
  const auto topic = hub.wait_for(FetchState::distributed);
  CHECK(topic.state == FetchState::distributed);
  CHECK(calls == 2);
  fetcher.stop(Millis{0});
}
