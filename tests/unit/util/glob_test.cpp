#include "util/glob.h"

#include <catch2/catch.hpp>

using hubbub::glob_match;

TEST_CASE("matches '*' and '?' anywhere", "[util][glob]") {
  CHECK(glob_match("https://example.com/*", "https://example.com/feeds/a.xml", false));
  CHECK(glob_match("*.example.com", "cb.example.com", false));
  CHECK_FALSE(glob_match("*.example.com", "example.com", false));
  CHECK(glob_match("a?c", "abc", false));
  CHECK_FALSE(glob_match("a?c", "ac", false));
  CHECK(glob_match("*", "", false));
  CHECK(glob_match("exact", "exact", false));
  CHECK_FALSE(glob_match("exact", "exact!", false));
}

TEST_CASE("ignores case only when asked", "[util][glob]") {
  CHECK(glob_match("*.Example.COM", "cb.example.com", true));
  CHECK_FALSE(glob_match("*.Example.COM", "cb.example.com", false));
}

TEST_CASE("stays fast on hostile patterns", "[util][glob]") {
  const std::string text(5000, 'a');
  CHECK_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*b", text, false));
}
