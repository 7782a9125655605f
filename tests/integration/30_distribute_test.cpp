// 30: publishing and content distribution (WebSub 6, 7): every form of ping,
// the exact content, Link and signature on every delivery, retries, dead
// letters, 410, unchanged content, fat pings, the publish status monitor.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <mutex>

#include "hub_fixture.h"
#include "util/percent_encoding.h"

using namespace hubbub::test;
using nlohmann::json;

namespace {

// A publisher's topic: serves the current body and Content-Type at any path.
class Topic {
 public:
  Topic() : m_server([this](const RecordedRequest&) { return current(); }) {}
  void set(std::string body, std::string content_type) {
    std::lock_guard lock(m_mutex);
    m_body = std::move(body);
    m_type = std::move(content_type);
  }
  std::string url(const std::string& path = "/feed") const { return m_server.url(path); }
  TestHttpServer& server() { return m_server; }

 private:
  CannedResponse current() {
    std::lock_guard lock(m_mutex);
    CannedResponse r;
    r.body = m_body;
    if (!m_type.empty()) {
      r.headers.emplace_back("Content-Type", m_type);
    }
    return r;
  }
  std::mutex m_mutex;
  std::string m_body = "<feed>one</feed>";
  std::string m_type = "application/atom+xml";
  TestHttpServer m_server;
};

bool wait_posts(const TestHttpServer& s, std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (s.posts().size() >= n) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return false;
}

std::string hmac_hex(const EVP_MD* md, const std::string& key, const std::string& body) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()), body.size(),
       out, &n);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) {
    hex.push_back(k_hex[out[i] >> 4]);
    hex.push_back(k_hex[out[i] & 15]);
  }
  return hex;
}

// "v1," and the base64 HMAC-SHA256 of "id.timestamp.body": the Standard
// Webhooks signature, computed here independently of the hub.
std::string standard_webhooks_v1(const std::string& key, const std::string& id, const std::string& timestamp,
                                 const std::string& body) {
  const std::string signed_text = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &n);
  unsigned char text[128];
  const int size = EVP_EncodeBlock(text, mac, static_cast<int>(n));
  return "v1," + std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

// Each of `n` callback paths got exactly one POST.
void check_one_post_each(const TestHttpServer& callback, std::size_t n) {
  std::map<std::string, int> per_path;
  for (const auto& p : callback.posts()) {
    ++per_path[p.path];
  }
  CHECK(per_path.size() == n);
  for (const auto& [path, count] : per_path) {
    INFO(path);
    CHECK(count == 1);
  }
}

}  // namespace

TEST_CASE("every publish form is accepted, fetched and delivered",
          "[integration][distribute][PUB-01][PUB-02][PUB-03][PUB-04][D1][D2][V21]") {
  HubFixture f;
  Topic topic;
  std::vector<std::string> topics;
  for (int i = 0; i < 6; ++i) {
    topics.push_back(topic.url("/t" + std::to_string(i)));
    subscribe_many(f.hub, f.database(), topics.back(), {f.callback.url("/cb" + std::to_string(i))});
  }
  const std::vector<std::vector<std::pair<std::string, std::string>>> pings = {
      {{"hub.url", topics[0]}},
      {{"hub.topic", topics[1]}},
      {{"hub.url", topics[2]}, {"hub.url", topics[3]}},
      {{"hub.url[]", topics[4]}, {"hub.url[]", topics[5]}},
  };
  std::size_t expected = 0;
  for (const auto& fields : pings) {
    const HttpReply r = publish(f.hub, fields);
    REQUIRE(r.status == 202);
    CHECK(r.header("location").starts_with(f.hub.url("/publishes/")));
    CHECK(json::parse(r.body)["topics"].size() == fields.size());
    expected += fields.size();
    const json done = wait_published(r.header("location"));
    for (const auto& t : done["topics"]) {
      CHECK(t["state"] == "distributed");
      CHECK(t["deliveries"]["delivered"] == 1);
    }
  }
  CHECK(f.callback.posts().size() == expected);
  // A comma list (every part a URL) names two topics.
  topic.set("<feed>two</feed>", "application/atom+xml");
  const HttpReply comma = publish(f.hub, {{"hub.url", topics[0] + "," + topics[1]}});
  REQUIRE(comma.status == 202);
  CHECK(wait_published(comma.header("location"))["topics"].size() == 2);
}

TEST_CASE("bad pings are refused with a reason", "[integration][distribute][PUB-06][D17]") {
  HubFixture f;
  for (const auto& body : {std::string("hub.mode=publish"), std::string("hub.mode=publish&hub.url=ftp://x/"),
                           std::string("hub.mode=publish&hub.url=not%20a%20url")}) {
    INFO(body);
    const HttpReply r = http_post_form(f.hub.url("/"), body);
    CHECK(r.status == 400);
    CHECK(r.header("content-type").starts_with("text/plain"));
  }
}

TEST_CASE(
    "a delivery is the exact content with Content-Type, Link, and the callback's query (DIST-01, DIST-02, "
    "DIST-03, DIST-04, DIST-05, DIST-06, DIST-07, DIST-08, DIST-11, DIST-13, SUB-18, D7, D10)",
    "[integration][distribute]") {
  HubFixture f({"--public-url", "http://hub.example/ws/"});
  // The hub serves its endpoint under the public URL's path.
  Topic topic;
  // A subscriber's response body is ignored (DIST-11).
  f.callback.set_responder([](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    r.body = "<html>garbage the hub must ignore</html>";
    return r;
  });
  const std::string cb = f.callback.url("/cb?user=7&x=%2F");
  const HttpReply s = http_post_form(
      f.hub.url("/ws/"), form({{"hub.mode", "subscribe"}, {"hub.topic", topic.url()}, {"hub.callback", cb}}));
  REQUIRE(s.status == 202);
  REQUIRE(wait_settled(f.hub.url(s.header("location").substr(std::string("http://hub.example").size())))["state"] ==
          "verified");
  const std::vector<std::pair<std::string, std::string>> contents = {
      {"<html><body>hi</body></html>", "text/html; charset=UTF-8"},
      {"plain text", "text/plain"},
      {R"({"a": [1, 2]})", "application/json"},
      {std::string("\0\x01\x02\xff binary", 11), "application/octet-stream"},
  };
  std::size_t n = 0;
  for (const auto& [body, type] : contents) {
    topic.set(body, type);
    REQUIRE(http_post_form(f.hub.url("/ws/"), form({{"hub.mode", "publish"}, {"hub.url", topic.url()}})).status == 202);
    REQUIRE(wait_posts(f.callback, ++n));
    const RecordedRequest got = f.callback.posts().back();
    CHECK(got.target == "/cb?user=7&x=%2F");
    CHECK(got.body == body);
    CHECK(got.header("content-type") == type);
    CHECK(got.header("link") == "<http://hub.example/ws/>; rel=\"hub\", <" + topic.url() + ">; rel=\"self\"");
    CHECK(got.header("x-hub-signature").empty());  // no secret, no header (SIG-06)
    CHECK(got.header("x-hub-delivery-id").size() == 24);
  }
  // A topic served without Content-Type is delivered without one.
  topic.set("untyped", "");
  REQUIRE(http_post_form(f.hub.url("/ws/"), form({{"hub.mode", "publish"}, {"hub.url", topic.url()}})).status == 202);
  REQUIRE(wait_posts(f.callback, ++n));
  CHECK(f.callback.posts().back().header("content-type").empty());
}

TEST_CASE(
    "signatures verify independently for all four algorithms, none without a secret (SIG-01, SIG-02, "
    "SIG-03, SIG-04, SIG-05, SIG-06, D4)",
    "[integration][distribute]") {
  for (const auto& [name, md] : std::vector<std::pair<std::string, const EVP_MD*>>{
           {"sha1", EVP_sha1()}, {"sha256", EVP_sha256()}, {"sha384", EVP_sha384()}, {"sha512", EVP_sha512()}}) {
    INFO(name);
    HubFixture f({"--signature-algorithm", name});
    Topic topic;
    topic.set("<feed>signed " + name + "</feed>", "application/atom+xml");
    subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/signed")}, {{"hub.secret", "k3y-" + name}});
    subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/plain")});
    REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
    REQUIRE(wait_posts(f.callback, 2));
    const RecordedRequest signed_post = f.callback.posts("/signed").at(0);
    CHECK(signed_post.header("x-hub-signature") == name + "=" + hmac_hex(md, "k3y-" + name, signed_post.body));
    CHECK(f.callback.posts("/plain").at(0).header("x-hub-signature").empty());
  }
}

TEST_CASE(
    "re-subscribing gives exactly one delivery, an unsubscribed callback gets none (SUB-10, STATE-01, "
    "STATE-02, STATE-04)",
    "[integration][distribute]") {
  HubFixture f;
  Topic topic;
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/twice")});
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/twice"), f.callback.url("/gone")});
  REQUIRE(subscribe_and_settle(f.hub, "unsubscribe", topic.url(), f.callback.url("/gone"))["state"] == "verified");
  const HttpReply r = publish(f.hub, {{"hub.url", topic.url()}});
  REQUIRE(r.status == 202);
  CHECK(wait_published(r.header("location"))["topics"][0]["deliveries"]["delivered"] == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  CHECK(f.callback.posts("/twice").size() == 1);
  CHECK(f.callback.posts("/gone").empty());
}

TEST_CASE("500, 500, 200: delivered once retries run, with one delivery id",
          "[integration][distribute][DIST-12][D4][D9]") {
  HubFixture f;
  Topic topic;
  f.callback.set_responder(statuses({500, 500, 200}));
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  const HttpReply r = publish(f.hub, {{"hub.url", topic.url()}});
  const json done = wait_published(r.header("location"));
  CHECK(done["topics"][0]["deliveries"]["delivered"] == 1);
  const auto got = f.callback.posts();
  REQUIRE(got.size() == 3);
  CHECK(got[0].header("x-hub-delivery-id") == got[2].header("x-hub-delivery-id"));
  CHECK(got[0].header("x-hub-delivery-attempt") == "1");
  CHECK(got[2].header("x-hub-delivery-attempt") == "3");
  CHECK(got[1].at - got[0].at >= std::chrono::milliseconds{35});
}

TEST_CASE(
    "with --standard-webhooks, webhook-id is the delivery id on every attempt, each attempt signed with its own "
    "timestamp, nothing without a secret",
    "[integration][distribute][standard_webhooks]") {
  HubFixture f({"--standard-webhooks"});
  Topic topic;
  topic.set("<feed>standard</feed>", "application/atom+xml");
  TestHttpServer plain;
  f.callback.set_responder(statuses({500, 200}));
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/signed")}, {{"hub.secret", "whs-k3y"}});
  subscribe_many(f.hub, f.database(), topic.url(), {plain.url("/plain")});
  const auto before = std::chrono::system_clock::now();
  const HttpReply r = publish(f.hub, {{"hub.url", topic.url()}});
  REQUIRE(r.status == 202);
  CHECK(wait_published(r.header("location"))["topics"][0]["deliveries"]["delivered"] == 2);
  const auto after = std::chrono::system_clock::now();
  const auto got = f.callback.posts("/signed");
  REQUIRE(got.size() == 2);
  for (const RecordedRequest& post : got) {
    INFO(post.header("x-hub-delivery-attempt"));
    CHECK(post.header("webhook-id") == post.header("x-hub-delivery-id"));
    CHECK_FALSE(post.header("webhook-id").empty());
    const std::string timestamp = post.header("webhook-timestamp");
    REQUIRE_FALSE(timestamp.empty());
    const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(timestamp)));
    CHECK(at >= std::chrono::floor<std::chrono::seconds>(before));
    CHECK(at <= after);
    CHECK(post.header("webhook-signature") ==
          standard_webhooks_v1("whs-k3y", post.header("webhook-id"), timestamp, post.body));
    // X-Hub-Signature is still there.
    CHECK(post.header("x-hub-signature") == "sha256=" + hmac_hex(EVP_sha256(), "whs-k3y", post.body));
  }
  CHECK(got[0].header("webhook-id") == got[1].header("webhook-id"));
  const auto unsigned_posts = plain.posts("/plain");
  REQUIRE(unsigned_posts.size() == 1);
  CHECK(unsigned_posts[0].header("webhook-id").empty());
  CHECK(unsigned_posts[0].header("webhook-signature").empty());
  CHECK(unsigned_posts[0].header("webhook-timestamp").empty());
}

TEST_CASE(
    "a subscriber chooses its signature algorithm and Standard Webhooks on subscribe, and a renewal without them "
    "returns to the hub's settings",
    "[integration][distribute][signing_choices]") {
  HubFixture f;  // the hub's settings: sha256, no Standard Webhooks
  Topic topic;
  topic.set("<feed>chosen</feed>", "application/atom+xml");
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/chosen")},
                 {{"hub.secret", "ch0sen"}, {"hub.signature_algorithm", "sha512"}, {"hub.standard_webhooks", "true"}});
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/default")}, {{"hub.secret", "d3fault"}});
  REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
  REQUIRE(wait_posts(f.callback, 2));
  const RecordedRequest chosen = f.callback.posts("/chosen").at(0);
  CHECK(chosen.header("x-hub-signature") == "sha512=" + hmac_hex(EVP_sha512(), "ch0sen", chosen.body));
  CHECK(chosen.header("webhook-signature") ==
        standard_webhooks_v1("ch0sen", chosen.header("webhook-id"), chosen.header("webhook-timestamp"), chosen.body));
  const RecordedRequest plain = f.callback.posts("/default").at(0);
  CHECK(plain.header("x-hub-signature") == "sha256=" + hmac_hex(EVP_sha256(), "d3fault", plain.body));
  CHECK(plain.header("webhook-signature").empty());

  // Renewed without the extensions: the hub's settings again.
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/chosen")}, {{"hub.secret", "ch0sen"}});
  topic.set("<feed>renewed</feed>", "application/atom+xml");
  REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
  REQUIRE(wait_posts(f.callback, 4));
  const RecordedRequest renewed = f.callback.posts("/chosen").at(1);
  CHECK(renewed.body == "<feed>renewed</feed>");
  CHECK(renewed.header("x-hub-signature") == "sha256=" + hmac_hex(EVP_sha256(), "ch0sen", renewed.body));
  CHECK(renewed.header("webhook-signature").empty());
}

TEST_CASE("hub.standard_webhooks=false turns the headers off for one subscription of a --standard-webhooks hub",
          "[integration][distribute][signing_choices]") {
  HubFixture f({"--standard-webhooks"});
  Topic topic;
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/off")},
                 {{"hub.secret", "0ff-k3y"}, {"hub.standard_webhooks", "false"}});
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/on")}, {{"hub.secret", "0n-k3y"}});
  REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
  REQUIRE(wait_posts(f.callback, 2));
  const RecordedRequest off = f.callback.posts("/off").at(0);
  CHECK(off.header("webhook-signature").empty());
  CHECK(off.header("webhook-id").empty());
  CHECK(off.header("x-hub-signature") == "sha256=" + hmac_hex(EVP_sha256(), "0ff-k3y", off.body));
  const RecordedRequest on = f.callback.posts("/on").at(0);
  CHECK(on.header("webhook-signature") ==
        standard_webhooks_v1("0n-k3y", on.header("webhook-id"), on.header("webhook-timestamp"), on.body));
}

TEST_CASE(
    "a renewal that changes the secret signs with the old one too during the grace period, in a header of its own "
    "and as a second Standard Webhooks signature",
    "[integration][distribute][rotation]") {
  HubFixture f({"--standard-webhooks"});
  HubFixture g({"--secret-grace", "0"});
  Topic topic;
  topic.set("<feed>rolled</feed>", "application/atom+xml");
  for (HubFixture* hub : {&f, &g}) {
    subscribe_many(hub->hub, hub->database(), topic.url(), {hub->callback.url("/cb")}, {{"hub.secret", "0ld-k3y"}});
    subscribe_many(hub->hub, hub->database(), topic.url(), {hub->callback.url("/cb")}, {{"hub.secret", "n3w-k3y"}});
    REQUIRE(publish(hub->hub, {{"hub.url", topic.url()}}).status == 202);
    REQUIRE(wait_posts(hub->callback, 1));
  }
  const RecordedRequest rolled = f.callback.posts("/cb").at(0);
  CHECK(rolled.header("x-hub-signature") == "sha256=" + hmac_hex(EVP_sha256(), "n3w-k3y", rolled.body));
  CHECK(rolled.header("x-hub-signature-previous") == "sha256=" + hmac_hex(EVP_sha256(), "0ld-k3y", rolled.body));
  const std::string id = rolled.header("webhook-id");
  const std::string timestamp = rolled.header("webhook-timestamp");
  CHECK(rolled.header("webhook-signature") == standard_webhooks_v1("n3w-k3y", id, timestamp, rolled.body) + " " +
                                                  standard_webhooks_v1("0ld-k3y", id, timestamp, rolled.body));

  // --secret-grace 0: the new secret alone.
  const RecordedRequest at_once = g.callback.posts("/cb").at(0);
  CHECK(at_once.header("x-hub-signature") == "sha256=" + hmac_hex(EVP_sha256(), "n3w-k3y", at_once.body));
  CHECK(at_once.header("x-hub-signature-previous").empty());

  // Renewed with the same secret: the grace runs on; without one: nothing signs.
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")}, {{"hub.secret", "n3w-k3y"}});
  topic.set("<feed>same</feed>", "application/atom+xml");
  REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
  REQUIRE(wait_posts(f.callback, 2));
  const RecordedRequest same = f.callback.posts("/cb").at(1);
  CHECK(same.header("x-hub-signature-previous") == "sha256=" + hmac_hex(EVP_sha256(), "0ld-k3y", same.body));
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  topic.set("<feed>none</feed>", "application/atom+xml");
  REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
  REQUIRE(wait_posts(f.callback, 3));
  const RecordedRequest none = f.callback.posts("/cb").at(2);
  CHECK(none.header("x-hub-signature").empty());
  CHECK(none.header("x-hub-signature-previous").empty());
  CHECK(none.header("webhook-signature").empty());
}

namespace {

const std::string k_atom_head =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" "
    "xmlns:yt=\"http://www.youtube.com/xml/schemas/2015\">\n<title>Diffed</title>\n";

std::string atom_entry(const std::string& id, const std::string& title) {
  return "<entry><id>urn:" + id + "</id><yt:videoId>" + id + "</yt:videoId><title>" + title +
         "</title><content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>" + title +
         "</p></div></content></entry>";
}

std::string atom_feed(const std::vector<std::string>& entries) {
  std::string out = k_atom_head;
  for (const auto& e : entries) {
    out += e + "\n";
  }
  return out + "</feed>\n";
}

}  // namespace

TEST_CASE(
    "with --feed-diff the first publish sends every entry, then only the new or edited ones inside the feed's own "
    "header, reordering sends nothing, and hub.feed_diff=false gets the whole feed",
    "[integration][distribute][feed_diff]") {
  HubFixture f({"--feed-diff"});
  Topic topic;
  const std::string e1 = atom_entry("1", "One");
  const std::string e2 = atom_entry("2", "Two");
  const std::string e3 = atom_entry("3", "Three");
  const std::string e2b = atom_entry("2", "Two, edited");
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/diff")});
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/whole")}, {{"hub.feed_diff", "false"}});
  auto publish_version = [&](const std::string& body) {
    topic.set(body, "application/atom+xml; charset=utf-8");
    const HttpReply r = publish(f.hub, {{"hub.url", topic.url()}});
    REQUIRE(r.status == 202);
    return wait_published(r.header("location"));
  };

  const std::string v1 = atom_feed({e1, e2});
  CHECK(publish_version(v1)["topics"][0]["deliveries"]["delivered"] == 2);
  REQUIRE(f.callback.posts("/diff").size() == 1);
  CHECK(f.callback.posts("/diff")[0].body == v1);  // every entry is new
  CHECK(f.callback.posts("/diff")[0].header("content-type") == "application/atom+xml; charset=utf-8");

  const std::string v2 = atom_feed({e3, e1, e2});
  CHECK(publish_version(v2)["topics"][0]["deliveries"]["delivered"] == 2);
  CHECK(f.callback.posts("/diff").at(1).body == k_atom_head + e3 + "\n\n\n</feed>\n");
  CHECK(f.callback.posts("/whole").at(1).body == v2);

  const std::string v3 = atom_feed({e3, e1, e2b});
  CHECK(publish_version(v3)["topics"][0]["deliveries"]["delivered"] == 2);
  const RecordedRequest edited = f.callback.posts("/diff").at(2);
  CHECK(edited.body == k_atom_head + "\n\n" + e2b + "\n</feed>\n");
  CHECK(edited.header("x-hub-signature").empty());  // no secret: unsigned, as ever

  // Reordered: nothing for the diff, the whole feed for the other.
  const std::string v4 = atom_feed({e1, e2b, e3});
  CHECK(publish_version(v4)["topics"][0]["deliveries"]["delivered"] == 1);
  CHECK(f.callback.posts("/diff").size() == 3);
  CHECK(f.callback.posts("/whole").at(3).body == v4);

  // HTML is never diffed.
  Topic page;
  page.set("<!DOCTYPE html><html><body><p>hello</p></body></html>", "text/html");
  subscribe_many(f.hub, f.database(), page.url(), {f.callback.url("/page")});
  CHECK(wait_published(
            publish(f.hub, {{"hub.url", page.url()}}).header("location"))["topics"][0]["deliveries"]["delivered"] == 1);
  CHECK(f.callback.posts("/page").at(0).body == "<!DOCTYPE html><html><body><p>hello</p></body></html>");
}

TEST_CASE(
    "hub.feed_diff=true on a hub without --feed-diff: a fetch with no entry new or updated sends nothing and is "
    "unchanged, and a broken feed is sent whole",
    "[integration][distribute][feed_diff]") {
  HubFixture f;
  Topic topic;
  const std::string e1 = atom_entry("1", "One");
  const std::string e2 = atom_entry("2", "Two");
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/optin")}, {{"hub.feed_diff", "true"}});
  topic.set(atom_feed({e1, e2}), "application/atom+xml");
  CHECK(wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"))["topics"][0]["state"] ==
        "distributed");
  topic.set(atom_feed({e2, e1}), "application/atom+xml");
  const json reordered = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(reordered["topics"][0]["state"] == "unchanged");
  const std::string broken = atom_feed({e2, e1}).substr(0, 200);
  topic.set(broken, "application/atom+xml");
  CHECK(wait_published(
            publish(f.hub, {{"hub.url", topic.url()}}).header("location"))["topics"][0]["deliveries"]["delivered"] ==
        1);
  const auto got = f.callback.posts("/optin");
  REQUIRE(got.size() == 2);
  CHECK(got[1].body == broken);
}

TEST_CASE("a redirect answering a delivery is a failure and is not followed",
          "[integration][distribute][DIST-10][D8]") {
  HubFixture f({"--delivery-attempts", "2"});
  Topic topic;
  TestHttpServer elsewhere;
  f.callback.set_responder([&](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    r.status = 302;
    r.headers.emplace_back("Location", elsewhere.url("/"));
    return r;
  });
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  const json done = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(done["topics"][0]["deliveries"]["failed"] == 1);
  CHECK(f.callback.posts().size() == 2);
  CHECK(elsewhere.request_count() == 0);
}

TEST_CASE("410 Gone ends the subscription", "[integration][distribute][STATE-08][D11]") {
  HubFixture f;
  Topic topic;
  f.callback.set_responder(statuses({410}));
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(stored_subscriptions(f.database(), topic.url(), f.callback.url("/cb")).empty());
  topic.set("<feed>again</feed>", "application/atom+xml");
  const json second = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(second["topics"][0]["state"] == "no_subscribers");
  CHECK(f.callback.posts().size() == 1);
}

TEST_CASE("failed deliveries become dead letters and never end the subscription",
          "[integration][distribute][STATE-07][DIST-12][D5]") {
  HubFixture f({"--delivery-attempts", "3"});
  Topic topic;
  f.callback.set_responder(statuses({500}));
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  const json first = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(first["topics"][0]["deliveries"]["failed"] == 1);
  CHECK(f.callback.posts().size() == 3);
  CHECK(stored_subscriptions(f.database(), topic.url(), f.callback.url("/cb")).size() == 1);
  // The next publish is attempted as usual.
  f.callback.set_responder(statuses({200}));
  topic.set("<feed>two</feed>", "application/atom+xml");
  const json second = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(second["topics"][0]["deliveries"]["delivered"] == 1);
}

TEST_CASE("Retry-After on 503 is honoured", "[integration][distribute][D7]") {
  HubFixture f;
  Topic topic;
  auto calls = std::make_shared<std::atomic<int>>(0);
  f.callback.set_responder([calls](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    if ((*calls)++ == 0) {
      r.status = 503;
      r.headers.emplace_back("Retry-After", "1");
    }
    return r;
  });
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  const auto got = f.callback.posts();
  REQUIRE(got.size() == 2);
  CHECK(got[1].at - got[0].at >= std::chrono::milliseconds{950});
}

TEST_CASE("unchanged content is not distributed again, the fetch is conditional",
          "[integration][distribute][PUB-07][PUB-08][PUB-09]") {
  HubFixture f;
  Topic topic;
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  CHECK(wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"))["topics"][0]["state"] ==
        "distributed");
  const json again = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(again["topics"][0]["state"] == "unchanged");
  CHECK(again["topics"][0]["subscribers"] == 1);  // those that would have been sent it
  topic.set("<feed>changed</feed>", "application/atom+xml");
  CHECK(wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"))["topics"][0]["state"] ==
        "distributed");
  CHECK(f.callback.posts().size() == 2);
  const auto fetches = topic.server().requests();
  REQUIRE(fetches.size() == 3);
  CHECK(fetches[0].header("user-agent").find("1 subscriber)") != std::string::npos);
  CHECK(fetches[0].header("user-agent").starts_with("Hubbub/"));
}

TEST_CASE("a topic without subscribers is accepted and not fetched", "[integration][distribute][D14][PUB-05]") {
  HubFixture f;
  Topic topic;
  const json done = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(done["topics"][0]["state"] == "no_subscribers");
  CHECK(topic.server().request_count() == 0);
}

TEST_CASE("topic redirects: 3 hops followed, a 4th fails, each re-checked",
          "[integration][distribute][D9][S13][DISC-03]") {
  HubFixture f;
  Topic topic;
  TestHttpServer hops([&](const RecordedRequest& req) {
    const int n = std::stoi(req.path.substr(5));  // /hop/N
    CannedResponse r;
    r.status = 302;
    r.headers.emplace_back("Location", n == 0 ? topic.url() : "/hop/" + std::to_string(n - 1));
    return r;
  });
  subscribe_many(f.hub, f.database(), hops.url("/hop/2"), {f.callback.url("/three")});
  subscribe_many(f.hub, f.database(), hops.url("/hop/3"), {f.callback.url("/four")});
  CHECK(wait_published(publish(f.hub, {{"hub.url", hops.url("/hop/2")}}).header("location"))["topics"][0]["state"] ==
        "distributed");
  const json four = wait_published(publish(f.hub, {{"hub.url", hops.url("/hop/3")}}).header("location"));
  CHECK(four["topics"][0]["state"] == "failed");
  CHECK(four["topics"][0]["last_error"].get<std::string>().find("redirects") != std::string::npos);
  CHECK(f.callback.posts("/three").size() == 1);
  CHECK(f.callback.posts("/four").empty());
  // A hop to a scheme other than http(s) fails the fetch.
  TestHttpServer to_file([](const RecordedRequest&) {
    CannedResponse r;
    r.status = 302;
    r.headers.emplace_back("Location", "file:///etc/passwd");
    return r;
  });
  subscribe_many(f.hub, f.database(), to_file.url("/t"), {f.callback.url("/file")});
  CHECK(wait_published(publish(f.hub, {{"hub.url", to_file.url("/t")}}).header("location"))["topics"][0]["state"] ==
        "failed");
}

TEST_CASE("fat pings need a publisher token, content is delivered as sent, without a fetch",
          "[integration][distribute][PUB-10][PUB-11]") {
  const std::string token = "publisher-token-0123456789";
  HubFixture f({"--publisher-token", token});
  Topic topic;
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  const std::string url = f.hub.url("/?hub.mode=publish&hub.topic=" + hubbub::percent_encode(topic.url()));
  const std::string body = R"({"fat": true})";
  const HttpReply none = http_request("POST", url, body, {"Content-Type: application/json"});
  CHECK(none.status == 401);
  CHECK(none.header("www-authenticate").starts_with("Bearer"));
  const HttpReply wrong =
      http_request("POST", url, body, {"Content-Type: application/json", "Authorization: Bearer wrong-token-000000"});
  CHECK(wrong.status == 403);
  const HttpReply ok =
      http_request("POST", url, body, {"Content-Type: application/json", "Authorization: Bearer " + token});
  REQUIRE(ok.status == 202);
  CHECK(wait_published(ok.header("location"))["topics"][0]["deliveries"]["delivered"] == 1);
  const auto got = f.callback.posts();
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == body);
  CHECK(got[0].header("content-type") == "application/json");
  CHECK(topic.server().request_count() == 0);
}

TEST_CASE("with --feed-diff a fat ping's feed is diffed like a fetched one, and JSON passes verbatim",
          "[integration][distribute][feed_diff][PUB-10]") {
  const std::string token = "publisher-token-0123456789";
  HubFixture f({"--publisher-token", token, "--feed-diff"});
  Topic topic;
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  const std::string url = f.hub.url("/?hub.mode=publish&hub.topic=" + hubbub::percent_encode(topic.url()));
  auto fat = [&](const std::string& body, const std::string& type) {
    const HttpReply r = http_request("POST", url, body, {"Content-Type: " + type, "Authorization: Bearer " + token});
    REQUIRE(r.status == 202);
    return wait_published(r.header("location"))["topics"][0]["deliveries"]["delivered"];
  };
  const std::string e1 = atom_entry("1", "One");
  const std::string e2 = atom_entry("2", "Two");
  const std::string e3 = atom_entry("3", "Three");
  CHECK(fat(atom_feed({e1, e2}), "application/atom+xml") == 1);
  CHECK(fat(atom_feed({e3, e1, e2}), "application/atom+xml") == 1);
  const std::string json_body = R"({"items": [{"id": 1}, {"id": 2}]})";
  CHECK(fat(json_body, "application/json") == 1);
  const auto got = f.callback.posts();
  REQUIRE(got.size() == 3);
  CHECK(got[0].body == atom_feed({e1, e2}));
  CHECK(got[1].body == k_atom_head + e3 + "\n\n\n</feed>\n");
  CHECK(got[1].header("content-type") == "application/atom+xml");
  CHECK(got[2].body == json_body);
  CHECK(topic.server().request_count() == 0);
}

TEST_CASE("publish-status 204 answers pings with 204", "[integration][distribute][D2][PUB-05]") {
  HubFixture f({"--publish-status", "204"});
  Topic topic;
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  const HttpReply r = publish(f.hub, {{"hub.url", topic.url()}});
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(wait_posts(f.callback, 1));
}

TEST_CASE("200 subscribers get exactly one POST each, the monitor counts them", "[integration][distribute][D1][D18]") {
  HubFixture f;
  Topic topic;
  std::vector<std::string> callbacks;
  for (int i = 0; i < 200; ++i) {
    callbacks.push_back(f.callback.url("/s" + std::to_string(i)));
  }
  subscribe_many(f.hub, f.database(), topic.url(), callbacks, {{"hub.secret", "fan-out-secret"}});
  const json done = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(done["topics"][0]["subscribers"] == 200);
  CHECK(done["topics"][0]["deliveries"]["delivered"] == 200);
  check_one_post_each(f.callback, 200);
}

TEST_CASE("a fan-out written in chunks reaches every subscriber once, distributing until all is written",
          "[integration][distribute][D1][D18]") {
  HubFixture f({"--fanout-chunk", "3"});
  Topic topic;
  std::vector<std::string> callbacks;
  for (int i = 0; i < 10; ++i) {
    callbacks.push_back(f.callback.url("/c" + std::to_string(i)));
  }
  subscribe_many(f.hub, f.database(), topic.url(), callbacks);
  const std::string monitor = publish(f.hub, {{"hub.url", topic.url()}}).header("location");
  const json done = wait_published(monitor);
  CHECK(done["topics"][0]["state"] == "distributed");
  CHECK(done["topics"][0]["subscribers"] == 10);
  CHECK(done["topics"][0]["deliveries"]["delivered"] == 10);
  check_one_post_each(f.callback, 10);
}

TEST_CASE("fetch failures are retried with backoff and shown in the publish status, then fail",
          "[integration][distribute][PUB-07]") {
  HubFixture f;
  auto calls = std::make_shared<std::atomic<int>>(0);
  TestHttpServer topic([calls](const RecordedRequest&) {
    CannedResponse r;
    r.status = ++*calls <= 2 ? 503 : 200;
    r.body = "<feed>eventually</feed>";
    return r;
  });
  subscribe_many(f.hub, f.database(), topic.url("/feed"), {f.callback.url("/cb")});
  const json done = wait_published(publish(f.hub, {{"hub.url", topic.url("/feed")}}).header("location"));
  CHECK(done["topics"][0]["state"] == "distributed");
  CHECK(done["topics"][0]["attempts"] == 3);
  CHECK(topic.request_count() == 3);

  TestHttpServer broken([](const RecordedRequest&) {
    CannedResponse r;
    r.status = 500;
    return r;
  });
  subscribe_many(f.hub, f.database(), broken.url("/feed"), {f.callback.url("/cb2")});
  const json failed = wait_published(publish(f.hub, {{"hub.url", broken.url("/feed")}}).header("location"));
  CHECK(failed["topics"][0]["state"] == "failed");
  CHECK(failed["topics"][0]["last_error"].get<std::string>().find("HTTP 500") != std::string::npos);
  CHECK(broken.request_count() == 4);  // k_fetch_attempts
}

TEST_CASE("topic content over the size cap fails the fetch", "[integration][distribute][A9]") {
  HubFixture f({"--max-content-bytes", "1000"});
  TestHttpServer topic([](const RecordedRequest&) {
    CannedResponse r;
    r.body = std::string(5000, 'x');
    return r;
  });
  subscribe_many(f.hub, f.database(), topic.url("/big"), {f.callback.url("/cb")});
  const json done = wait_published(publish(f.hub, {{"hub.url", topic.url("/big")}}).header("location"));
  CHECK(done["topics"][0]["state"] == "failed");
  CHECK(done["topics"][0]["last_error"].get<std::string>().find("larger than 1000 bytes") != std::string::npos);
  CHECK(f.callback.posts().empty());
}

TEST_CASE("a hanging subscriber does not delay the others", "[integration][distribute][D10]") {
  // The hanging delivery cannot end while the test runs (its timeout is ten
  // minutes away): the others arrive without waiting for it, on no clock.
  HubFixture f({"--outbound-timeout", "600"});
  Topic topic;
  TestHttpServer hanging([](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    r.hang = true;
    return r;
  });
  subscribe_many(f.hub, f.database(), topic.url(), {hanging.url("/stuck")});
  std::vector<std::string> fast;
  for (int i = 0; i < 20; ++i) {
    fast.push_back(f.callback.url("/fast" + std::to_string(i)));
  }
  subscribe_many(f.hub, f.database(), topic.url(), fast);
  REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
  CHECK(wait_posts(f.callback, 20, std::chrono::seconds{60}));
  CHECK(hanging.request_count() == 2);  // its verification, and the delivery still hanging
}

TEST_CASE("a renewal restarts the lease: delivered after the first lease would have ended",
          "[integration][distribute][STATE-06][VER-03]") {
  HubFixture f({"--lease-min", "1"});
  Topic topic;
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")}, {{"hub.lease_seconds", "2"}});
  std::this_thread::sleep_for(std::chrono::milliseconds{1200});
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")}, {{"hub.lease_seconds", "2"}});
  std::this_thread::sleep_for(std::chrono::milliseconds{1200});  // past the first lease, within the second
  CHECK(wait_published(
            publish(f.hub, {{"hub.url", topic.url()}}).header("location"))["topics"][0]["deliveries"]["delivered"] ==
        1);
  // And once the renewed lease has ended too, nothing is delivered (STATE-05, VER-09).
  std::this_thread::sleep_for(std::chrono::milliseconds{1500});
  topic.set("<feed>later</feed>", "application/atom+xml");
  CHECK(wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"))["topics"][0]["state"] ==
        "no_subscribers");
  CHECK(f.callback.posts().size() == 1);
}

TEST_CASE("a slow host with many subscriptions does not hold up another host", "[integration][distribute][D10][D11]") {
  // The slow host's deliveries cannot end while the test runs (their timeout
  // is ten minutes away), so none of its slots frees up: the other host's
  // deliveries arrive beside them, on no clock.
  HubFixture f({"--outbound-timeout", "600"});
  Topic topic;
  TestHttpServer slow([](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    r.hang = true;
    return r;
  });
  // Topic A: more slow deliveries than the distributor may have in flight (512).
  std::vector<std::string> slow_callbacks;
  for (int i = 0; i < 600; ++i) {
    slow_callbacks.push_back(slow.url("/s" + std::to_string(i)));
  }
  subscribe_many(f.hub, f.database(), topic.url("/a"), slow_callbacks);
  std::vector<std::string> fast;
  for (int i = 0; i < 20; ++i) {
    fast.push_back(f.callback.url("/fast" + std::to_string(i)));
  }
  subscribe_many(f.hub, f.database(), topic.url("/b"), fast);
  REQUIRE(publish(f.hub, {{"hub.url", topic.url("/a")}}).status == 202);
  REQUIRE(slow.wait_for_requests(600 + 8, std::chrono::seconds{10}));  // verifications, then the first deliveries
  // Topic B's deliveries are queued after all of topic A's.
  REQUIRE(publish(f.hub, {{"hub.url", topic.url("/b")}}).status == 202);
  CHECK(wait_posts(f.callback, 20, std::chrono::seconds{60}));
  // Queued behind the slow host they would wait for its deliveries to end.
  CHECK(slow.request_count() == 600 + 8);
}

TEST_CASE(
    "a host that keeps failing is paused by the circuit breaker: its deliveries wait, uncharged, and other hosts "
    "are served (D12)",
    "[integration][distribute]") {
  HubFixture f({"--delivery-attempts", "3", "--admin-token", "breaker-admin-token-0123456789"});
  Topic topic;
  TestHttpServer failing(statuses({503}));
  std::vector<std::string> broken;
  for (int i = 0; i < 25; ++i) {
    broken.push_back(failing.url("/b" + std::to_string(i)));
  }
  subscribe_many(f.hub, f.database(), topic.url(), broken);
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/healthy")});
  REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
  REQUIRE(wait_posts(f.callback, 1));
  REQUIRE(wait_posts(failing, 25));
  REQUIRE(f.hub.wait_for_log("event=circuit_breaker_open origin=http://127.0.0.1:" + std::to_string(failing.port()),
                             std::chrono::seconds{20}));
  // Once the breaker is open every queued delivery to the host waits for the
  // probe, 30 s on, with the attempts it had: at any speed, wait (bounded)
  // until all 25 do.
  const std::string origin = "'http://127.0.0.1:" + std::to_string(failing.port()) + "'";
  auto waiting_for_probe = [&] {
    const auto row = stored_row(
        f.database(),
        "SELECT count(*), max(attempts) FROM deliveries WHERE state = 0 AND claimed_until IS NULL "
        "AND origin = " +
            origin + " AND due_at > " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch() + std::chrono::seconds{20})
                               .count()));
    return std::pair<int, int>{static_cast<int>(row[0]), static_cast<int>(row[1])};
  };
  std::pair<int, int> waiting = waiting_for_probe();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (waiting.first < 25 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    waiting = waiting_for_probe();
  }
  CHECK(waiting.first == 25);
  CHECK(waiting.second < 3);  // never charged to a dead letter
  // While paused nothing more is sent: with a 0.05 s retry base every
  // delivery would otherwise be tried again, and dead, within this second.
  const std::size_t sent = failing.posts().size();
  std::this_thread::sleep_for(std::chrono::milliseconds{1000});
  CHECK(failing.posts().size() == sent);
  const auto admin = [&](const std::string& path) {
    return json::parse(
        http_request("GET", f.hub.url("/admin/" + path), "", {"Authorization: Bearer breaker-admin-token-0123456789"})
            .body);
  };
  CHECK(admin("dead-letters")["dead_letters"].empty());
  const std::string failures = admin("failures").dump();
  CHECK(failures.find("circuit breaker opened") != std::string::npos);
  const std::string metrics = http_get(f.hub.url("/metrics")).body;
  CHECK(metrics.find("hubbub_queue_depth{queue=\"delivery\"} 25") != std::string::npos);
  // The healthy host is not held up by the paused one.
  topic.set("<feed>newer</feed>", "application/atom+xml");
  REQUIRE(publish(f.hub, {{"hub.url", topic.url()}}).status == 202);
  CHECK(wait_posts(f.callback, 2, std::chrono::seconds{5}));
}

TEST_CASE("at the cap on queued deliveries new pings get 503 until the queue drains, and nothing is lost",
          "[integration][distribute][D15]") {
  HubFixture f({"--max-queued-deliveries", "5"});
  Topic topic;
  std::vector<std::string> callbacks;
  for (int i = 0; i < 10; ++i) {
    callbacks.push_back(f.callback.url("/cb/" + std::to_string(i)));
  }
  subscribe_many(f.hub, f.database(), topic.url(), callbacks);
  f.callback.set_responder(statuses({503}));  // deliveries fail and stay queued, retried
  const HttpReply first = publish(f.hub, {{"hub.url", topic.url()}});
  REQUIRE(first.status == 202);
  REQUIRE(wait_posts(f.callback, 10));

  // Ten deliveries queued, the cap is five: a new ping is refused.
  topic.set("<feed>two</feed>", "application/atom+xml");
  const HttpReply refused = publish(f.hub, {{"hub.url", topic.url()}});
  CHECK(refused.status == 503);
  CHECK(refused.header("retry-after") == "60");
  CHECK(refused.body.find("delivery queue is full") != std::string::npos);
  CHECK(f.hub.wait_for_log("event=fetches_held_back"));

  // The subscribers recover: the queue drains, pings are accepted again, and
  // every notification accepted is delivered.
  f.callback.set_responder(statuses({200}));
  CHECK(wait_published(first.header("location"), std::chrono::seconds{30})["topics"][0]["deliveries"]["delivered"] ==
        10);
  HttpReply again;
  for (int i = 0; i < 100 && again.status != 202; ++i) {
    again = publish(f.hub, {{"hub.url", topic.url()}});
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  REQUIRE(again.status == 202);
  CHECK(wait_published(again.header("location"))["topics"][0]["deliveries"]["delivered"] == 10);
  std::size_t second_content = 0;
  for (const auto& post : f.callback.posts()) {
    second_content += post.body == "<feed>two</feed>" ? 1 : 0;
  }
  CHECK(second_content == 10);
}

TEST_CASE("a burst of pings for one topic is coalesced: one fetch answers every ping that arrived before it",
          "[integration][distribute][D15]") {
  HubFixture f;
  // The topic answers only once every ping is in: however fast or slow the
  // hub, the first fetch is still running when the burst has arrived.
  auto gate = std::make_shared<Gate>();
  TestHttpServer slow_topic(held(gate, atom_feed("<feed>burst</feed>")));
  struct OpenAtExit {
    std::shared_ptr<Gate> gate;
    ~OpenAtExit() { gate->open(); }
  } at_exit{gate};
  const std::string topic = slow_topic.url("/feed");
  subscribe_many(f.hub, f.database(), topic, {f.callback.url("/cb")});
  std::vector<std::string> monitors;
  for (int i = 0; i < 100; ++i) {
    const HttpReply r = publish(f.hub, {{"hub.url", topic}});
    REQUIRE(r.status == 202);
    monitors.push_back(r.header("location"));
  }
  gate->open();
  std::map<std::string, int> states;
  for (const auto& monitor : monitors) {
    ++states[wait_published(monitor)["topics"][0]["state"].get<std::string>()];
  }
  INFO("distributed " << states["distributed"] << ", coalesced " << states["coalesced"] << ", unchanged "
                      << states["unchanged"]);
  // The first fetch answers the pings that came before it began; the next
  // one, begun after the burst, answers all the rest.
  CHECK(states["distributed"] == 1);
  CHECK(states["distributed"] + states["coalesced"] + states["unchanged"] == 100);
  CHECK(states["coalesced"] >= 98);
  CHECK(slow_topic.request_count() <= 2);
  CHECK(f.callback.posts().size() == 1);
}

TEST_CASE("a subscriber answering 200 with a 20 MB body: delivered, the body neither kept nor waited for",
          "[integration][distribute][D16]") {
  HubFixture f;
  Topic topic;
  f.callback.set_responder([](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    r.body = std::string(20 * 1024 * 1024, 'x');
    return r;
  });
  subscribe_many(f.hub, f.database(), topic.url(), {f.callback.url("/cb")});
  const json done = wait_published(publish(f.hub, {{"hub.url", topic.url()}}).header("location"));
  CHECK(done["topics"][0]["deliveries"]["delivered"] == 1);
  CHECK(done["topics"][0]["deliveries"]["failed"] == 0);
  CHECK(f.callback.posts().size() == 1);
}
