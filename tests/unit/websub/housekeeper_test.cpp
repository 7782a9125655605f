// The housekeeper on the manual clock: it sweeps only while its node leads,
// at once when it gains the leadership, renews claims and refreshes counts
// only on a shared database, and gives the leadership up when it stops.
#include "websub/housekeeper.h"

#include <catch2/catch.hpp>

#include "support/store_builders.h"
#include "support/store_engines.h"

using namespace hubbub;
using std::chrono::seconds;

namespace {

// A coordination whose leadership the test decides.
class ScriptedCoordination final : public Coordination {
 public:
  bool shared() const override { return is_shared; }
  Result<bool> hold_leadership(TimePoint, Millis) override {
    ++holds;
    return leader;
  }
  Status release_leadership() override {
    ++releases;
    return {};
  }
  Status renew_claims(TimePoint now, TimePoint until) override {
    renewed_until = until;
    (void)now;
    return {};
  }
  void watch_work(WorkHint) override {}

  bool is_shared = true;
  bool leader = false;
  int holds = 0;
  int releases = 0;
  std::optional<TimePoint> renewed_until;
};

}  // namespace

TEST_CASE("the housekeeper sweeps only while its node leads", "[housekeeper][nodes]") {
  test::SqliteEngine engine;
  ManualClock clock(test::k_t0);
  ScriptedCoordination coordination;
  int refreshed = 0;
  HousekeeperSettings settings;
  settings.refresh = [&] { ++refreshed; };
  Housekeeper housekeeper(engine.store(), coordination, clock, settings);
  // A subscription whose lease (a day) has ended.
  test::add_subscription(engine.store(), "http://p/t", "http://a.example/cb", test::k_t0);
  clock.advance(std::chrono::hours{25});
  housekeeper.tick();  // not the leader: nothing swept
  CHECK_FALSE(housekeeper.leading());
  CHECK(engine.store().find_subscription("http://p/t", "http://a.example/cb").value());
  CHECK(coordination.renewed_until == clock.now() + k_shared_claim);
  CHECK(refreshed == 1);
  coordination.leader = true;  // gained: it sweeps at once
  housekeeper.tick();
  CHECK(housekeeper.leading());
  CHECK_FALSE(engine.store().find_subscription("http://p/t", "http://a.example/cb").value());
  housekeeper.stop();
  CHECK(coordination.releases == 1);
  CHECK_FALSE(housekeeper.leading());
}

TEST_CASE("on a database of its own the housekeeper neither renews claims nor refreshes", "[housekeeper]") {
  test::SqliteEngine engine;
  ManualClock clock(test::k_t0);
  ScriptedCoordination coordination;
  coordination.is_shared = false;
  coordination.leader = true;
  int refreshed = 0;
  HousekeeperSettings settings;
  settings.refresh = [&] { ++refreshed; };
  Housekeeper housekeeper(engine.store(), coordination, clock, settings);
  housekeeper.tick();
  housekeeper.tick();
  CHECK(coordination.holds == 2);
  CHECK(housekeeper.leading());
  CHECK_FALSE(coordination.renewed_until);
  CHECK(refreshed == 0);
}

TEST_CASE("with reconfirm_before the leading housekeeper queues re-confirmations each tick and says so",
          "[housekeeper][reconfirm][STATE-09]") {
  test::SqliteEngine engine;
  ManualClock clock(test::k_t0);
  ScriptedCoordination coordination;
  coordination.is_shared = false;
  int woken = 0;
  HousekeeperSettings settings;
  settings.reconfirm_before = std::chrono::hours{1};
  settings.requests_queued = [&] { ++woken; };
  Housekeeper housekeeper(engine.store(), coordination, clock, settings);
  // A day's lease, verified at the epoch.
  test::add_subscription(engine.store(), "http://p/t", "http://a.example/cb", test::k_t0, "s3cret");
  clock.advance(std::chrono::hours{23});  // the lease ends in an hour
  housekeeper.tick();                     // not the leader: nothing queued
  CHECK(engine.store().pending_requests_per_origin().value().empty());
  CHECK(woken == 0);
  coordination.leader = true;
  housekeeper.tick();
  const auto pending = engine.store().pending_requests_per_origin().value();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0] == std::pair<std::string, std::int64_t>{"http://a.example:80", 1});
  CHECK(woken == 1);
  clock.advance(seconds{2});
  housekeeper.tick();  // queued once for this lease: no new wake
  CHECK(woken == 1);
  CHECK(engine.store().pending_requests_per_origin().value()[0].second == 1);
}

TEST_CASE("without reconfirm_before the housekeeper never re-confirms", "[housekeeper][reconfirm]") {
  test::SqliteEngine engine;
  ManualClock clock(test::k_t0);
  ScriptedCoordination coordination;
  coordination.is_shared = false;
  coordination.leader = true;
  Housekeeper housekeeper(engine.store(), coordination, clock, {});
  test::add_subscription(engine.store(), "http://p/t", "http://a.example/cb", test::k_t0);
  clock.advance(std::chrono::hours{23} + std::chrono::minutes{59});
  housekeeper.tick();
  CHECK(engine.store().pending_requests_per_origin().value().empty());
}
