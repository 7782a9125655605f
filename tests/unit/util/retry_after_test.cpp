#include "util/retry_after.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("reads delay-seconds and HTTP-dates", "[util][retry_after][D7]") {
  const TimePoint now = from_unix_ms(1'445'412'480'000);  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(parse_retry_after("120", now) == Millis{120000});
  CHECK(parse_retry_after(" 0 ", now) == Millis{0});
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now) == Millis{120000});
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == Millis{0});
  CHECK(parse_retry_after("99999999999999", now).value() > Millis{1000000});
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("-5", now));
  CHECK_FALSE(parse_retry_after("soon", now));
}

TEST_CASE("a date centuries away is a long wait, not an overflow (found by fuzz_headers)", "[util][retry_after]") {
  const auto now = hubbub::from_unix_ms(1'800'000'000'000);
  const auto wait = hubbub::parse_retry_after("Wed, 21 Oct 4030 07:28:00 GMT", now);
  REQUIRE(wait.has_value());
  CHECK(*wait == hubbub::Millis{std::int64_t{999999999} * 1000});
  CHECK(hubbub::parse_retry_after("Wed, 21 Oct 1030 07:28:00 GMT", now) == hubbub::Millis{0});
}
