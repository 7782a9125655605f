// RFC 3339 times: formatted in UTC with milliseconds, parsed with a fraction
// and any offset, everything else refused.
#include "util/time_format.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("RFC 3339 times round-trip and parse with offsets and fractions", "[time_format]") {
  const TimePoint t = from_unix_ms(1'795'306'688'123);
  CHECK(format_rfc3339(t) == "2026-11-22T00:18:08.123Z");
  CHECK(parse_rfc3339(format_rfc3339(t)) == t);
  CHECK(parse_rfc3339("2026-11-22T00:18:08Z") == from_unix_ms(1'795'306'688'000));
  CHECK(parse_rfc3339("2026-11-22t00:18:08.1z") == from_unix_ms(1'795'306'688'100));
  CHECK(parse_rfc3339("2026-11-22T00:18:08.123456Z") == t);
  CHECK(parse_rfc3339("2026-11-22T01:18:08.123+01:00") == t);
  CHECK(parse_rfc3339("2026-11-21T19:48:08.123-04:30") == t);
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == from_unix_ms(0));
}

TEST_CASE("anything but an RFC 3339 time is refused", "[time_format]") {
  for (const char* bad :
       {"", "2026-11-22", "2026-11-22T00:18:08", "2026-11-22T00:18:08.Z", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T00:18:08+0100", "2026-11-22T00:18:08Z ",
        "x2026-11-22T00:18:08Z", "1795306688", "2026-11-22T00:18:08+25:00"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}
