#include "server/credentials.h"

#include <catch2/catch.hpp>

#include "util/bearer.h"

using namespace hubbub;

TEST_CASE("the Bearer scheme is case-insensitive and the token is what follows it", "[server][credentials]") {
  CHECK(bearer_token("Bearer abc") == "abc");
  CHECK(bearer_token("bearer abc") == "abc");
  CHECK(bearer_token("BEARER  abc ") == "abc");
  CHECK_FALSE(bearer_token("Basic abc"));
  CHECK_FALSE(bearer_token("Bearerabc"));
  CHECK_FALSE(bearer_token("Bearer "));
  CHECK_FALSE(bearer_token(""));
}

TEST_CASE("tokens are checked as configured and replaced whole on reload", "[server][credentials]") {
  Credentials c("admin-token-0123456789", {"pub-one-0123456789", "pub-two-0123456789"});
  CHECK(c.admin_enabled());
  CHECK(c.authorizes_admin("bearer admin-token-0123456789"));
  CHECK_FALSE(c.authorizes_admin("Bearer admin-token-012345678"));
  CHECK_FALSE(c.authorizes_admin(std::nullopt));
  CHECK(c.authorizes_publisher("Bearer pub-two-0123456789"));
  CHECK_FALSE(c.authorizes_publisher("Bearer admin-token-0123456789"));
  c.replace("", {"pub-three-0123456789"});
  CHECK_FALSE(c.admin_enabled());
  CHECK_FALSE(c.authorizes_admin("Bearer admin-token-0123456789"));
  CHECK_FALSE(c.is_admin(""));
  CHECK_FALSE(c.authorizes_publisher("Bearer pub-one-0123456789"));
  CHECK(c.authorizes_publisher("Bearer pub-three-0123456789"));
}
