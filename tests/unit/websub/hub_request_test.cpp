#include "websub/hub_request.h"

#include <catch2/catch.hpp>

using namespace hubbub;

namespace {

Result<HubRequest> parse(const std::string& body) {
  auto form = Form::parse(body);
  REQUIRE(form);
  return parse_hub_request(*form, LeasePolicy{});
}

NewRequest subscription(const std::string& body) {
  auto r = parse(body);
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  REQUIRE(std::holds_alternative<NewRequest>(*r));
  return std::get<NewRequest>(*r);
}

const std::string k_base = "hub.mode=subscribe&hub.topic=http%3A%2F%2Fp%2Ft&hub.callback=http%3A%2F%2Fs%2Fcb";

}  // namespace

TEST_CASE("accepts the three required parameters", "[websub][hub_request][SUB-01]") {
  const NewRequest r = subscription(k_base);
  CHECK(r.mode == RequestMode::subscribe);
  CHECK(r.topic == "http://p/t");
  CHECK(r.callback == "http://s/cb");
  CHECK_FALSE(r.secret);
  CHECK(r.lease_granted == std::chrono::seconds{864000});
}

TEST_CASE("ignores unknown parameters and hub.verify", "[websub][hub_request][SUB-08][V5]") {
  CHECK(subscription(k_base + "&foo=bar&hub.foo=hub.bar&hub.verify=sync&hub.verify=async").topic == "http://p/t");
}

TEST_CASE("refuses a bad or missing mode", "[websub][hub_request][SUB-02][V3]") {
  for (const char* body :
       {"hub.topic=http://p/&hub.callback=http://s/", "hub.mode=bogus&hub.topic=http://p/&hub.callback=http://s/",
        "hub.mode=&hub.topic=http://p/&hub.callback=http://s/",
        "hub.mode=Subscribe&hub.topic=http://p/&hub.callback=http://s/"}) {
    INFO(body);
    CHECK_FALSE(parse(body));
  }
}

TEST_CASE("requires callback and topic", "[websub][hub_request][SUB-03][V2]") {
  CHECK_FALSE(parse("hub.mode=subscribe&hub.topic=http://p/"));
  CHECK_FALSE(parse("hub.mode=subscribe&hub.callback=http://s/"));
  CHECK_FALSE(parse("hub.mode=unsubscribe&hub.callback=http://s/"));
}

TEST_CASE("refuses a single-valued parameter given twice", "[websub][hub_request][V4]") {
  CHECK_FALSE(parse(k_base + "&hub.mode=unsubscribe"));
  CHECK_FALSE(parse(k_base + "&hub.callback=http://other/"));
  CHECK_FALSE(parse(k_base + "&hub.topic=http://other/"));
  CHECK_FALSE(parse(k_base + "&hub.secret=a&hub.secret=b"));
  CHECK_FALSE(parse(k_base + "&hub.lease_seconds=1&hub.lease_seconds=2"));
}

TEST_CASE("keeps secrets under 200 bytes after decoding", "[websub][hub_request][SUB-05][D3][V10]") {
  CHECK(subscription(k_base + "&hub.secret=" + std::string(199, 's')).secret == std::string(199, 's'));
  CHECK_FALSE(parse(k_base + "&hub.secret=" + std::string(200, 's')));
  std::string e_acute;
  for (int i = 0; i < 100; ++i) {
    e_acute += "%C3%A9";  // 100 x "é" = 200 bytes
  }
  CHECK_FALSE(parse(k_base + "&hub.secret=" + e_acute));
  CHECK_FALSE(subscription(k_base + "&hub.secret=").secret);  // empty: no secret
}

TEST_CASE("clamps leases, refuses malformed ones, ignores them on unsubscribe",
          "[websub][hub_request][SUB-07][V12][V13]") {
  CHECK(subscription(k_base + "&hub.lease_seconds=0").lease_granted == std::chrono::seconds{300});
  CHECK(subscription(k_base + "&hub.lease_seconds=99999999999999999999").lease_granted ==
        std::chrono::seconds{2592000});
  CHECK(subscription(k_base + "&hub.lease_seconds=7200").lease_requested == 7200u);
  CHECK_FALSE(parse(k_base + "&hub.lease_seconds=-1"));
  CHECK_FALSE(parse(k_base + "&hub.lease_seconds=1e3"));
  const NewRequest unsub = subscription(
      "hub.mode=unsubscribe&hub.topic=http://p/t&hub.callback=http://s/cb&hub.lease_seconds=abc&hub.secret=x");
  CHECK(unsub.mode == RequestMode::unsubscribe);
  CHECK_FALSE(unsub.lease_granted);
  CHECK_FALSE(unsub.secret);
}

TEST_CASE("validates both URLs and decodes unreserved escapes", "[websub][hub_request][SUB-16][V8][V16][V17]") {
  CHECK(subscription("hub.mode=subscribe&hub.topic=http://p/%257Efoo&hub.callback=http://s/cb").topic ==
        "http://p/~foo");
  CHECK_FALSE(parse("hub.mode=subscribe&hub.topic=ftp://p/&hub.callback=http://s/"));
  CHECK_FALSE(parse("hub.mode=subscribe&hub.topic=http://p/&hub.callback=http://s/%0D%0Ax"));
  CHECK_FALSE(parse("hub.mode=subscribe&hub.topic=http://p/%23x&hub.callback=http://s/"));
  CHECK_FALSE(parse("hub.mode=subscribe&hub.topic=http://p/&hub.callback=http://u%40s/"));
}

TEST_CASE("keeps the legacy verify token", "[websub][hub_request]") {
  CHECK(subscription(k_base + "&hub.verify_token=t%20ok").verify_token == "t ok");
  CHECK_FALSE(parse(k_base + "&hub.verify_token=" + std::string(1025, 'v')));
}

namespace {

std::vector<std::string> topics(const std::string& body) {
  auto r = parse(body);
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  REQUIRE(std::holds_alternative<PublishPing>(*r));
  return std::get<PublishPing>(*r).topics;
}

}  // namespace

TEST_CASE("publish pings name topics in every form publishers use",
          "[websub][hub_request][PUB-01][PUB-02][PUB-03][PUB-04]") {
  using V = std::vector<std::string>;
  CHECK(topics("hub.mode=publish&hub.url=http://p/a") == V{"http://p/a"});
  CHECK(topics("hub.mode=publish&hub.topic=http://p/a") == V{"http://p/a"});
  CHECK(topics("hub.mode=publish&hub.url=http://p/a&hub.url=http://p/b") == V{"http://p/a", "http://p/b"});
  CHECK(topics("hub.mode=publish&hub.url%5B%5D=http://p/a&hub.url%5B%5D=http://p/b") == V{"http://p/a", "http://p/b"});
  CHECK(topics("hub.mode=publish&hub.url=http://p/a,http://p/b") == V{"http://p/a", "http://p/b"});
  CHECK(topics("hub.mode=publish&hub.url=http://p/a,b") == V{"http://p/a,b"});  // a comma inside one URL
  CHECK(topics("hub.mode=publish&hub.url=http://p/a&hub.topic=http://p/a") == V{"http://p/a"});
}

TEST_CASE("publish pings without a valid topic are refused", "[websub][hub_request][PUB-06][D17]") {
  CHECK_FALSE(parse("hub.mode=publish"));
  CHECK_FALSE(parse("hub.mode=publish&hub.url="));
  CHECK_FALSE(parse("hub.mode=publish&hub.url=ftp://p/"));
  CHECK_FALSE(parse("hub.mode=publish&hub.url=http://p/a&hub.url=not-a-url"));
  std::string many = "hub.mode=publish";
  for (int i = 0; i <= 100; ++i) {
    many += "&hub.url=http://p/" + std::to_string(i);
  }
  CHECK_FALSE(parse(many));
}

TEST_CASE("takes the signing extensions on subscribe, refuses unknown values, ignores them on unsubscribe",
          "[websub][hub_request][signing_choices]") {
  const NewRequest plain = subscription(k_base);
  CHECK_FALSE(plain.signature_algorithm);
  CHECK_FALSE(plain.standard_webhooks);
  const NewRequest chosen = subscription(k_base + "&hub.signature_algorithm=sha512&hub.standard_webhooks=true");
  CHECK(chosen.signature_algorithm == SignatureAlgorithm::sha512);
  CHECK(chosen.standard_webhooks == true);
  CHECK(subscription(k_base + "&hub.standard_webhooks=false").standard_webhooks == false);
  CHECK_FALSE(subscription(k_base + "&hub.signature_algorithm=").signature_algorithm);  // empty: the hub's setting
  for (const std::string bad :
       {"&hub.signature_algorithm=md5", "&hub.signature_algorithm=SHA256", "&hub.standard_webhooks=yes",
        "&hub.standard_webhooks=1", "&hub.signature_algorithm=sha1&hub.signature_algorithm=sha256"}) {
    INFO(bad);
    const auto r = parse(k_base + bad);
    REQUIRE_FALSE(r);
    CHECK((r.error().message.find("hub.signature_algorithm") != std::string::npos ||
           r.error().message.find("hub.standard_webhooks") != std::string::npos));
  }
  auto unsubscribe = parse(
      "hub.mode=unsubscribe&hub.topic=http%3A%2F%2Fp%2Ft&hub.callback=http%3A%2F%2Fs%2Fcb&hub.signature_algorithm=md5");
  REQUIRE(unsubscribe);
  CHECK_FALSE(std::get<NewRequest>(*unsubscribe).signature_algorithm);
}

TEST_CASE("takes hub.feed_diff on subscribe, true or false, and refuses anything else",
          "[websub][hub_request][feed_diff]") {
  CHECK_FALSE(subscription(k_base).feed_diff);
  CHECK(subscription(k_base + "&hub.feed_diff=true").feed_diff == true);
  CHECK(subscription(k_base + "&hub.feed_diff=false").feed_diff == false);
  for (const std::string bad : {"&hub.feed_diff=yes", "&hub.feed_diff=1", "&hub.feed_diff=true&hub.feed_diff=true"}) {
    INFO(bad);
    const auto r = parse(k_base + bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("hub.feed_diff") != std::string::npos);
  }
}
