// Several hub nodes on one PostgreSQL database (issue 12): any node accepts,
// any node verifies and delivers, work is spread, a node killed with -9 loses
// nothing and its leadership and claims pass to the others, nodes starting at
// once migrate once, and a PostgreSQL restart is survived. Each test has a
// database of its own on the test cluster (HUBBUB_TEST_POSTGRES); the
// checks wait for events (requests held at a gate, log lines), never for
// a time.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/database.h"
#include "support/store_builders.h"
#include "support/store_engines.h"
#include "support/store_writes.h"
#include "support/test_http_server.h"
#include "support/websub_client.h"
#include "util/percent_encoding.h"

using namespace hubbub;
using namespace hubbub::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// A node of the cluster: the real hub on the shared database.
std::unique_ptr<HubProcess> start_node(const PostgresDatabase& db, const TempDir& dir, const std::string& id,
                                       std::vector<std::string> more = {}) {
  more.insert(more.end(), {"--node-id", id});
  return std::make_unique<HubProcess>(db.uri(), test_hub_args(std::move(more)), std::vector<std::string>{}, 0);
  (void)dir;
}

// Subscriptions written straight into the shared database (faster than
// verifying each one), all active from now for a day.
void add_subscriptions(const PostgresDatabase& db, const std::string& topic, const TestHttpServer& callback,
                       std::size_t n) {
  SystemClock clock;
  auto store = PostgresStore::open(db.uri(), clock, "test-writer", false);
  REQUIRE(store);
  for (std::size_t i = 0; i < n; ++i) {
    add_subscription(**store, topic, callback.url("/s/" + std::to_string(i)), clock.now());
  }
}

// What a callback server was sent: delivery ids per callback path.
std::map<std::string, std::set<std::string>> delivery_ids(const TestHttpServer& server) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& r : server.requests()) {
    if (r.method == "POST") {
      out[r.path].insert(r.header("x-hub-delivery-id"));
    }
  }
  return out;
}

// Waits (bounded) until `server` was sent a delivery for `n` distinct paths.
bool wait_for_paths(const TestHttpServer& server, std::size_t n, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (delivery_ids(server).size() >= n) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds{50});
  }
  return false;
}

// Deliveries a node says it made (its /metrics).
double delivered_by(const HubProcess& node) {
  const HttpReply r = http_get(node.url("/metrics"));
  double total = 0;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("hubbub_deliveries_total{") && line.find("outcome=\"delivered\"") != std::string::npos) {
      total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return total;
}

const std::string k_feed = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>";

}  // namespace

TEST_CASE("nodes share one database: any node verifies and delivers what another accepted, work is spread",
          "[nodes][postgres]") {
  PostgresDatabase db;
  TempDir dir;
  auto verify_gate = std::make_shared<Gate>();
  auto deliver_gate = std::make_shared<Gate>();
  TestHttpServer subscriber(held(verify_gate, echo_challenge));
  TestHttpServer receiver(held(deliver_gate, statuses({200})));
  TestHttpServer topic(atom_feed(k_feed));
  auto a = start_node(db, dir, "node-a");
  auto b = start_node(db, dir, "node-b");
  auto c = start_node(db, dir, "node-c");

  // 40 subscriptions through node A. One node sends at most 8 requests to
  // one host at a time, so more than 8 held at once means several nodes verify.
  std::vector<std::string> monitors;
  for (int i = 0; i < 40; ++i) {
    const HttpReply r = subscribe(*a, "subscribe", topic.url("/a"), subscriber.url("/v/" + std::to_string(i)));
    REQUIRE(r.status == 202);
    monitors.push_back(r.header("location"));
  }
  REQUIRE(subscriber.wait_for_requests(9, seconds{30}));
  verify_gate->open();
  for (std::size_t i = 0; i < monitors.size(); ++i) {
    // Every node answers every monitor alike.
    const HubProcess& asked = i % 3 == 0 ? *a : (i % 3 == 1 ? *b : *c);
    const std::string path = monitors[i].substr(monitors[i].find("/requests/"));
    CHECK(wait_settled(asked.url(path), seconds{30})["state"] == "verified");
  }

  // 300 subscribers of another topic on one host; a publish through node B.
  // A node claims at most 256 deliveries of one host while its requests are
  // held, so others must take the rest.
  add_subscriptions(db, topic.url("/b"), receiver, 300);
  const HttpReply p = publish(*b, {{"hub.url", topic.url("/b")}});
  REQUIRE(p.status == 202);
  REQUIRE(receiver.wait_for_requests(9, seconds{30}));
  deliver_gate->open();
  REQUIRE(wait_for_paths(receiver, 300, seconds{60}));
  const auto ids = delivery_ids(receiver);
  for (const auto& [path, set] : ids) {
    CHECK(set.size() == 1);  // at most repeated, always with the same id
  }
  // The fan-out settles, as every node sees it.
  const std::string monitor = p.header("location");
  CHECK(wait_published(c->url(monitor.substr(monitor.find("/publishes/"))), seconds{60})["topics"][0]["state"] ==
        "distributed");
  int nodes_that_delivered = 0;
  double total = 0;
  for (const HubProcess* n : {a.get(), b.get(), c.get()}) {
    const double d = delivered_by(*n);
    total += d;
    nodes_that_delivered += d > 0 ? 1 : 0;
  }
  CHECK(total >= 300);
  CHECK(nodes_that_delivered >= 2);
  // The dashboard's chart on any node counts every node's deliveries (each
  // node writes its counts every 2 s).
  double charted = 0;
  const auto chart_deadline = std::chrono::steady_clock::now() + seconds{30};
  while (charted < total && std::chrono::steady_clock::now() < chart_deadline) {
    const HttpReply stats = http_get(c->url("/stats"));
    charted = 0;
    if (stats.status == 200) {
      const nlohmann::json parsed = nlohmann::json::parse(stats.body);
      for (const auto& minute : parsed["activity"]) {
        charted += minute["delivered"].get<double>();
      }
    }
    std::this_thread::sleep_for(milliseconds{100});
  }
  CHECK(charted == total);
  const HttpReply metrics = http_get(a->url("/metrics"));
  CHECK(metrics.body.find("hubbub_node_info{engine=\"postgresql\",node_id=\"node-a\"} 1") != std::string::npos);
  CHECK(metrics.body.find("hubbub_database_connected 1") != std::string::npos);
}

TEST_CASE("a node killed mid fan-out loses nothing, its leadership and claims pass to the others",
          "[nodes][postgres][kill]") {
  PostgresDatabase db;
  TempDir dir;
  auto gate = std::make_shared<Gate>();
  TestHttpServer receiver(held(gate, statuses({200})));
  TestHttpServer topic(atom_feed(k_feed));
  add_subscriptions(db, topic.url("/t"), receiver, 1000);
  auto a = start_node(db, dir, "node-a");
  REQUIRE(a->wait_for_log("event=leadership_acquired", seconds{30}));
  auto b = start_node(db, dir, "node-b");
  auto c = start_node(db, dir, "node-c");

  const HttpReply p = publish(*a, {{"hub.url", topic.url("/t")}});
  REQUIRE(p.status == 202);
  // Deliveries are under way on more than one node (more than one node's
  // worth held at the receiver), the leader among them or not: kill it.
  REQUIRE(receiver.wait_for_requests(9, seconds{30}));
  a->kill9();
  gate->open();
  // Every one of the 1,000 owed deliveries arrives, A's claimed ones once
  // its claims lapse; a repeat carries the first delivery's id.
  REQUIRE(wait_for_paths(receiver, 1000, seconds{120}));
  for (const auto& [path, set] : delivery_ids(receiver)) {
    CHECK(set.size() == 1);
  }
  // Another node took the sweeps over.
  const auto deadline = std::chrono::steady_clock::now() + seconds{60};
  bool taken = false;
  while (!taken && std::chrono::steady_clock::now() < deadline) {
    taken = b->log().find("event=leadership_acquired") != std::string::npos ||
            c->log().find("event=leadership_acquired") != std::string::npos;
    std::this_thread::sleep_for(milliseconds{100});
  }
  CHECK(taken);
}

TEST_CASE("nodes starting at once on an empty database migrate it once", "[nodes][postgres]") {
  PostgresDatabase db;
  TempDir dir;
  auto first = std::async(std::launch::async, [&] { return start_node(db, dir, "node-a"); });
  auto second = std::async(std::launch::async, [&] { return start_node(db, dir, "node-b"); });
  auto a = first.get();
  auto b = second.get();
  CHECK(a->running());
  CHECK(b->running());
  auto conn = PgConnection::connect(db.uri(), "hubbub tests");
  REQUIRE(conn);
  auto r = conn->exec("SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations");
  REQUIRE(r);
  CHECK(r->int64(0, 0) == r->int64(0, 2));
  CHECK(r->int64(0, 1) == r->int64(0, 2));
  // Both serve: a subscription through one is seen by the other.
  TestHttpServer subscriber;
  const auto settled = subscribe_and_settle(*a, "subscribe", "http://127.0.0.1:9/t", subscriber.url("/cb"));
  CHECK(settled["state"] == "verified");
  CHECK(b->log().find("event=listening") != std::string::npos);
}

namespace {

// A PostgreSQL cluster of the test's own (tests/postgres/cluster.sh), which
// the test may stop and start; removed at the end.
class OwnCluster {
 public:
  OwnCluster() {
    const std::string out = run("start", " durable");
    m_uri = out.substr(0, out.find('\n')) + "/postgres";
  }
  ~OwnCluster() { (void)run("stop"); }
  const std::string& uri() const { return m_uri; }
  void pause() { (void)run("pause"); }
  void resume() { (void)run("resume"); }

 private:
  std::string run(const std::string& verb, const std::string& more = "") {
    const std::string command = "bash " + std::string(HUBBUB_SOURCE_DIR) + "/tests/postgres/cluster.sh " + verb + " " +
                                m_dir.path().string() + more;
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
      out += buffer;
    }
    REQUIRE(pclose(pipe) == 0);
    return out;
  }

  TempDir m_dir;
  std::string m_uri;
};

}  // namespace

TEST_CASE("the database going away gives 503 and not ready, nothing acknowledged is lost, the node recovers by itself",
          "[nodes][postgres][outage]") {
  OwnCluster cluster;
  TestHttpServer subscriber;
  HubProcess hub(cluster.uri(), test_hub_args({"--node-id", "node-a"}));
  std::vector<std::string> accepted;
  const HttpReply before = subscribe(hub, "subscribe", "http://127.0.0.1:9/t", subscriber.url("/before"));
  REQUIRE(before.status == 202);
  accepted.push_back(before.header("location"));

  cluster.pause();
  const HttpReply during = subscribe(hub, "subscribe", "http://127.0.0.1:9/t", subscriber.url("/during"));
  CHECK(during.status == 503);
  CHECK_FALSE(during.header("retry-after").empty());
  const HttpReply ready = http_get(hub.url("/readyz"));
  CHECK(ready.status == 503);
  CHECK(ready.body.find("database") != std::string::npos);

  cluster.resume();
  // The node reconnects on its own (with backoff): new requests are taken
  // again, and it says it is ready.
  HttpReply after;
  const auto deadline = std::chrono::steady_clock::now() + seconds{60};
  while (std::chrono::steady_clock::now() < deadline) {
    after = subscribe(hub, "subscribe", "http://127.0.0.1:9/t", subscriber.url("/after"));
    if (after.status == 202) {
      break;
    }
    CHECK(after.status == 503);
    std::this_thread::sleep_for(milliseconds{200});
  }
  REQUIRE(after.status == 202);
  accepted.push_back(after.header("location"));
  for (const auto& monitor : accepted) {
    CHECK(wait_settled(monitor, seconds{60})["state"] == "verified");
  }
  HttpReply ready_again;
  for (int i = 0; i < 300 && ready_again.status != 200; ++i) {
    ready_again = http_get(hub.url("/readyz"));
    std::this_thread::sleep_for(milliseconds{100});
  }
  CHECK(ready_again.status == 200);
  CHECK(hub.running());
  CHECK(hub.log().find("event=start_failed") == std::string::npos);
}

TEST_CASE("copying a stopped SQLite hub to PostgreSQL (--copy-to) loses nothing owed", "[nodes][postgres][copy]") {
  TempDir dir;
  PostgresDatabase db;
  const std::string file = dir.file("hub.db");
  auto verify_gate = std::make_shared<Gate>();
  auto fetch_gate = std::make_shared<Gate>();
  TestHttpServer subscriber(statuses({503}));  // verifies, then refuses every delivery
  TestHttpServer late_subscriber(held(verify_gate, echo_challenge));
  TestHttpServer topic(atom_feed(k_feed));
  TestHttpServer slow_topic(held(fetch_gate, atom_feed(k_feed)));
  std::string delivery_id;
  {
    HubProcess hub(file, test_hub_args({"--retry-base", "3600"}));
    for (int i = 0; i < 3; ++i) {
      std::vector<std::pair<std::string, std::string>> extra = {{"hub.secret", "secret-" + std::to_string(i)}};
      if (i == 0) {  // signing choices are copied too
        extra.emplace_back("hub.signature_algorithm", "sha384");
        extra.emplace_back("hub.standard_webhooks", "true");
      }
      REQUIRE(subscribe_and_settle(hub, "subscribe", topic.url("/t"), subscriber.url("/cb" + std::to_string(i)),
                                   extra)["state"] == "verified");
    }
    // A rolled secret, with the one it replaced in its grace period.
    REQUIRE(subscribe_and_settle(hub, "subscribe", topic.url("/t"), subscriber.url("/cb1"),
                                 {{"hub.secret", "rolled-1"}})["state"] == "verified");
    REQUIRE(subscribe_and_settle(hub, "subscribe", slow_topic.url("/s"), subscriber.url("/slow"))["state"] ==
            "verified");
    // Owed: 3 deliveries refused once (retried in an hour), a request whose
    // verification hangs, a fetch that hangs.
    REQUIRE(publish(hub, {{"hub.url", topic.url("/t")}}).status == 202);
    REQUIRE(subscriber.wait_for_requests(8, seconds{30}));  // 5 challenges, 3 deliveries
    REQUIRE(subscribe(hub, "subscribe", topic.url("/t"), late_subscriber.url("/late")).status == 202);
    REQUIRE(publish(hub, {{"hub.url", slow_topic.url("/s")}}).status == 202);
    REQUIRE(late_subscriber.wait_for_requests(1, seconds{30}));
    REQUIRE(slow_topic.wait_for_requests(1, seconds{30}));
    // A running hub holds the file: the copy refuses it.
    const RunResult refused = run_hubbub({"--database", file, "--copy-to", db.uri()});
    CHECK(refused.exit_code == 1);
    const auto sent = delivery_ids(subscriber);
    REQUIRE(sent.count("/cb0") == 1);
    delivery_id = *sent.at("/cb0").begin();
    REQUIRE(hub.terminate() == 0);
  }
  const RunResult copied = run_hubbub({"--database", file, "--copy-to", db.uri()}, seconds{60});
  INFO(copied.output);
  REQUIRE(copied.exit_code == 0);
  CHECK(copied.output.find("subscriptions: 4 rows") != std::string::npos);
  CHECK(copied.output.find("1 pending requests, 1 pending fetches, 3 owed deliveries") != std::string::npos);
  CHECK(copied.output.find("every count matched") != std::string::npos);
  // Copying again would mix two hubs: refused, nothing committed.
  CHECK(run_hubbub({"--database", file, "--copy-to", db.uri()}, seconds{60}).exit_code == 1);

  // A node on PostgreSQL settles everything that was owed.
  subscriber.set_responder(statuses({200}));
  verify_gate->open();
  fetch_gate->open();
  auto node = start_node(db, dir, "node-a");
  REQUIRE(late_subscriber.wait_for_requests(2, seconds{30}));  // the challenge again, answered now
  // The owed deliveries were due in an hour: the admin API could queue them
  // again; here they are checked in the database, kept with their ids.
  auto conn = PgConnection::connect(db.uri(), "hubbub tests");
  REQUIRE(conn);
  auto owed = conn->exec("SELECT count(*), count(DISTINCT delivery_id) FROM deliveries WHERE state = 0");
  REQUIRE(owed);
  CHECK(owed->int64(0, 0) >= 3);
  auto kept = conn->exec("SELECT count(*) FROM deliveries WHERE delivery_id = $1",
                         PgParams().add(std::string_view(delivery_id)));
  REQUIRE(kept);
  CHECK(kept->int64(0, 0) == 1);
  auto secrets = conn->exec("SELECT count(*) FROM subscriptions WHERE secret IS NOT NULL");
  REQUIRE(secrets);
  CHECK(secrets->int64(0, 0) == 3);
  auto choices = conn->exec(
      "SELECT callback, signature_algorithm, standard_webhooks FROM subscriptions WHERE signature_algorithm IS NOT "
      "NULL OR standard_webhooks IS NOT NULL");
  REQUIRE(choices);
  REQUIRE(choices->rows() == 1);
  CHECK(choices->text(0, 0).ends_with("/cb0"));
  CHECK(choices->text(0, 1) == "sha384");
  CHECK(choices->int64(0, 2) == 1);
  auto rolled = conn->exec(
      "SELECT callback, encode(secret, 'escape'), encode(previous_secret, 'escape'), previous_secret_until "
      "FROM subscriptions WHERE previous_secret IS NOT NULL");
  REQUIRE(rolled);
  REQUIRE(rolled->rows() == 1);
  CHECK(rolled->text(0, 0).ends_with("/cb1"));
  CHECK(rolled->text(0, 1) == "rolled-1");
  CHECK(rolled->text(0, 2) == "secret-1");
  CHECK(rolled->int64(0, 3) > 0);
  // The hung fetch runs and is delivered to the subscriber of that topic.
  const auto deadline = std::chrono::steady_clock::now() + seconds{30};
  while (delivery_ids(subscriber).count("/slow") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds{50});
  }
  CHECK(delivery_ids(subscriber).count("/slow") == 1);
}

TEST_CASE("a fan-out still being written when the hub stopped is copied and finished on PostgreSQL",
          "[nodes][postgres][copy]") {
  TempDir dir;
  PostgresDatabase db;
  const std::string file = dir.file("hub.db");
  TestHttpServer subscriber;  // echoes challenges, answers deliveries 200
  TestHttpServer topic(atom_feed(k_feed));
  {
    HubProcess hub(file, test_hub_args({"--fanout-chunk", "1"}));
    for (int i = 0; i < 3; ++i) {
      REQUIRE(subscribe_and_settle(hub, "subscribe", topic.url("/t"),
                                   subscriber.url("/cb" + std::to_string(i)))["state"] == "verified");
    }
    REQUIRE(publish(hub, {{"hub.url", topic.url("/t")}}).status == 202);
    REQUIRE(subscriber.wait_for_requests(6, seconds{30}));  // 3 challenges, 3 deliveries
    REQUIRE(hub.terminate() == 0);
  }
  // As if the hub had stopped after the fan-out's first chunk.
  {
    auto sqlite = Database::open(file, Database::Access::read_write_create);
    REQUIRE(sqlite);
    REQUIRE(
        sqlite->exec("DELETE FROM deliveries WHERE subscription_id > (SELECT min(subscription_id) FROM deliveries)"));
    REQUIRE(sqlite->exec("UPDATE publish_topics SET fanout_after = (SELECT min(subscription_id) FROM deliveries)"));
  }
  const RunResult copied = run_hubbub({"--database", file, "--copy-to", db.uri()}, seconds{60});
  INFO(copied.output);
  REQUIRE(copied.exit_code == 0);
  CHECK(copied.output.find("1 fan-outs still being written") != std::string::npos);
  auto node = start_node(db, dir, "node-a");
  REQUIRE(subscriber.wait_for_requests(8, seconds{30}));  // the rest: the two later subscribers again
  const auto sent = delivery_ids(subscriber);
  CHECK(sent.at("/cb0").size() == 1);
  CHECK(sent.at("/cb1").size() == 2);
  CHECK(sent.at("/cb2").size() == 2);
}

TEST_CASE("PostgreSQL restarted under load: every acknowledged request and ping is honoured, two nodes recover",
          "[nodes][postgres][outage]") {
  OwnCluster cluster;
  constexpr const char* k_token = "restart-test-publisher-token-0123456789";
  TestHttpServer subscriber;  // echoes challenges, answers deliveries 200
  std::vector<std::unique_ptr<HubProcess>> nodes;
  for (const char* id : {"node-a", "node-b"}) {
    nodes.push_back(
        std::make_unique<HubProcess>(cluster.uri(), test_hub_args({"--node-id", id, "--publisher-token", k_token})));
  }
  const std::string fan_topic = "http://127.0.0.1:9/fan";
  for (int i = 0; i < 5; ++i) {
    REQUIRE(subscribe_and_settle(*nodes[i % 2], "subscribe", fan_topic, subscriber.url("/fan/" + std::to_string(i)), {},
                                 seconds{30})["state"] == "verified");
  }
  // Load on both nodes: subscriptions and fat pings, each answer recorded.
  std::mutex mutex;
  std::vector<std::string> acknowledged;  // request monitors answered 202
  std::vector<std::string> pings;         // bodies of pings answered 202
  std::size_t refused = 0;
  std::atomic<bool> stop{false};
  std::thread load([&] {
    for (int n = 0; n < 5000 && !stop.load(); ++n) {
      const HubProcess& node = *nodes[static_cast<std::size_t>(n) % 2];
      const HttpReply r =
          subscribe(node, "subscribe", "http://127.0.0.1:9/t", subscriber.url("/s/" + std::to_string(n)));
      const std::string body = "ping-" + std::to_string(n);
      const HttpReply p =
          http_request("POST", node.url("/?hub.mode=publish&hub.topic=" + percent_encode(fan_topic)), body,
                       {"Content-Type: text/plain", std::string("Authorization: Bearer ") + k_token});
      std::lock_guard lock(mutex);
      if (r.status == 202) {
        acknowledged.push_back(r.header("location"));
      } else {
        ++refused;
      }
      if (p.status == 202) {
        pings.push_back(body);
      } else {
        ++refused;
      }
      std::this_thread::sleep_for(milliseconds{5});
    }
  });
  auto wait_for = [&](auto done) {
    const auto deadline = std::chrono::steady_clock::now() + seconds{60};
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex);
        if (done()) {
          return true;
        }
      }
      std::this_thread::sleep_for(milliseconds{20});
    }
    return false;
  };
  REQUIRE(wait_for([&] { return acknowledged.size() >= 20; }));
  cluster.pause();  // a crash of the server: immediate stop
  const bool refused_meanwhile = wait_for([&] { return refused >= 4; });
  cluster.resume();
  const std::size_t before = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size();
  }();
  const bool recovered = wait_for([&] { return acknowledged.size() >= before + 20; });
  stop.store(true);
  load.join();
  CHECK(refused_meanwhile);
  REQUIRE(recovered);
  // The ledger: every 202 honoured.
  for (const auto& monitor : acknowledged) {
    CHECK(wait_settled(monitor, seconds{60})["state"] == "verified");
  }
  const auto deadline = std::chrono::steady_clock::now() + seconds{60};
  std::size_t missing = 0;
  for (const auto& body : pings) {
    for (int i = 0; i < 5; ++i) {
      const std::string path = "/fan/" + std::to_string(i);
      auto received = [&] {
        for (const auto& r : subscriber.requests()) {
          if (r.method == "POST" && r.path == path && r.body == body) {
            return true;
          }
        }
        return false;
      };
      while (!received() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds{50});
      }
      missing += received() ? 0 : 1;
    }
  }
  CHECK(missing == 0);
  for (const auto& node : nodes) {
    CHECK(node->running());
  }
}
