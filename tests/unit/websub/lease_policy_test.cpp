#include "websub/lease_policy.h"

#include <catch2/catch.hpp>

using namespace hubbub;
using std::chrono::seconds;

TEST_CASE("clamps requested leases into [min, max] and defaults when absent",
          "[websub][lease_policy][SUB-07][D5][V12]") {
  const LeasePolicy p;  // 300 / 864000 / 2592000
  CHECK(p.grant(std::nullopt) == seconds{864000});
  CHECK(p.grant(0) == seconds{300});
  CHECK(p.grant(1) == seconds{300});
  CHECK(p.grant(7200) == seconds{7200});
  CHECK(p.grant(2592000) == seconds{2592000});
  CHECK(p.grant(UINT64_MAX) == seconds{2592000});
}

TEST_CASE("parses lease values strictly, saturating huge digit strings", "[websub][lease_policy][V12][V12b]") {
  CHECK(parse_lease_seconds("0").value() == 0);
  CHECK(parse_lease_seconds("007200").value() == 7200);
  CHECK(parse_lease_seconds("99999999999999999999999999").value() == UINT64_MAX);
  for (const char* bad : {"", "-1", "+5", " 5", "5 ", "5.0", "1e3", "0x10", "abc", "５"}) {
    INFO(bad);
    CHECK_FALSE(parse_lease_seconds(bad));
  }
}

TEST_CASE("checks the policy's own consistency", "[websub][lease_policy]") {
  CHECK(LeasePolicy{}.check());
  CHECK_FALSE((LeasePolicy{seconds{10}, seconds{5}, seconds{20}}.check()));
  CHECK_FALSE((LeasePolicy{seconds{0}, seconds{5}, seconds{20}}.check()));
}
