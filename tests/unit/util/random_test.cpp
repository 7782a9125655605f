#include "util/random.h"

#include <catch2/catch.hpp>

#include <set>

TEST_CASE("makes URL-safe tokens of the right length, all distinct", "[util][random][VER-11][I8]") {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string t = hubbub::random_token(48);
    REQUIRE(t.size() == 64);
    REQUIRE(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
            std::string::npos);
    seen.insert(t);
  }
  CHECK(seen.size() == 10000);
  CHECK(hubbub::random_token(1).size() == 2);
  CHECK(hubbub::random_token(2).size() == 3);
}
