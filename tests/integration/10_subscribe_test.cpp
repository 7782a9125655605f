// 10: the hub endpoint accepting subscription requests (WebSub 5.1, 5.1.2):
// 202 + Location after a durable commit, status monitors, and every refusal a
// 4xx text/plain with no request to the callback.

#include <catch2/catch.hpp>

#include "hub_fixture.h"
#include "util/form.h"

using namespace hubbub::test;
using nlohmann::json;

namespace {

// After the bad requests, one good one: once its verification arrived, the
// callback server must have seen nothing else (requests are verified in the
// order they were accepted, and none of the bad ones was accepted).
void expect_no_callback_request_but_the_control(HubFixture& f) {
  const HttpReply control = subscribe(f.hub, "subscribe", k_topic, f.callback.url("/control"));
  REQUIRE(control.status == 202);
  REQUIRE(f.callback.wait_for_requests(1, std::chrono::seconds{10}));
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  const auto seen = f.callback.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].path == "/control");
}

}  // namespace

TEST_CASE("subscribe: 202 with Location, body and Retry-After, then verified",
          "[integration][subscribe][SUB-01][SUB-19][SUB-20][SUB-25][D1][V1][I1]") {
  HubFixture f;
  const HttpReply r = subscribe(f.hub, "subscribe", k_topic, f.callback.url("/cb"));
  REQUIRE(r.status == 202);
  const std::string monitor = r.header("location");
  CHECK(monitor.starts_with(f.hub.url("/requests/")));
  CHECK(r.header("retry-after") == "1");
  CHECK(r.header("content-type") == "application/json");
  const json body = json::parse(r.body);
  CHECK(body["state"] == "pending");
  CHECK(body["monitor"] == monitor);
  CHECK(body["mode"] == "subscribe");
  CHECK(body["topic"] == k_topic);

  const json settled = wait_settled(monitor);
  CHECK(settled["state"] == "verified");
  CHECK(settled["attempts"] == 1);
  CHECK(settled["lease_seconds_granted"] == 864000);
  CHECK(stored_subscriptions(f.database(), k_topic, f.callback.url("/cb")).size() == 1);
}

TEST_CASE("the 202 body is plain text when the client prefers it", "[integration][subscribe][D1]") {
  HubFixture f;
  const HttpReply r = http_post_form(
      f.hub.url("/"), form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", f.callback.url("/")}}),
      {"Accept: text/plain"});
  REQUIRE(r.status == 202);
  CHECK(r.header("content-type").starts_with("text/plain"));
  CHECK(r.body.find("state: pending") != std::string::npos);
  CHECK(r.body.find("monitor: " + r.header("location")) != std::string::npos);
}

TEST_CASE("status monitors: pending Retry-After, unknown id 404, survive a restart", "[integration][subscribe][D18]") {
  TempDir dir;
  TestHttpServer callback([](const RecordedRequest&) {
    CannedResponse r;
    r.status = 404;
    return r;
  });
  std::string monitor_path;
  {
    HubProcess hub(dir.file("hub.db"), test_hub_args());
    const HttpReply r = subscribe(hub, "subscribe", k_topic, callback.url("/cb"));
    REQUIRE(r.status == 202);
    monitor_path = r.header("location").substr(hub.url("").size());
    CHECK(wait_settled(r.header("location"))["state"] == "failed");
    const HttpReply unknown = http_get(hub.url("/requests/does-not-exist"));
    CHECK(unknown.status == 404);
    CHECK(unknown.header("content-type").starts_with("text/plain"));
  }
  HubProcess again(dir.file("hub.db"), test_hub_args());
  const HttpReply r = http_get(again.url(monitor_path));
  REQUIRE(r.status == 200);
  const json j = json::parse(r.body);
  CHECK(j["state"] == "failed");
  CHECK(j["last_error"].get<std::string>().find("HTTP 404") != std::string::npos);
}

TEST_CASE("unknown parameters and extra headers are ignored", "[integration][subscribe][SUB-08][SUB-09][V5]") {
  HubFixture f;
  const json j = subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/cb"),
                                      {{"foo", "bar"}, {"hub.foo", "hub.bar"}});
  CHECK(j["state"] == "verified");
  // This hub requires no authentication header; one sent anyway changes nothing.
  const HttpReply with_auth = http_post_form(
      f.hub.url("/"), form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", f.callback.url("/a")}}),
      {"Authorization: Bearer whatever", "X-Hub-On-Behalf-Of: 3"});
  CHECK(with_auth.status == 202);
}

TEST_CASE("legacy hub.verify is ignored and hub.verify_token echoed (§2.2)", "[integration][subscribe]") {
  HubFixture f;
  const json j = subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/cb"),
                                      {{"hub.verify", "sync"}, {"hub.verify_token", "tok 1"}});
  CHECK(j["state"] == "verified");
  CHECK(f.callback.requests().at(0).param("hub.verify_token") == "tok 1");
}

TEST_CASE("secrets under 200 bytes are accepted, even over plain http, 200 bytes refused",
          "[integration][subscribe][SUB-04][SUB-05][SUB-06][V10][V11]") {
  HubFixture f;
  CHECK(subscribe(f.hub, "subscribe", k_topic, f.callback.url("/a"), {{"hub.secret", std::string(199, 's')}}).status ==
        202);
  const HttpReply too_long =
      subscribe(f.hub, "subscribe", k_topic, f.callback.url("/b"), {{"hub.secret", std::string(200, 's')}});
  CHECK(too_long.status == 400);
  CHECK(too_long.header("content-type").starts_with("text/plain"));
  CHECK(too_long.body.find("hub.secret") != std::string::npos);
  std::string e_acute;
  for (int i = 0; i < 100; ++i) {
    e_acute += "\xc3\xa9";
  }
  CHECK(subscribe(f.hub, "subscribe", k_topic, f.callback.url("/c"), {{"hub.secret", e_acute}}).status == 400);
}

TEST_CASE("leases are clamped, defaulted and sent on every subscribe verification",
          "[integration][subscribe][SUB-07][D5][VER-02][VER-08][I14]") {
  HubFixture f({"--lease-min", "60", "--lease-default", "120", "--lease-max", "3600"});
  CHECK(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/short"),
                             {{"hub.lease_seconds", "1"}})["lease_seconds_granted"] == 60);
  CHECK(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/huge"),
                             {{"hub.lease_seconds", "99999999999999999999"}})["lease_seconds_granted"] == 3600);
  CHECK(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/none"))["lease_seconds_granted"] == 120);
  CHECK(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/ok"),
                             {{"hub.lease_seconds", "600"}})["lease_seconds_granted"] == 600);
  std::map<std::string, std::string> sent;
  for (const auto& req : f.callback.requests()) {
    sent[req.path] = req.param("hub.lease_seconds");
  }
  CHECK(sent["/short"] == "60");
  CHECK(sent["/huge"] == "3600");
  CHECK(sent["/none"] == "120");
  CHECK(sent["/ok"] == "600");
  // On unsubscribe a lease, even a malformed one, is ignored (SUB-07, V13).
  CHECK(subscribe_and_settle(f.hub, "unsubscribe", k_topic, f.callback.url("/ok"),
                             {{"hub.lease_seconds", "abc"}})["state"] == "verified");
}

TEST_CASE(
    "every bad request gets a 4xx text/plain reason and no callback request (SUB-02, SUB-03, SUB-21, "
    "SUB-22, V2-V4, V6-V9, V12b, V14, V16-V18)",
    "[integration][subscribe]") {
  HubFixture f;
  const std::string cb = f.callback.url("/bad");
  const std::string long_url = "http://publisher.example/" + std::string(2048, 'a');
  const std::vector<std::string> bodies = {
      form({{"hub.topic", k_topic}, {"hub.callback", cb}}),
      form({{"hub.mode", "bogus"}, {"hub.topic", k_topic}, {"hub.callback", cb}}),
      form({{"hub.mode", ""}, {"hub.topic", k_topic}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}}),
      form({{"hub.mode", "subscribe"}, {"hub.mode", "unsubscribe"}, {"hub.topic", k_topic}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", cb}, {"hub.callback", cb + "2"}}),
      "hub.mode=subscribe&hub.topic=%zz&hub.callback=" + cb,
      "hub.mode=subscribe&hub.topic=http://p/%&hub.callback=" + cb,
      form({{"hub.mode", "subscribe"}, {"hub.topic", "http://p/a\r\nX-Injected: 1"}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", std::string("http://p/a\0b", 12)}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", "http://p/a b"}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", "http://p/\xc3\x28"}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", long_url}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", "ftp://p/feed"}, {"hub.callback", cb}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "file:///etc/passwd"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "javascript:alert(1)"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "/relative/cb"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "//host/cb"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "http:/x"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "http://[::1"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "http://user:pw@127.0.0.1/cb"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", cb + "#fragment"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "http://127.0.0.1:0/cb"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", "http://127.0.0.1:65536/cb"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", cb}, {"hub.lease_seconds", "-1"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", cb}, {"hub.lease_seconds", "5.0"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", cb}, {"hub.lease_seconds", "1e3"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", cb}, {"hub.lease_seconds", " 5"}}),
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", cb}, {"hub.lease_seconds", ""}}),
  };
  for (const auto& body : bodies) {
    INFO(body.substr(0, 200));
    const HttpReply r = http_post_form(f.hub.url("/"), body);
    CHECK(r.status == 400);
    CHECK(r.header("content-type").starts_with("text/plain"));
    CHECK(r.body.size() > 1);
  }
  expect_no_callback_request_but_the_control(f);
}

TEST_CASE("non-form bodies get 415, oversized bodies 413", "[integration][subscribe][V6][V15]") {
  HubFixture f;
  const std::string good =
      form({{"hub.mode", "subscribe"}, {"hub.topic", k_topic}, {"hub.callback", f.callback.url("/x")}});
  const HttpReply json_body =
      http_post_form(f.hub.url("/"), R"({"hub.mode":"subscribe"})", {"Content-Type: application/json"});
  CHECK(json_body.status == 415);
  CHECK(json_body.header("content-type").starts_with("text/plain"));
  CHECK(http_post_form(f.hub.url("/"), good, {"Content-Type: multipart/form-data; boundary=x"}).status == 415);
  CHECK(http_post_form(f.hub.url("/"), good, {"Content-Type:"}).status == 415);
  CHECK(http_post_form(f.hub.url("/"), good + "&pad=" + std::string(17000, 'p')).status == 413);
  CHECK(http_post_form(f.hub.url("/"), good + "&pad=" + std::string(200000, 'p')).status == 413);
  // Chunked, without a length: judged by the same caps once received.
  CHECK(
      http_post_form(f.hub.url("/"), good + "&pad=" + std::string(17000, 'p'), {"Transfer-Encoding: chunked"}).status ==
      413);
  CHECK(http_post_form(f.hub.url("/"), std::string(3000000, 'p'), {"Transfer-Encoding: chunked"}).status == 413);
  CHECK(http_post_form(f.hub.url("/"), good, {"Transfer-Encoding: chunked"}).status == 202);
  // A charset parameter on the form type is fine.
  CHECK(
      http_post_form(f.hub.url("/"), good, {"Content-Type: application/x-www-form-urlencoded; charset=UTF-8"}).status ==
      202);
}

TEST_CASE("wrong methods get 405 with Allow, GET / a short page", "[integration][subscribe][V19]") {
  HubFixture f;
  for (const char* method : {"PUT", "DELETE", "PATCH"}) {
    INFO(method);
    const HttpReply r = http_request(method, f.hub.url("/"), "", {});
    CHECK(r.status == 405);
    CHECK(r.header("allow").find("POST") != std::string::npos);
  }
  const HttpReply page = http_get(f.hub.url("/"));
  CHECK(page.status == 200);
  CHECK(page.body.find("WebSub") != std::string::npos);
  CHECK(http_get(f.hub.url("/no/such/path")).status == 404);
}

TEST_CASE("the answer never waits for the callback", "[integration][subscribe][SUB-24]") {
  // The callback hangs and the hub waits ten minutes for it: each 202 comes
  // while its verification is still under way, on no clock.
  HubFixture f({"--outbound-timeout", "600"});
  f.callback.set_responder([](const RecordedRequest&) {
    CannedResponse r;
    r.hang = true;
    return r;
  });
  for (int i = 0; i < 3; ++i) {
    const HttpReply r = subscribe(f.hub, "subscribe", k_topic, f.callback.url("/hang" + std::to_string(i)));
    CHECK(r.status == 202);
    CHECK(json::parse(http_get(r.header("location")).body)["state"] == "pending");
  }
}

TEST_CASE("callback URLs keep their query, the topic is sent with unreserved escapes decoded",
          "[integration][subscribe][SUB-16][SUB-17][I9]") {
  HubFixture f;
  const std::string cb = f.callback.url("/cb?x=y&hub.challenge=imahacker");
  CHECK(subscribe_and_settle(f.hub, "subscribe", "http://publisher.example/%7Efoo", cb)["state"] == "failed");
  const RecordedRequest seen = f.callback.requests().at(0);
  CHECK(seen.query.starts_with("x=y&hub.challenge=imahacker&hub.mode=subscribe&"));
  CHECK(seen.param("hub.topic") == "http://publisher.example/~foo");
  // The subscriber echoing the *hub's* challenge verifies it.
  f.callback.set_responder([](const RecordedRequest& req) {
    CannedResponse r;
    auto form = hubbub::Form::parse(req.query).value();
    r.body = std::string(form.all("hub.challenge").back());
    return r;
  });
  CHECK(subscribe_and_settle(f.hub, "subscribe", "http://publisher.example/%7Efoo", cb)["state"] == "verified");
  CHECK(stored_subscriptions(f.database(), "http://publisher.example/~foo", cb).size() == 1);
}
