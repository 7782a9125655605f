#include "util/retry_after.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("reads delay-seconds and HTTP-dates (D7)", "[util][retry_after]") {
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
