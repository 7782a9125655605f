#include "websub/access_policy.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("denies topics and callback hosts by pattern", "[websub][access_policy][VAL-01][SUB-23]") {
  const AccessPolicy open;
  CHECK_FALSE(open.denial_reason("http://p/t", "http://s/cb"));

  AccessRules rules;
  rules.topic_deny = {"http://spam.example/*"};
  rules.callback_host_deny = {"*.evil.example"};
  const AccessPolicy deny(rules);
  CHECK(deny.denial_reason("http://spam.example/feed", "http://s/cb"));
  CHECK(deny.denial_reason("http://p/t", "http://cb.EVIL.example/x"));
  CHECK_FALSE(deny.denial_reason("http://p/t", "http://s/cb"));
}

TEST_CASE("a non-empty allow list refuses everything else", "[websub][access_policy]") {
  AccessRules rules;
  rules.topic_allow = {"https://blog.example/*"};
  rules.callback_host_allow = {"reader.example"};
  const AccessPolicy allow(rules);
  CHECK_FALSE(allow.denial_reason("https://blog.example/feed", "https://reader.example/cb"));
  CHECK(allow.denial_reason("https://other.example/feed", "https://reader.example/cb"));
  CHECK(allow.denial_reason("https://blog.example/feed", "https://other.example/cb"));
}
