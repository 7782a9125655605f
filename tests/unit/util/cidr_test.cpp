#include "util/cidr.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("Cidr parses blocks and single addresses, v4 and v6", "[util][cidr]") {
  const auto ten = Cidr::parse("10.0.0.0/8");
  REQUIRE(ten);
  CHECK(ten->contains("10.255.1.2"));
  CHECK_FALSE(ten->contains("11.0.0.1"));
  CHECK(ten->contains("::ffff:10.1.2.3"));  // IPv4 peers of a dual-stack listener
  const auto one = Cidr::parse("127.0.0.1");
  REQUIRE(one);
  CHECK(one->contains("127.0.0.1"));
  CHECK_FALSE(one->contains("127.0.0.2"));
  const auto v6 = Cidr::parse("2001:db8::/32");
  REQUIRE(v6);
  CHECK(v6->contains("2001:db8:1::5"));
  CHECK_FALSE(v6->contains("2001:db9::1"));
  CHECK_FALSE(v6->contains("10.0.0.1"));
  CHECK_FALSE(ten->contains("not an address"));
}

TEST_CASE("Cidr refuses what is not a block", "[util][cidr]") {
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "example.com", "10.0.0/8"}) {
    INFO(bad);
    CHECK_FALSE(Cidr::parse(bad));
  }
}
