#include "server/rate_limits.h"

#include <catch2/catch.hpp>

using namespace hubbub;

namespace {

RateLimitSettings settings() {
  RateLimitSettings s;
  s.subscribe_per_client = 1;
  s.subscribe_per_callback = 0.5;
  s.publish_per_client = 1;
  s.trusted_proxies = {*Cidr::parse("127.0.0.1"), *Cidr::parse("10.0.0.0/8")};
  s.exempt = {*Cidr::parse("192.0.2.0/24")};
  return s;
}

}  // namespace

TEST_CASE("the client address comes from X-Forwarded-For only through trusted proxies", "[server][rate_limits]") {
  const RateLimits limits(settings());
  CHECK(limits.client_address("203.0.113.9", std::nullopt) == "203.0.113.9");
  // An untrusted peer cannot choose its address with the header.
  CHECK(limits.client_address("203.0.113.9", "198.51.100.1") == "203.0.113.9");
  // Through nginx on loopback: the right-most address that is not a proxy.
  CHECK(limits.client_address("127.0.0.1", "198.51.100.1") == "198.51.100.1");
  CHECK(limits.client_address("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.1.1") == "198.51.100.1");
  CHECK(limits.client_address("127.0.0.1", "10.1.1.1") == "127.0.0.1");
  CHECK(limits.client_address("127.0.0.1", "garbage") == "127.0.0.1");
}

TEST_CASE("subscription requests are limited per client and per callback, exempt clients never",
          "[server][rate_limits]") {
  RateLimits limits(settings());
  const TimePoint t0 = from_unix_ms(10'000'000);
  // Burst: 10 s of the rate. Per client 1/s -> 10; per callback 0.5/s -> 5.
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(limits.admit_subscription("198.51.100.1", "http://cb/x", t0));
  }
  CHECK(limits.admit_subscription("198.51.100.1", "http://cb/x", t0));  // the callback's budget (I13)
  for (int i = 0; i < 4; ++i) {
    CHECK_FALSE(limits.admit_subscription("198.51.100.1", "http://cb/" + std::to_string(i), t0));
  }
  const auto wait = limits.admit_subscription("198.51.100.1", "http://cb/other", t0);  // the client's (A1)
  REQUIRE(wait);
  CHECK(*wait == Millis{1000});
  CHECK_FALSE(limits.admit_subscription("198.51.100.2", "http://cb/other", t0));  // other clients unaffected
  for (int i = 0; i < 1000; ++i) {
    CHECK_FALSE(limits.admit_subscription("192.0.2.7", "http://cb/x", t0));  // exempt
    CHECK_FALSE(limits.admit_publish("192.0.2.7", t0));
  }
}
