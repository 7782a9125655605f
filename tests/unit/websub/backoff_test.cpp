#include "websub/backoff.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("doubles the retry delay with bounded jitter", "[websub][backoff]") {
  const Millis base{1000};
  CHECK(retry_delay(base, 2, 0.2, 0.5) == Millis{1000});
  CHECK(retry_delay(base, 3, 0.2, 0.5) == Millis{2000});
  CHECK(retry_delay(base, 4, 0.2, 0.5) == Millis{4000});
  CHECK(retry_delay(base, 2, 0.2, 0.0) == Millis{800});
  CHECK(retry_delay(base, 2, 0.2, 0.999999) == Millis{1200});
  CHECK(retry_delay(base, 200, 0.0, 0.5) > Millis{0});
}

TEST_CASE("Backoff stays within the jitter band", "[websub][backoff]") {
  Backoff backoff(Millis{1000}, 0.2);
  for (int i = 0; i < 1000; ++i) {
    const Millis d = backoff.delay(3);
    REQUIRE(d >= Millis{1600});
    REQUIRE(d <= Millis{2400});
  }
}
