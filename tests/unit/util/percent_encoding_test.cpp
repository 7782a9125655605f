#include "util/percent_encoding.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("encodes everything but unreserved characters", "[util][percent_encoding]") {
  CHECK(percent_encode("aZ09-._~") == "aZ09-._~");
  CHECK(percent_encode("http://x/?a=b&c") == "http%3A%2F%2Fx%2F%3Fa%3Db%26c");
  CHECK(percent_encode(std::string("\0 \xff", 3)) == "%00%20%FF");
}

TEST_CASE("decodes and round-trips arbitrary bytes", "[util][percent_encoding]") {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<char>(i));
  }
  auto back = percent_decode(percent_encode(all), false);
  REQUIRE(back);
  CHECK(*back == all);
  CHECK(percent_decode("a+b", false).value() == "a+b");
  CHECK(percent_decode("a+b", true).value() == "a b");
}

TEST_CASE("decodes only unreserved escapes in URLs", "[util][percent_encoding][SUB-16]") {
  CHECK(decode_unreserved("http://p/%7Efoo") == "http://p/~foo");
  CHECK(decode_unreserved("http://p/%7efoo%41%2D%2e%5F") == "http://p/~fooA-._");
  // Reserved and non-ASCII escapes, and malformed ones, stay as they were.
  CHECK(decode_unreserved("http://p/a%2Fb%3F%C3%A9%zz%4") == "http://p/a%2Fb%3F%C3%A9%zz%4");
}
