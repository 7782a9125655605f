// The hub's endpoints behind the router, without Pistache: requests built
// field by field, answers recorded, a real SQLite store, the manual clock.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "server/router.h"
#include "store/sqlite_store.h"
#include "support/fake_exchange.h"
#include "support/faulty_store.h"
#include "support/hub_parts.h"
#include "support/store_builders.h"
#include "support/temp_dir.h"
#include "util/url.h"

using namespace hubbub;
using Pistache::Http::Method;
using test::AnswerLog;
using test::FakeInbound;

namespace {

using test::k_t0;
const std::string k_subscribe =
    "hub.mode=subscribe&hub.topic=http%3A%2F%2Fp.example%2Ft&hub.callback=http%3A%2F%2F127.0.0.1%3A9%2Fcb";
const std::string k_callback_origin = "http://127.0.0.1:9";

struct Hub {
  explicit Hub(test::HubPartsSettings settings = {})
      : store(SqliteStore::open(dir.file("hub.db"), test::store_clock()).value()),
        faulty(*store),
        clock(k_t0),
        parts(faulty, clock, std::move(settings)) {}
  // An answer goes out before its callback is done with the parts: let every
  // callback finish before they go.
  ~Hub() { store->flush(); }

  AnswerLog::Sent ask(const Inbound& request) {
    AnswerLog log;
    Answer answer = log.answer();
    route(request, answer, parts.context);
    auto sent = log.wait_for();
    REQUIRE(sent);
    return *sent;
  }

  test::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  test::FaultyStore faulty;
  ManualClock clock;
  test::HubParts parts;
};

double requests_counted(Hub& hub, const std::string& mode, int status) {
  const Labels labels{{"mode", mode}, {"status", std::to_string(status)}};
  return hub.parts.metrics.requests.Has(labels) ? hub.parts.metrics.requests.Add(labels).Value() : 0;
}

}  // namespace

TEST_CASE("the router: a known path with another method is 405 with Allow, an unknown one 404",
          "[server][router][V19]") {
  Hub hub;
  const auto put = hub.ask(FakeInbound(Method::Put, "/"));
  CHECK(put.status() == 405);
  CHECK(put.header("Allow") == "GET, HEAD, POST");
  const auto post = hub.ask(FakeInbound(Method::Post, "/readyz"));
  CHECK(post.status() == 405);
  CHECK(post.header("Allow") == "GET, HEAD");
  CHECK(hub.ask(FakeInbound(Method::Delete, "/requests/x")).header("Allow") == "GET, HEAD");
  CHECK(hub.ask(FakeInbound(Method::Get, "/no/such/path")).status() == 404);
  CHECK(hub.ask(FakeInbound(Method::Get, "/healthz")).status() == 200);
  CHECK(hub.ask(FakeInbound(Method::Head, "/healthz")).status() == 200);
}

TEST_CASE("the router serves under the public URL's path only", "[server][router]") {
  test::HubPartsSettings settings;
  settings.public_url = "https://hub.example/websub/";
  Hub hub(settings);
  CHECK(hub.ask(FakeInbound(Method::Get, "/websub/healthz")).status() == 200);
  CHECK(hub.ask(FakeInbound(Method::Get, "/websub")).status() == 200);
  CHECK(hub.ask(FakeInbound(Method::Get, "/healthz")).status() == 404);
  CHECK(hub.ask(FakeInbound(Method::Get, "/websubhealthz")).status() == 404);
}

TEST_CASE("a subscription request is answered 202 only once committed, and counted as waiting",
          "[server][intake][SUB-19][SUB-24]") {
  Hub hub;
  const auto sent = hub.ask(FakeInbound::form("/", k_subscribe));
  CHECK(sent.status() == 202);
  const std::string monitor = sent.header("Location");
  REQUIRE(monitor.starts_with("http://127.0.0.1:8080/requests/"));
  const auto id = monitor.substr(monitor.rfind('/') + 1);
  // Answered from the store's completion: the request is stored by now.
  const auto stored = hub.store->find_request(id).value();
  REQUIRE(stored);
  CHECK(stored->created_at == k_t0);
  CHECK(nlohmann::json::parse(sent.reply.body)["state"] == "pending");
  CHECK(hub.parts.pending.count(k_callback_origin) == 1);
  CHECK(requests_counted(hub, "subscribe", 202) == 1);
}

TEST_CASE("a request the store refuses is answered 503, closes, and is not counted as waiting", "[server][intake]") {
  Hub hub;
  hub.faulty.fail_adds = 1;
  const auto sent = hub.ask(FakeInbound::form("/", k_subscribe));
  CHECK(sent.status() == 503);
  CHECK_FALSE(sent.keep_alive);
  CHECK(hub.parts.pending.count(k_callback_origin) == 0);
  CHECK(hub.parts.owed.owed() == 0);
  CHECK(hub.parts.requests_stored == 0);
  CHECK(requests_counted(hub, "subscribe", 503) == 1);
}

TEST_CASE(
    "the caps on waiting requests: per callback host for clients, in all for exempt clients, none for the "
    "operator",
    "[server][intake][A2]") {
  test::HubPartsSettings settings;
  settings.caps.max_pending_per_callback_host = 1;
  settings.caps.max_pending_verifications = 2;
  settings.rates.exempt = {Cidr::parse("10.0.0.0/8").value()};
  Hub hub(settings);
  CHECK(hub.ask(FakeInbound::form("/", k_subscribe)).status() == 202);
  const auto refused = hub.ask(FakeInbound::form("/", k_subscribe));
  CHECK(refused.status() == 429);
  CHECK(refused.header("Retry-After") == "60");
  CHECK(requests_counted(hub, "subscribe", 429) == 1);
  // An exempt client skips the per-host cap, not the cap on all.
  CHECK(hub.ask(FakeInbound::form("/", k_subscribe).with_peer("10.1.2.3")).status() == 202);
  CHECK(hub.ask(FakeInbound::form("/", k_subscribe).with_peer("10.1.2.3")).status() == 429);
  CHECK(hub.parts.pending.count(k_callback_origin) == 2);
}

TEST_CASE("the operator's re-verification goes through the same intake, uncapped and answered after the commit",
          "[server][intake][admin]") {
  test::HubPartsSettings settings;
  settings.admin_token = "admin-token-for-the-router-test";
  settings.caps.max_pending_per_callback_host = 1;
  settings.caps.max_pending_verifications = 1;
  Hub hub(settings);
  // A subscription to re-verify.
  test::add_subscription(*hub.store, "http://p.example/t", "http://127.0.0.1:9/cb", k_t0);
  const auto sub = hub.store->find_subscription("http://p.example/t", "http://127.0.0.1:9/cb").value();
  REQUIRE(sub);
  CHECK(hub.ask(FakeInbound::form("/", k_subscribe)).status() == 202);  // the hub is now at its caps

  const auto path = "/admin/subscriptions/" + std::to_string(sub->id) + "/reverify";
  CHECK(hub.ask(FakeInbound(Method::Post, path)).status() == 401);
  const auto sent =
      hub.ask(FakeInbound(Method::Post, path).with_header("Authorization", "Bearer admin-token-for-the-router-test"));
  CHECK(sent.status() == 202);
  const std::string monitor = sent.header("Location");
  CHECK(nlohmann::json::parse(sent.reply.body)["monitor"] == monitor);
  REQUIRE(hub.store->find_request(monitor.substr(monitor.rfind('/') + 1)).value());
  CHECK(hub.parts.pending.count(k_callback_origin) == 2);
  CHECK(hub.parts.requests_stored == 2);
  // Not an answer at the hub URL: not counted there.
  CHECK(requests_counted(hub, "subscribe", 202) == 1);
}

TEST_CASE("while the hub drains, new requests get 503 and the connection ends", "[server][router]") {
  Hub hub;
  hub.parts.owed.start_draining();
  const auto sent = hub.ask(FakeInbound::form("/", k_subscribe));
  CHECK(sent.status() == 503);
  CHECK_FALSE(sent.keep_alive);
  CHECK(hub.ask(FakeInbound(Method::Get, "/readyz")).status() == 503);
}

TEST_CASE("a publish ping is answered 202 with its monitor once committed, and refused while the queue is full",
          "[server][publish][PUB-01]") {
  bool held_back = false;
  int stored = 0;
  test::HubPartsSettings settings;
  settings.hooks.deliveries_held_back = [&] { return held_back; };
  settings.hooks.publish_stored = [&] { ++stored; };
  Hub hub(settings);
  const auto ping = FakeInbound::form("/", "hub.mode=publish&hub.url=http%3A%2F%2Fp.example%2Ft");
  const auto sent = hub.ask(ping);
  CHECK(sent.status() == 202);
  const std::string monitor = sent.header("Location");
  REQUIRE(monitor.starts_with("http://127.0.0.1:8080/publishes/"));
  CHECK(hub.store->find_publish(monitor.substr(monitor.rfind('/') + 1)).value());
  CHECK(stored == 1);
  held_back = true;
  const auto refused = hub.ask(ping);
  CHECK(refused.status() == 503);
  CHECK_FALSE(refused.keep_alive);
  CHECK(stored == 1);
  CHECK(requests_counted(hub, "publish", 503) == 1);
}

TEST_CASE("a fat ping needs a publisher's token", "[server][publish][fat_ping]") {
  auto fat = [](const std::string& authorization) {
    FakeInbound r(Method::Post, "/");
    r.with_header("Content-Type", "application/atom+xml")
        .with_query("hub.mode", "publish")
        .with_query("hub.topic", "http%3A%2F%2Fp.example%2Ft")
        .with_body("<feed/>");
    if (!authorization.empty()) {
      r.with_header("Authorization", authorization);
    }
    return r;
  };
  {
    Hub off;
    CHECK(off.ask(fat("Bearer anything")).status() == 401);
  }
  test::HubPartsSettings settings;
  settings.publisher_tokens = {"publisher-token-for-the-router-test"};
  Hub hub(settings);
  CHECK(hub.ask(fat("")).status() == 401);
  CHECK(hub.ask(fat("Bearer wrong")).status() == 403);
  const auto sent = hub.ask(fat("bearer publisher-token-for-the-router-test"));
  CHECK(sent.status() == 202);
  CHECK(requests_counted(hub, "publish", 202) == 1);
  CHECK(requests_counted(hub, "publish", 403) == 1);
}

TEST_CASE("a request monitor answers JSON or text, and 404 for an unknown id", "[server][monitors]") {
  Hub hub;
  const auto sent = hub.ask(FakeInbound::form("/", k_subscribe));
  const std::string monitor = sent.header("Location");
  const std::string path = monitor.substr(std::string("http://127.0.0.1:8080").size());
  const auto json = hub.ask(FakeInbound(Method::Get, path));
  CHECK(json.status() == 200);
  CHECK(json.reply.content_type == "application/json");
  const auto plain = hub.ask(FakeInbound(Method::Get, path).with_header("Accept", "text/plain"));
  CHECK(plain.reply.content_type.starts_with("text/plain"));
  CHECK(hub.ask(FakeInbound(Method::Get, "/requests/nope")).status() == 404);
  CHECK(hub.ask(FakeInbound(Method::Get, "/publishes/nope")).status() == 404);
}
