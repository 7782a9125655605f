// The real libcurl client against a real server on loopback.

#include "net/curl_http_client.h"

#include <catch2/catch.hpp>

#include <future>

#include "support/client_requests.h"
#include "support/test_http_server.h"

using namespace hubbub;
using hubbub::test::CannedResponse;
using hubbub::test::RecordedRequest;
using hubbub::test::TestHttpServer;

namespace {

HttpResult fetch(HttpClient& client, HttpRequest request) {
  std::promise<HttpResult> promise;
  auto future = promise.get_future();
  client.send(std::move(request), [&promise](HttpResult r) { promise.set_value(std::move(r)); });
  REQUIRE(future.wait_for(std::chrono::seconds{20}) == std::future_status::ready);
  return future.get();
}

using test::get_request;

CannedResponse ok_body(std::string body) {
  CannedResponse r;
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("blocks loopback spellings before connecting", "[net][curl_http_client][S1][S2][S4]") {
  TestHttpServer server([](const RecordedRequest&) { return ok_body("hello"); });
  CurlHttpClient client(std::make_shared<EgressPolicy>(false), {});
  const std::string port = std::to_string(server.port());
  for (const std::string host : {"127.0.0.1", "0x7f.1", "2130706433", "127.1", "0177.0.0.1", "localhost",
                                 "foo.localhost", "[::ffff:127.0.0.1]"}) {
    INFO(host);
    auto r = fetch(client, get_request("http://" + host + ":" + port + "/x"));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == HttpFailure::blocked_address);
  }
  CHECK(server.connections() == 0);
}

TEST_CASE("reaches loopback when private networks are allowed", "[net][curl_http_client][S17]") {
  TestHttpServer server([](const RecordedRequest&) { return ok_body("hello"); });
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), {});
  auto r = fetch(client, get_request(server.url("/x?a=1")));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello");
  CHECK(server.requests().at(0).target == "/x?a=1");
}

TEST_CASE("never connects to the hub's own endpoint, even when allowed", "[net][curl_http_client][S14]") {
  TestHttpServer server([](const RecordedRequest&) { return ok_body("hello"); });
  auto policy = std::make_shared<EgressPolicy>(true);
  policy->add_own_endpoint(*IpAddress::parse("127.0.0.1"), server.port());
  CurlHttpClient client(policy, {});
  auto r = fetch(client, get_request(server.url("/")));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == HttpFailure::blocked_address);
  CHECK(server.connections() == 0);
}

TEST_CASE("judges the address a name resolves to at connect time, so a rebound name is refused",
          "[net][curl_http_client][S10][S11]") {
  // A fake resolver: "rebound.example" answers with loopback, as a name that
  // was public when the subscription arrived might by the time of sending.
  TestHttpServer server([](const RecordedRequest&) { return ok_body("hello"); });
  const std::string port = std::to_string(server.port());
  HttpClientLimits limits;
  limits.resolve = {"rebound.example:" + port + ":127.0.0.1", "private.example:" + port + ":10.0.0.1,127.0.0.1"};
  CurlHttpClient client(std::make_shared<EgressPolicy>(false), limits);
  for (const std::string host : {"rebound.example", "private.example"}) {
    INFO(host);
    auto r = fetch(client, get_request("http://" + host + ":" + port + "/x"));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == HttpFailure::blocked_address);
  }
  CHECK(server.connections() == 0);
}

TEST_CASE("a refused address of a name is skipped and the next one is used", "[net][curl_http_client][S10][S14]") {
  TestHttpServer server([](const RecordedRequest&) { return ok_body("hello"); });
  const std::string port = std::to_string(server.port());
  auto policy = std::make_shared<EgressPolicy>(true);
  policy->add_own_endpoint(*IpAddress::parse("127.0.0.2"), server.port());  // refused even when allowed
  HttpClientLimits limits;
  limits.resolve = {"two.example:" + port + ":127.0.0.2,127.0.0.1"};
  CurlHttpClient client(policy, limits);
  auto r = fetch(client, get_request("http://two.example:" + port + "/x"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(server.connections() == 1);
}

TEST_CASE("returns redirects without following them", "[net][curl_http_client][VER-05][S12]") {
  TestHttpServer target([](const RecordedRequest&) { return ok_body("moved here"); });
  TestHttpServer server([&](const RecordedRequest&) {
    CannedResponse r;
    r.status = 302;
    r.headers.emplace_back("Location", target.url("/"));
    return r;
  });
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), {});
  auto r = fetch(client, get_request(server.url("/")));
  REQUIRE(r);
  CHECK(r->status == 302);
  CHECK(target.request_count() == 0);
}

TEST_CASE("caps response bodies", "[net][curl_http_client][I7]") {
  TestHttpServer server([](const RecordedRequest&) { return ok_body(std::string(100000, 'x')); });
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), {});
  HttpRequest capped = get_request(server.url("/"));
  capped.max_response_bytes = 1000;
  auto r = fetch(client, capped);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == HttpFailure::too_large);

  capped.oversize = OversizeBody::truncate;
  auto kept = fetch(client, capped);
  REQUIRE(kept);
  CHECK(kept->status == 200);
  CHECK(kept->body.size() == 1000);
}

TEST_CASE("times out a hanging server", "[net][curl_http_client][I6]") {
  TestHttpServer server([](const RecordedRequest&) {
    CannedResponse r;
    r.hang = true;
    return r;
  });
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), {});
  HttpRequest slow = get_request(server.url("/"));
  slow.timeout = std::chrono::milliseconds{300};
  const auto start = std::chrono::steady_clock::now();
  auto r = fetch(client, slow);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == HttpFailure::timeout);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds{5});
}

TEST_CASE("queues per origin in the application, so queue time does not eat the timeout", "[net][curl_http_client]") {
  TestHttpServer server([](const RecordedRequest&) {
    CannedResponse r;
    r.delay = std::chrono::milliseconds{300};
    r.body = "slow";
    return r;
  });
  HttpClientLimits limits;
  limits.max_per_origin = 1;
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), limits);
  std::vector<std::future<HttpResult>> results;
  std::vector<std::shared_ptr<std::promise<HttpResult>>> promises;
  for (int i = 0; i < 4; ++i) {
    auto p = std::make_shared<std::promise<HttpResult>>();
    results.push_back(p->get_future());
    HttpRequest r = get_request(server.url("/"));
    r.timeout = std::chrono::milliseconds{1000};  // shorter than 4 x 300 ms in a row
    client.send(std::move(r), [p](HttpResult res) { p->set_value(std::move(res)); });
    promises.push_back(p);
  }
  for (auto& f : results) {
    REQUIRE(f.wait_for(std::chrono::seconds{20}) == std::future_status::ready);
    auto r = f.get();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("ignores proxy settings from the environment", "[net][curl_http_client][S16]") {
  TestHttpServer proxy([](const RecordedRequest&) { return ok_body("from the proxy"); });
  TestHttpServer server([](const RecordedRequest&) { return ok_body("direct"); });
  setenv("http_proxy", proxy.url("/").c_str(), 1);
  setenv("HTTP_PROXY", proxy.url("/").c_str(), 1);
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), {});
  auto r = fetch(client, get_request(server.url("/")));
  unsetenv("http_proxy");
  unsetenv("HTTP_PROXY");
  REQUIRE(r);
  CHECK(r->body == "direct");
  CHECK(proxy.request_count() == 0);
}

TEST_CASE("refuses schemes other than http and https", "[net][curl_http_client]") {
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), {});
  auto r = fetch(client, get_request("ftp://127.0.0.1/x"));
  REQUIRE_FALSE(r);
  CHECK((r.error().kind == HttpFailure::bad_url || r.error().kind == HttpFailure::blocked_address));
}

TEST_CASE("fails queued requests with 'cancelled' when stopped", "[net][curl_http_client]") {
  TestHttpServer server([](const RecordedRequest&) {
    CannedResponse r;
    r.hang = true;
    return r;
  });
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), {});
  std::promise<HttpResult> p;
  auto f = p.get_future();
  client.send(get_request(server.url("/")), [&p](HttpResult r) { p.set_value(std::move(r)); });
  REQUIRE(server.wait_for_requests(1, std::chrono::seconds{5}));
  client.stop();
  REQUIRE(f.wait_for(std::chrono::seconds{5}) == std::future_status::ready);
  auto r = f.get();
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == HttpFailure::cancelled);
}

TEST_CASE("a freed per-origin slot starts the next queued request at once", "[net][curl_http_client]") {
  TestHttpServer server([](const RecordedRequest&) { return ok_body("fast"); });
  HttpClientLimits limits;
  limits.max_per_origin = 1;
  CurlHttpClient client(std::make_shared<EgressPolicy>(true), limits);
  std::vector<std::shared_ptr<std::promise<HttpResult>>> promises;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    auto p = std::make_shared<std::promise<HttpResult>>();
    promises.push_back(p);
    client.send(get_request(server.url("/")), [p](HttpResult r) { p->set_value(std::move(r)); });
  }
  for (auto& p : promises) {
    REQUIRE(p->get_future().get());
  }
  // Before the fix each queued request waited for the 1 s idle poll (10 s in all).
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds{5});
}
