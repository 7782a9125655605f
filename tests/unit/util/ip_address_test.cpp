#include "util/ip_address.h"

#include <catch2/catch.hpp>

using namespace hubbub;

namespace {
bool special(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a);
  return special_purpose_range(*a).has_value();
}
}  // namespace

TEST_CASE("classifies every blocked IPv4 range of the egress policy",
          "[util][ip_address][S1][S2][S3][S4][S5][S6][S7][S8]") {
  for (const char* a :
       {"0.0.0.0",         "0.1.2.3",   "10.0.0.1",        "10.255.255.255",  "100.64.0.1",     "100.100.100.200",
        "100.127.255.255", "127.0.0.1", "127.255.0.1",     "169.254.169.254", "172.16.0.1",     "172.31.255.255",
        "192.0.0.8",       "192.0.2.1", "192.168.1.1",     "198.18.0.1",      "198.19.255.255", "198.51.100.7",
        "203.0.113.9",     "224.0.0.1", "239.255.255.250", "240.0.0.1",       "255.255.255.255"}) {
    INFO(a);
    CHECK(special(a));
  }
}

TEST_CASE("classifies every blocked IPv6 range, judging IPv4-mapped by the IPv4",
          "[util][ip_address][S3][S4][S5][S6][S7]") {
  for (const char* a : {"::",
                        "::1",
                        "0:00::0:1",
                        "::ffff:127.0.0.1",
                        "::ffff:7f00:1",
                        "::127.0.0.1",
                        "::ffff:10.0.0.1",
                        "::ffff:169.254.169.254",
                        "64:ff9b::a00:1",
                        "64:ff9b:1::1",
                        "100::1",
                        "2001::1",
                        "2001:0:4136:e378::1",
                        "2001:db8::1",
                        "2002:a00:1::1",
                        "fc00::1",
                        "fd00:ec2::254",
                        "fe80::1",
                        "fe80::1%eth0",
                        "fec0::1",
                        "ff02::1"}) {
    INFO(a);
    CHECK(special(a));
  }
  CHECK(special_purpose_range(*IpAddress::parse("::ffff:127.0.0.1")).value().starts_with("IPv4-mapped"));
}

TEST_CASE("leaves public addresses alone, at the range boundaries too", "[util][ip_address][S9]") {
  for (const char* a : {"8.8.8.8", "1.1.1.1", "100.63.255.254", "100.128.0.1", "172.15.255.255", "172.32.0.1",
                        "192.167.255.255", "169.253.255.255", "198.17.255.255", "223.255.255.255",
                        "2606:4700:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8"}) {
    INFO(a);
    CHECK_FALSE(special(a));
  }
}

TEST_CASE("parses only canonical text forms and round-trips", "[util][ip_address]") {
  CHECK_FALSE(IpAddress::parse("127.1"));
  CHECK_FALSE(IpAddress::parse("example.com"));
  CHECK(IpAddress::parse("[::1]").value().to_string() == "::1");
  CHECK(IpAddress::parse("10.1.2.3").value().to_string() == "10.1.2.3");
  CHECK(IpAddress::parse("10.1.2.3").value().in(*IpAddress::parse("10.0.0.0"), 8));
  CHECK_FALSE(IpAddress::parse("11.1.2.3").value().in(*IpAddress::parse("10.0.0.0"), 8));
}
