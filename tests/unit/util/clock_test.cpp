#include "util/clock.h"

#include <catch2/catch.hpp>

#include <atomic>

using namespace hubbub;
using namespace std::chrono_literals;

namespace {

// Sources the test moves by hand.
struct Sources {
  std::atomic<std::int64_t> wall_ms{1'800'000'000'000};
  std::atomic<std::int64_t> steady_ms{5'000};
  SystemClock clock() {
    return SystemClock(
        [this] { return from_unix_ms(wall_ms.load()); },
        [this] { return std::chrono::steady_clock::time_point(std::chrono::milliseconds(steady_ms.load())); });
  }
  void elapse(Millis by) {
    wall_ms += by.count();
    steady_ms += by.count();
  }
};

}  // namespace

TEST_CASE("the hub's clock starts at the wall clock and moves with the monotonic one", "[util][clock][C16]") {
  Sources s;
  const SystemClock clock = s.clock();
  const TimePoint start = clock.now();
  CHECK(to_unix_ms(start) == 1'800'000'000'000);
  s.elapse(90s);
  CHECK(clock.now() - start == 90s);
  CHECK(clock.wall_offset() == 0ms);
}

TEST_CASE("a jump of the wall clock by a day either way moves no deadline, and is reported", "[util][clock][C16]") {
  Sources s;
  const SystemClock clock = s.clock();
  const TimePoint start = clock.now();
  const TimePoint lease_end = start + 1h;

  s.wall_ms += std::chrono::duration_cast<Millis>(24h).count();  // forward a day
  s.elapse(10s);
  CHECK(clock.now() - start == 10s);
  CHECK(clock.now() < lease_end);  // no mass expiry
  CHECK(clock.wall_offset() == 24h);

  s.wall_ms -= std::chrono::duration_cast<Millis>(48h).count();  // back two days
  s.elapse(10s);
  CHECK(clock.now() - start == 20s);  // retries due in seconds stay due in seconds
  CHECK(clock.wall_offset() == -24h);
}

TEST_CASE("SystemClock with the real sources follows the system clock", "[util][clock]") {
  const SystemClock clock;
  const auto offset = clock.now() - std::chrono::system_clock::now();
  CHECK(std::chrono::abs(offset) < 1s);
  CHECK(std::chrono::abs(clock.wall_offset()) < 1s);
}
