// The egress policy judged on the address a URL's host spelling resolves to,
// for every spelling in reliability-plan.md §4.2 that needs no DNS. The host
// goes through libcurl's URL parser first, as it does before every connect.

#include "net/egress_policy.h"

#include <netinet/in.h>

#include <catch2/catch.hpp>

#include "util/url.h"

using namespace hubbub;

namespace {

std::optional<std::string> refusal_for(const EgressPolicy& policy, const std::string& url) {
  auto origin = url_origin(url);
  REQUIRE(origin);
  auto addr = IpAddress::parse(origin->host);
  REQUIRE(addr);
  return policy.refusal(*addr, origin->port);
}

}  // namespace

TEST_CASE("refuses every private spelling by default", "[net][egress_policy][S1][S2][S3][S4][S5][S6][S7][S8]") {
  const EgressPolicy policy(false);
  for (const char* url : {"http://127.0.0.1/",
                          "http://2130706433/",
                          "http://0x7f.1/",
                          "http://127.1/",
                          "http://0177.0.0.1/",
                          "http://0x7f000001/",
                          "http://0.0.0.0/",
                          "http://[::]/",
                          "http://[::1]/",
                          "http://[0:00::0:1]/",
                          "http://[::ffff:127.0.0.1]/",
                          "http://[::ffff:7f00:1]/",
                          "http://[::127.0.0.1]/",
                          "http://169.254.169.254/latest/meta-data/",
                          "http://[fd00:ec2::254]/",
                          "http://10.0.0.1/",
                          "http://172.16.0.1/",
                          "http://192.168.0.1/",
                          "http://100.64.0.1/",
                          "http://100.100.100.200/",
                          "http://[fc00::1]/",
                          "http://[fe80::1%25eth0]/",
                          "http://[64:ff9b::a00:1]/",
                          "http://[2002:a00:1::1]/",
                          "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
                          "http://224.0.0.1/",
                          "http://255.255.255.255/",
                          "http://240.0.0.1/",
                          "http://192.0.2.1/",
                          "http://198.51.100.1/",
                          "http://203.0.113.1/",
                          "http://[2001:db8::1]/",
                          "http://[ff02::1]/"}) {
    INFO(url);
    auto why = refusal_for(policy, url);
    REQUIRE(why);
    CHECK(why->find("allow-private-networks") != std::string::npos);
  }
}

TEST_CASE("allows public addresses at the range boundaries", "[net][egress_policy][S9]") {
  const EgressPolicy policy(false);
  for (const char* url : {"http://8.8.8.8/", "http://[2606:4700:4700::1111]/", "http://100.63.255.254/",
                          "http://100.128.0.1/", "https://1.1.1.1:8443/"}) {
    INFO(url);
    CHECK_FALSE(refusal_for(policy, url));
  }
}

TEST_CASE("allowing private networks lifts the ranges but never the hub itself", "[net][egress_policy][S14][S17]") {
  EgressPolicy policy(true);
  policy.add_own_endpoint(*IpAddress::parse("127.0.0.1"), 8080);
  CHECK_FALSE(refusal_for(policy, "http://127.0.0.1:9000/"));
  CHECK_FALSE(refusal_for(policy, "http://10.0.0.1/"));
  CHECK(refusal_for(policy, "http://127.0.0.1:8080/"));
  CHECK(refusal_for(policy, "http://0x7f.1:8080/"));
  CHECK(refusal_for(policy, "http://[::ffff:127.0.0.1]:8080/"));
}

TEST_CASE("judges a raw sockaddr as libcurl hands it over", "[net][egress_policy]") {
  const EgressPolicy policy(false);
  sockaddr_in in4{};
  in4.sin_family = AF_INET;
  in4.sin_port = htons(80);
  in4.sin_addr.s_addr = htonl(0x7f000001);
  CHECK(policy.refusal(reinterpret_cast<sockaddr*>(&in4)));
  in4.sin_addr.s_addr = htonl(0x08080808);
  CHECK_FALSE(policy.refusal(reinterpret_cast<sockaddr*>(&in4)));
}

TEST_CASE("every address that reaches the hub's socket is the hub itself", "[net][egress_policy][S17]") {
  EgressPolicy policy(true);
  policy.add_own_endpoint(*IpAddress::parse("127.0.0.1"), 8080);
  for (const char* url : {"http://0.0.0.0:8080/metrics", "http://0:8080/", "http://[::]:8080/",
                          "http://[::ffff:0.0.0.0]:8080/", "http://127.0.0.1:8080/"}) {
    INFO(url);
    auto why = refusal_for(policy, url);
    REQUIRE(why);
    CHECK(why->find("is the hub itself") != std::string::npos);
  }
  // Another loopback address does not reach a socket bound to 127.0.0.1.
  CHECK_FALSE(refusal_for(policy, "http://127.0.0.2:8080/"));
  CHECK_FALSE(refusal_for(policy, "http://0.0.0.0:8081/"));
}

TEST_CASE("a wildcard listener is reached by every local address", "[net][egress_policy][S17]") {
  EgressPolicy policy(true);
  policy.add_own_endpoint(*IpAddress::parse("0.0.0.0"), 8080);
  policy.add_local_address(*IpAddress::parse("10.1.2.3"));
  for (const char* url :
       {"http://127.0.0.1:8080/", "http://127.9.9.9:8080/", "http://[::1]:8080/", "http://0.0.0.0:8080/",
        "http://[::]:8080/", "http://10.1.2.3:8080/", "http://[::ffff:10.1.2.3]:8080/"}) {
    INFO(url);
    CHECK(refusal_for(policy, url));
  }
  CHECK_FALSE(refusal_for(policy, "http://10.1.2.4:8080/"));
  CHECK_FALSE(refusal_for(policy, "http://127.0.0.1:8081/"));
}
