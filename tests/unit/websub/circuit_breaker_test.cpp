#include "websub/circuit_breaker.h"

#include <catch2/catch.hpp>

#include "websub/limits.h"

using namespace hubbub;

namespace {

const std::string k_host = "http://cb.example:80";
const TimePoint t0 = from_unix_ms(1'800'000'000'000);

void attempts(CircuitBreaker& b, int ok, int failed, TimePoint at) {
  for (int i = 0; i < ok; ++i) {
    b.record(k_host, true, at);
  }
  for (int i = 0; i < failed; ++i) {
    b.record(k_host, false, at);
  }
}

}  // namespace

TEST_CASE("the breaker opens when most attempts to a host fail, not on a few failures",
          "[websub][circuit_breaker][D12]") {
  CircuitBreaker few;
  attempts(few, 0, 19, t0);  // below the minimum number of attempts
  CHECK(few.state(k_host, t0) == CircuitBreaker::State::closed);
  CircuitBreaker mixed;
  attempts(mixed, 7, 13, t0);  // 65 % failures
  CHECK(mixed.state(k_host, t0) == CircuitBreaker::State::closed);
  CircuitBreaker old;
  attempts(old, 0, 15, t0);
  attempts(old, 0, 15, t0 + std::chrono::seconds{120});  // the first 15 left the window
  CHECK(old.state(k_host, t0 + std::chrono::seconds{120}) == CircuitBreaker::State::closed);

  CircuitBreaker b;
  attempts(b, 0, 16, t0);
  attempts(b, 3, 0, t0);
  CHECK(b.record(k_host, false, t0));  // the 20th attempt, 17 failed: opens
  CHECK(b.state(k_host, t0) == CircuitBreaker::State::open);
  CHECK_FALSE(b.allow(k_host, t0));
  CHECK(b.allow("http://other.example:80", t0));
  REQUIRE(b.paused_origins(t0) == std::vector<std::string>{k_host});
  CHECK(b.retry_at(k_host, t0) == t0 + k_breaker_first_pause);
  CHECK(b.next_probe(t0) == t0 + k_breaker_first_pause);
}

TEST_CASE("after the pause one probe goes out: success closes, failure pauses twice as long",
          "[websub][circuit_breaker][D12]") {
  CircuitBreaker b;
  attempts(b, 0, 20, t0);
  const TimePoint later = t0 + k_breaker_first_pause;
  CHECK(b.paused_origins(later).empty());
  CHECK(b.allow(k_host, later));        // the probe
  CHECK_FALSE(b.allow(k_host, later));  // the rest wait for its outcome
  CHECK(b.retry_at(k_host, later) == later + k_breaker_probe_wait);
  b.record(k_host, false, later);
  CHECK(b.state(k_host, later) == CircuitBreaker::State::open);
  CHECK(b.retry_at(k_host, later) == later + 2 * k_breaker_first_pause);

  const TimePoint again = later + 2 * k_breaker_first_pause;
  CHECK(b.allow(k_host, again));
  b.record(k_host, true, again);
  CHECK(b.state(k_host, again) == CircuitBreaker::State::closed);
  CHECK(b.allow(k_host, again));
  CHECK(b.allow(k_host, again));
}

TEST_CASE("failed probes pause at most k_breaker_max_pause", "[websub][circuit_breaker]") {
  CircuitBreaker b;
  attempts(b, 0, 20, t0);
  TimePoint at = t0;
  for (int i = 0; i < 20; ++i) {
    at = b.retry_at(k_host, at);
    REQUIRE(b.allow(k_host, at));
    b.record(k_host, false, at);
  }
  CHECK(b.retry_at(k_host, at) - at == std::chrono::duration_cast<Millis>(k_breaker_max_pause));
}
