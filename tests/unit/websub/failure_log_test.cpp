#include "websub/failure_log.h"

#include <catch2/catch.hpp>

namespace hubbub {

TEST_CASE("FailureLog keeps the latest failures, newest first, up to its capacity", "[websub][failure_log]") {
  FailureLog log(3);
  CHECK(log.recent(10).empty());
  for (int i = 1; i <= 5; ++i) {
    log.record(
        {from_unix_ms(i), "delivery", "retry", "http://t/", "http://cb/", 500, "HTTP 500 #" + std::to_string(i)});
  }
  const auto recent = log.recent(10);
  REQUIRE(recent.size() == 3);
  CHECK(recent[0].reason == "HTTP 500 #5");
  CHECK(recent[2].reason == "HTTP 500 #3");
  REQUIRE(log.recent(1).size() == 1);
  CHECK(log.recent(1)[0].reason == "HTTP 500 #5");
}

}  // namespace hubbub

TEST_CASE("the failure log says what was recorded since a number, for a node to write it once",
          "[websub][failure_log]") {
  using namespace hubbub;
  FailureLog log(3);
  auto event = [](const char* reason) {
    FailureEvent e;
    e.kind = "delivery";
    e.reason = reason;
    return e;
  };
  auto [none, zero] = log.since(0);
  CHECK(none.empty());
  CHECK(zero == 0);
  log.record(event("a"));
  log.record(event("b"));
  auto [first, two] = log.since(0);
  REQUIRE(first.size() == 2);
  CHECK(first[0].reason == "a");  // oldest first
  CHECK(two == 2);
  log.record(event("c"));
  log.record(event("d"));  // "a" falls out of the ring
  auto [later, four] = log.since(two);
  REQUIRE(later.size() == 2);
  CHECK(later[0].reason == "c");
  CHECK(later[1].reason == "d");
  CHECK(four == 4);
  auto [kept, same] = log.since(0);  // what was lost from the ring is not invented
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].reason == "b");
  CHECK(log.since(four).first.empty());
}
