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
