// What a node writes of its activity for the other nodes (HubMetrics::
// share_activity): the current and previous minute, and each failure once,
// again only when a write failed.
#include "websub/hub_metrics.h"

#include <catch2/catch.hpp>

#include "support/store_writes.h"

using namespace hubbub;

namespace {

class RecordingActivity final : public SharedActivity {
 public:
  Status record_activity(const std::vector<MinuteCounts>& m, const std::vector<FailureEvent>& f, TimePoint,
                         std::size_t) override {
    if (refuse) {
      return fail("the database is away");
    }
    minutes = m;
    failures.insert(failures.end(), f.begin(), f.end());
    return {};
  }
  Result<std::vector<MinuteCounts>> activity_since(TimePoint) override { return std::vector<MinuteCounts>{}; }
  Result<std::vector<FailureEvent>> recent_failures(std::size_t) override { return std::vector<FailureEvent>{}; }

  bool refuse = false;
  std::vector<MinuteCounts> minutes;
  std::vector<FailureEvent> failures;
};

FailureEvent failure(const char* reason) {
  FailureEvent f;
  f.kind = "delivery";
  f.reason = reason;
  return f;
}

}  // namespace

TEST_CASE("a node shares its last two minutes and each failure once", "[websub][metrics][nodes]") {
  HubMetrics metrics;
  RecordingActivity shared;
  const TimePoint now = test::k_t0;
  metrics.activity.add(now, HubMetrics::k_delivered, 5);
  metrics.activity.add(now, HubMetrics::k_failed, 1);
  metrics.failures.record(failure("a"));
  REQUIRE(metrics.share_activity(shared, now));
  REQUIRE(shared.minutes.size() == 2);
  CHECK(shared.minutes[1].delivered == 5);
  CHECK(shared.minutes[1].failed == 1);
  REQUIRE(shared.failures.size() == 1);
  // A failed write loses nothing: the failures since the last good one go
  // with the next.
  metrics.failures.record(failure("b"));
  shared.refuse = true;
  CHECK_FALSE(metrics.share_activity(shared, now));
  shared.refuse = false;
  metrics.failures.record(failure("c"));
  REQUIRE(metrics.share_activity(shared, now));
  REQUIRE(shared.failures.size() == 3);
  CHECK(shared.failures[1].reason == "b");
  CHECK(shared.failures[2].reason == "c");
  REQUIRE(metrics.share_activity(shared, now));
  CHECK(shared.failures.size() == 3);
}
