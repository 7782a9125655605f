// The verifier over a real SQLite store, with a scripted HTTP client and a
// manual clock: retries and leases are checked without sleeping for them.

#include "websub/verifier.h"

#include <catch2/catch.hpp>

#include <future>
#include <mutex>
#include <thread>

#include "store/sqlite_store.h"
#include "support/scripted_http_client.h"
#include "support/store_writes.h"
#include "support/temp_dir.h"
#include "util/form.h"
#include "util/random.h"

using namespace hubbub;
using hubbub::test::ScriptedHttpClient;

namespace {

std::string query_param(const std::string& url, std::string_view name) {
  auto form = Form::parse(url.substr(url.find('?') + 1));
  return std::string(form.value().first(name).value_or(""));
}

HttpResult echo(const HttpRequest& r) {
  HttpResponse resp;
  resp.status = 200;
  resp.body = query_param(r.url, "hub.challenge");
  return resp;
}

HttpResult status(long code) {
  HttpResponse resp;
  resp.status = code;
  return resp;
}

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<SqliteStore> store = SqliteStore::open(dir.file("hub.db"), test::store_clock()).value();
  ManualClock clock{test::k_t0};

  std::string add(RequestMode mode, std::string callback, std::optional<std::string> secret = std::nullopt) {
    NewRequest r;
    r.id = random_token(24);
    r.mode = mode;
    r.topic = "http://p/t";
    r.callback = std::move(callback);
    r.secret = std::move(secret);
    if (mode == RequestMode::subscribe) {
      r.lease_granted = std::chrono::seconds{600};
    }
    r.created_at = clock.now();
    std::promise<Status> p;
    store->add_request(r, [&p](Status s) { p.set_value(s); });
    REQUIRE(p.get_future().get());
    return r.id;
  }

  RequestState wait_settled(const std::string& id, Verifier& verifier) {
    for (int i = 0; i < 500; ++i) {
      auto rec = store->find_request(id).value();
      REQUIRE(rec);
      if (rec->state != RequestState::pending) {
        return rec->state;
      }
      verifier.wake();
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    FAIL("request " << id << " never settled");
    return RequestState::pending;
  }
};

VerifierSettings fast() {
  VerifierSettings s;
  s.retry_base = std::chrono::milliseconds{60000};
  s.max_attempts = 3;
  return s;
}

}  // namespace

TEST_CASE("activates a verified subscription with its lease counted from the GET",
          "[websub][verifier][VER-03][VER-04][I1]") {
  Fixture f;
  ScriptedHttpClient http(echo);
  const AccessPolicy policy;
  Verifier verifier(*f.store, http, policy, f.clock, fast());
  verifier.start();
  const std::string id = f.add(RequestMode::subscribe, "http://s/cb", "k");
  CHECK(f.wait_settled(id, verifier) == RequestState::verified);
  auto sub = f.store->find_subscription("http://p/t", "http://s/cb").value();
  REQUIRE(sub);
  CHECK(sub->secret == "k");
  CHECK(sub->expires_at == f.clock.now() + std::chrono::seconds{600});
  const auto sent = http.sent();
  REQUIRE(sent.size() == 1);
  CHECK(query_param(sent[0].url, "hub.mode") == "subscribe");
  CHECK(query_param(sent[0].url, "hub.lease_seconds") == "600");
  CHECK(query_param(sent[0].url, "hub.challenge").size() >= 32);
}

TEST_CASE("counts each request out of the pending ones when it settles, whatever the outcome",
          "[websub][verifier][pending][A2]") {
  Fixture f;
  ScriptedHttpClient http(
      [](const HttpRequest& r) { return r.url.find("/refuse") != std::string::npos ? status(404) : echo(r); });
  AccessRules rules;
  rules.callback_host_deny = {"denied.example"};
  const AccessPolicy policy(rules);
  PendingVerifications pending;
  VerifierSettings s = fast();
  s.pending = &pending;
  Verifier verifier(*f.store, http, policy, f.clock, s);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(pending.admit("http://s:80", 0, 0) == PendingVerifications::Admission::admitted);
  }
  REQUIRE(pending.admit("http://denied.example:80", 0, 0) == PendingVerifications::Admission::admitted);
  verifier.start();
  const std::string verified = f.add(RequestMode::subscribe, "http://s/cb");
  const std::string refused = f.add(RequestMode::subscribe, "http://s/refuse");
  const std::string unsubscribed = f.add(RequestMode::unsubscribe, "http://s/cb2");
  const std::string denied = f.add(RequestMode::subscribe, "http://denied.example/cb");
  CHECK(f.wait_settled(verified, verifier) == RequestState::verified);
  CHECK(f.wait_settled(refused, verifier) == RequestState::failed);
  CHECK(f.wait_settled(unsubscribed, verifier) == RequestState::verified);
  CHECK(f.wait_settled(denied, verifier) == RequestState::denied);
  verifier.stop(std::chrono::seconds{5});
  verifier.wait_idle();
  CHECK(pending.count("http://s:80") == 0);
  CHECK(pending.count("http://denied.example:80") == 0);
  CHECK(pending.total() == 0);
}

TEST_CASE("retries transient failures after the backoff, then verifies", "[websub][verifier][VER-14]") {
  Fixture f;
  std::atomic<int> calls{0};
  ScriptedHttpClient http([&](const HttpRequest& r) { return ++calls == 1 ? status(503) : echo(r); });
  const AccessPolicy policy;
  Verifier verifier(*f.store, http, policy, f.clock, fast());
  verifier.start();
  const std::string id = f.add(RequestMode::subscribe, "http://s/cb");
  // The first attempt fails; the retry waits for the clock.
  for (int i = 0; i < 500 && f.store->find_request(id).value()->last_error.value_or("").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  auto rec = f.store->find_request(id).value();
  CHECK(rec->state == RequestState::pending);
  CHECK(rec->attempts == 1);
  CHECK(rec->last_error.value_or("") == "HTTP 503");
  CHECK(rec->due_at >= f.clock.now() + std::chrono::milliseconds{48000});
  CHECK(rec->due_at <= f.clock.now() + std::chrono::milliseconds{72000});
  std::this_thread::sleep_for(std::chrono::milliseconds{50});
  CHECK(calls == 1);
  f.clock.advance(std::chrono::milliseconds{72001});
  CHECK(f.wait_settled(id, verifier) == RequestState::verified);
  CHECK(calls == 2);
}

TEST_CASE("gives up after the attempt limit and leaves state alone", "[websub][verifier][SUB-12][STATE-03]") {
  Fixture f;
  ScriptedHttpClient http([](const HttpRequest&) { return status(500); });
  const AccessPolicy policy;
  VerifierSettings s = fast();
  s.retry_base = std::chrono::milliseconds{1};
  Verifier verifier(*f.store, http, policy, f.clock, s);
  verifier.start();
  const std::string id = f.add(RequestMode::subscribe, "http://s/cb");
  for (int i = 0; i < 500 && f.store->find_request(id).value()->state == RequestState::pending; ++i) {
    f.clock.advance(std::chrono::milliseconds{10});
    verifier.wake();
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  auto rec = f.store->find_request(id).value();
  CHECK(rec->state == RequestState::failed);
  CHECK(rec->attempts == 3);
  CHECK(rec->last_error.value_or("").find("gave up after 3 attempts") != std::string::npos);
  CHECK(http.sent().size() == 3);
  CHECK_FALSE(f.store->find_subscription("http://p/t", "http://s/cb").value());
}

TEST_CASE("denies by policy with a hub.mode=denied GET and no challenge", "[websub][verifier][VAL-02]") {
  Fixture f;
  ScriptedHttpClient http([](const HttpRequest&) { return status(200); });
  AccessRules rules;
  rules.topic_deny = {"http://p/*"};
  const AccessPolicy policy(rules);
  Verifier verifier(*f.store, http, policy, f.clock, fast());
  verifier.start();
  const std::string id = f.add(RequestMode::subscribe, "http://s/cb?own=1");
  CHECK(f.wait_settled(id, verifier) == RequestState::denied);
  const auto sent = http.sent();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].url.starts_with("http://s/cb?own=1&hub.mode=denied&hub.topic="));
  CHECK(query_param(sent[0].url, "hub.reason").size() > 0);
  CHECK(query_param(sent[0].url, "hub.challenge").empty());
  CHECK_FALSE(f.store->find_subscription("http://p/t", "http://s/cb?own=1").value());
}

TEST_CASE("settles requests for one pair in order: subscribe, then unsubscribe", "[websub][verifier][SUB-11]") {
  Fixture f;
  ScriptedHttpClient http(echo);
  const AccessPolicy policy;
  const std::string sub = f.add(RequestMode::subscribe, "http://s/cb");
  const std::string unsub = f.add(RequestMode::unsubscribe, "http://s/cb");
  Verifier verifier(*f.store, http, policy, f.clock, fast());
  verifier.start();
  CHECK(f.wait_settled(sub, verifier) == RequestState::verified);
  CHECK(f.wait_settled(unsub, verifier) == RequestState::verified);
  CHECK_FALSE(f.store->find_subscription("http://p/t", "http://s/cb").value());
  const auto sent = http.sent();
  REQUIRE(sent.size() == 2);
  CHECK(query_param(sent[0].url, "hub.mode") == "subscribe");
  CHECK(query_param(sent[1].url, "hub.mode") == "unsubscribe");
}
