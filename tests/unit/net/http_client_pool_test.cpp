// The pool of libcurl clients against real servers on loopback.

#include "net/http_client_pool.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "support/client_requests.h"
#include "support/test_http_server.h"

using namespace hubbub;
using hubbub::test::CannedResponse;
using hubbub::test::RecordedRequest;
using hubbub::test::TestHttpServer;

namespace {

using test::get_request;

}  // namespace

TEST_CASE("the automatic choice is one thread per core, at most k_max_http_client_threads", "[net][http_client_pool]") {
  CHECK(HttpClientPool::automatic(0) == 1);
  CHECK(HttpClientPool::automatic(1) == 1);
  CHECK(HttpClientPool::automatic(2) == 2);
  CHECK(HttpClientPool::automatic(64) == k_max_http_client_threads);
}

TEST_CASE("one origin always goes to the same client, and origins are spread over the clients",
          "[net][http_client_pool]") {
  HttpClientPool pool(std::make_shared<EgressPolicy>(true), {}, 3);
  REQUIRE(pool.threads() == 3);
  std::set<std::size_t> used;
  for (int i = 1; i <= 50; ++i) {
    const std::string origin = "http://127.0.0." + std::to_string(i) + ":8080";
    const std::size_t client = pool.client_of(origin + "/a");
    CHECK(pool.client_of(origin + "/b?x=1") == client);
    CHECK(pool.client_of(origin + "/") == client);
    used.insert(client);
  }
  CHECK(used.size() == 3);
}

TEST_CASE("requests through several clients are all answered, and the cap per origin holds",
          "[net][http_client_pool]") {
  // Two servers (two origins), each answering on a thread per connection
  // after a short pause: more requests of one origin at once than its cap
  // would show in the server's own count.
  struct Concurrency {
    std::atomic<int> now{0};
    std::atomic<int> most{0};
  };
  auto responder_for = [](Concurrency& c) {
    return [&c](const RecordedRequest&) {
      const int n = ++c.now;
      for (int seen = c.most.load(); n > seen && !c.most.compare_exchange_weak(seen, n);) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
      --c.now;
      CannedResponse r;
      r.body = "ok";
      return r;
    };
  };
  Concurrency at_a;
  Concurrency at_b;
  TestHttpServer a(responder_for(at_a));
  TestHttpServer b(responder_for(at_b));
  HttpClientLimits limits;
  limits.max_per_origin = 2;
  HttpClientPool pool(std::make_shared<EgressPolicy>(true), limits, 2);
  std::vector<std::future<HttpResult>> results;
  std::vector<std::shared_ptr<std::promise<HttpResult>>> promises;
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<HttpResult>>();
    results.push_back(p->get_future());
    pool.send(get_request((i % 2 == 0 ? a : b).url("/" + std::to_string(i))),
              [p](HttpResult r) { p->set_value(std::move(r)); });
    promises.push_back(p);
  }
  for (auto& f : results) {
    REQUIRE(f.wait_for(std::chrono::seconds{20}) == std::future_status::ready);
    const HttpResult r = f.get();
    REQUIRE(r);
    CHECK(r->body == "ok");
  }
  CHECK(a.request_count() == 10);
  CHECK(b.request_count() == 10);
  CHECK(at_a.most.load() <= 2);
  CHECK(at_b.most.load() <= 2);
  // A client counts a request done just after its callback has run.
  for (int i = 0; i < 500 && pool.outstanding() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  CHECK(pool.outstanding() == 0);
}

TEST_CASE("stop() cancels what every client still owes", "[net][http_client_pool]") {
  TestHttpServer server([](const RecordedRequest&) {
    CannedResponse r;
    r.hang = true;
    return r;
  });
  HttpClientPool pool(std::make_shared<EgressPolicy>(true), {}, 2);
  std::promise<HttpResult> p;
  auto f = p.get_future();
  pool.send(get_request(server.url("/")), [&p](HttpResult r) { p.set_value(std::move(r)); });
  REQUIRE(server.wait_for_requests(1, std::chrono::seconds{5}));
  CHECK(pool.running());
  pool.stop();
  CHECK_FALSE(pool.running());
  REQUIRE(f.wait_for(std::chrono::seconds{5}) == std::future_status::ready);
  const HttpResult r = f.get();
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == HttpFailure::cancelled);
  // Later requests fail at once the same way.
  std::promise<HttpResult> later;
  pool.send(get_request(server.url("/")), [&later](HttpResult res) { later.set_value(std::move(res)); });
  const HttpResult after = later.get_future().get();
  REQUIRE_FALSE(after);
  CHECK(after.error().kind == HttpFailure::cancelled);
}
