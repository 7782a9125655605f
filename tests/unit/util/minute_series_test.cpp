#include "util/minute_series.h"

#include <catch2/catch.hpp>

namespace hubbub {
namespace {

TimePoint at_minute(std::int64_t minute, int second = 0) {
  return from_unix_ms(minute * 60000 + second * 1000);
}

}  // namespace

TEST_CASE("MinuteSeries counts per minute and reads oldest first", "[util][minute_series]") {
  MinuteSeries series(5);
  series.add(at_minute(100, 1), 0);
  series.add(at_minute(100, 59), 0, 2);
  series.add(at_minute(102), 1);
  const auto window = series.window(at_minute(103, 30));
  REQUIRE(window.size() == 5);
  CHECK(window.front().start == at_minute(99));
  CHECK(window.back().start == at_minute(103));
  CHECK(window[1].counts[0] == 3);  // minute 100
  CHECK(window[1].counts[1] == 0);
  CHECK(window[2].counts[0] == 0);  // minute 101: nothing happened
  CHECK(window[3].counts[1] == 1);  // minute 102
}

TEST_CASE("MinuteSeries forgets minutes that left the window, even when its slot is reused", "[util][minute_series]") {
  MinuteSeries series(3);
  series.add(at_minute(10), 0, 7);
  // Minute 13 shares minute 10's slot: the old count must not show.
  series.add(at_minute(13), 0, 1);
  auto window = series.window(at_minute(13));
  CHECK(window.back().counts[0] == 1);
  CHECK(window[0].counts[0] == 0);
  // A window far later reads all zero without any add in between.
  window = series.window(at_minute(50));
  for (const auto& minute : window) {
    CHECK(minute.counts[0] == 0);
  }
}

TEST_CASE("MinuteSeries drops events older than the window and unknown columns", "[util][minute_series]") {
  MinuteSeries series(3);
  series.add(at_minute(20), 0);
  series.add(at_minute(17), 0, 5);  // same slot as 20, older: dropped
  series.add(at_minute(20), MinuteSeries::k_columns, 9);
  const auto window = series.window(at_minute(20));
  CHECK(window.back().counts[0] == 1);
  CHECK(window.back().counts[1] == 0);
}
}  // namespace hubbub
