#include "util/rate_limiter.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("RateLimiter admits the burst, then the rate, per key", "[util][rate_limiter][A1]") {
  RateLimiter limiter(2.0, 5.0, 100);
  const TimePoint t0 = from_unix_ms(1'000'000);
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(limiter.take("a", t0));
  }
  const auto wait = limiter.take("a", t0);
  REQUIRE(wait);
  CHECK(*wait == Millis{500});         // one token at 2 a second
  CHECK_FALSE(limiter.take("b", t0));  // another key has its own bucket
  CHECK_FALSE(limiter.take("a", t0 + Millis{500}));
  CHECK(limiter.take("a", t0 + Millis{500}));
  CHECK_FALSE(limiter.take("a", t0 + Millis{60'000}));  // refilled, capped at the burst
  for (int i = 0; i < 4; ++i) {
    CHECK_FALSE(limiter.take("a", t0 + Millis{60'000}));
  }
  CHECK(limiter.take("a", t0 + Millis{60'000}));
}

TEST_CASE("RateLimiter with rate 0 admits everything", "[util][rate_limiter]") {
  RateLimiter limiter(0, 0, 10);
  for (int i = 0; i < 1000; ++i) {
    CHECK_FALSE(limiter.take("a", from_unix_ms(0)));
  }
}

TEST_CASE("RateLimiter keeps at most max_keys buckets under a flood of distinct keys", "[util][rate_limiter][A3]") {
  RateLimiter limiter(1.0, 10.0, 1000);
  const TimePoint t0 = from_unix_ms(5'000'000);
  for (int i = 0; i < 100'000; ++i) {
    (void)limiter.take("client-" + std::to_string(i), t0 + Millis{i});
  }
  CHECK(limiter.keys() <= 1000);
}
