// 50: crashes, restarts and databases the hub must refuse (reliability-plan.md
// §4.6): nothing answered 202 is ever lost.

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "store/migrator.h"
#include "support/hub_process.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"
#include "support/websub_client.h"
#include "websub/signature.h"

using namespace hubbub::test;
using nlohmann::json;

namespace {

CannedResponse hang(const RecordedRequest&) {
  CannedResponse r;
  r.hang = true;
  return r;
}

}  // namespace

TEST_CASE("kill -9 with verifications pending: all verified after restart (rule 2.2.9)", "[integration][restart][C5]") {
  TempDir dir;
  TestHttpServer callback(hang);
  constexpr int k_requests = 40;
  std::vector<std::string> monitors;
  std::vector<std::string> paths;
  {
    HubProcess hub(dir.file("hub.db"), test_hub_args());
    for (int i = 0; i < k_requests; ++i) {
      const std::string path = "/cb" + std::to_string(i);
      const HttpReply r = subscribe(hub, "subscribe", k_topic, callback.url(path));
      REQUIRE(r.status == 202);
      monitors.push_back(r.header("location").substr(hub.url("").size()));
      paths.push_back(path);
    }
    REQUIRE(callback.wait_for_requests(1, std::chrono::seconds{5}));
    hub.kill9();
  }
  callback.set_responder(echo_challenge);
  HubProcess hub(dir.file("hub.db"), test_hub_args());
  for (int i = 0; i < k_requests; ++i) {
    INFO(paths[i]);
    CHECK(wait_settled(hub.url(monitors[i]))["state"] == "verified");
    CHECK(stored_subscriptions(dir.file("hub.db"), k_topic, callback.url(paths[i])).size() == 1);
  }
}

TEST_CASE("SIGTERM stops the hub cleanly with exit 0, verifications resumed later", "[integration][restart][C8]") {
  TempDir dir;
  TestHttpServer callback(hang);
  std::string monitor;
  {
    HubProcess hub(dir.file("hub.db"), test_hub_args());
    const HttpReply r = subscribe(hub, "subscribe", k_topic, callback.url("/cb"));
    REQUIRE(r.status == 202);
    monitor = r.header("location").substr(hub.url("").size());
    REQUIRE(callback.wait_for_requests(1, std::chrono::seconds{5}));
    CHECK(hub.terminate() == 0);
    CHECK(hub.log().find("event=stopped") != std::string::npos);
  }
  callback.set_responder(echo_challenge);
  HubProcess hub(dir.file("hub.db"), test_hub_args());
  CHECK(wait_settled(hub.url(monitor))["state"] == "verified");
}

TEST_CASE("a corrupt, foreign or newer database is refused at start, never overwritten",
          "[integration][restart][C13][C14][sqlite_only]") {
  TempDir dir;
  std::ofstream(dir.file("garbage.db")) << std::string(10000, 'g');
  RunResult garbage = run_hubbub({"--listen", "127.0.0.1:0", "--database", dir.file("garbage.db")});
  CHECK(garbage.exit_code == 1);
  CHECK(garbage.output.find("not a usable SQLite database") != std::string::npos);
  std::ifstream back(dir.file("garbage.db"));
  CHECK(std::string(std::istreambuf_iterator<char>(back), {}) == std::string(10000, 'g'));

  { HubProcess hub(dir.file("new.db"), {}); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.file("new.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  RunResult newer = run_hubbub({"--listen", "127.0.0.1:0", "--database", dir.file("new.db")});
  CHECK(newer.exit_code == 1);
  CHECK(newer.output.find("newer Hubbub") != std::string::npos);

  REQUIRE(sqlite3_open(dir.file("foreign.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE users (id INTEGER)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  RunResult foreign = run_hubbub({"--listen", "127.0.0.1:0", "--database", dir.file("foreign.db")});
  CHECK(foreign.exit_code == 1);
  CHECK(foreign.output.find("not a Hubbub database") != std::string::npos);
}

TEST_CASE("a second hub on the same database is refused", "[integration][restart][sqlite_only]") {
  TempDir dir;
  HubProcess first(dir.file("hub.db"), {});
  RunResult second = run_hubbub({"--listen", "127.0.0.1:0", "--database", dir.file("hub.db")});
  CHECK(second.exit_code == 1);
  CHECK(second.output.find("in use by another Hubbub process") != std::string::npos);
}

TEST_CASE("a missing database is created and migrated", "[integration][restart][C13][sqlite_only]") {
  TempDir dir;
  HubProcess hub(dir.file("fresh.db"), {});
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(dir.file("fresh.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_int(stmt, 0) >= 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_CASE("kill -9 during a 200-subscriber fan-out: every subscriber still gets it (rule 2.2.2)",
          "[integration][restart][C1][C2][C3]") {
  TempDir dir;
  TestHttpServer topic(atom_feed("<feed>crash-test</feed>"));
  // Slow subscribers, so that the fan-out is mid-way when the hub dies.
  auto slow = [](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    r.status = 204;
    r.delay = std::chrono::milliseconds{20};
    return r;
  };
  TestHttpServer callback(slow);
  constexpr int k_subscribers = 200;
  std::vector<std::string> callbacks;
  for (int i = 0; i < k_subscribers; ++i) {
    callbacks.push_back(callback.url("/s" + std::to_string(i)));
  }
  std::string monitor_path;
  {
    HubProcess hub(dir.file("hub.db"), test_hub_args());
    subscribe_many(hub, dir.file("hub.db"), topic.url("/feed"), callbacks);
    const HttpReply r = publish(hub, {{"hub.url", topic.url("/feed")}});
    REQUIRE(r.status == 202);
    monitor_path = r.header("location").substr(hub.url("").size());
    // Wait for the first deliveries, then kill the hub in the middle.
    for (int i = 0; i < 2000; ++i) {
      std::size_t delivered = 0;
      for (const auto& req : callback.requests()) {
        delivered += req.method == "POST" ? 1 : 0;
      }
      if (delivered >= 20) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{2});
    }
    hub.kill9();
  }
  std::set<std::string> before;
  for (const auto& req : callback.requests()) {
    if (req.method == "POST") {
      before.insert(req.path);
    }
  }
  INFO("delivered before the kill: " << before.size());
  CHECK(before.size() < k_subscribers);  // the kill did land mid-way
  HubProcess hub(dir.file("hub.db"), test_hub_args());
  const json done = wait_published(hub.url(monitor_path), std::chrono::seconds{60});
  CHECK(done["topics"][0]["deliveries"]["delivered"] == k_subscribers);
  std::map<std::string, int> per_path;
  std::map<std::string, std::set<std::string>> ids;
  for (const auto& req : callback.requests()) {
    if (req.method == "POST") {
      ++per_path[req.path];
      ids[req.path].insert(req.header("x-hub-delivery-id"));
      CHECK(req.body == "<feed>crash-test</feed>");
    }
  }
  CHECK(per_path.size() == k_subscribers);
  int duplicates = 0;
  for (const auto& [path, n] : per_path) {
    duplicates += n - 1;
    CHECK(ids[path].size() == 1);  // a repeat carries the same delivery id (C4)
  }
  WARN("duplicate deliveries after kill -9: " << duplicates);
}

TEST_CASE("kill -9 between a feed's fetch and its delivery: the same spliced body is sent after the restart",
          "[integration][restart][feed_diff][C1]") {
  TempDir dir;
  const std::string head = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  auto item = [](int i) {
    return "<item><guid>g" + std::to_string(i) + "</guid><title>" + std::to_string(i) + "</title></item>";
  };
  auto feed = std::make_shared<std::string>(head + item(1) + item(2) + "</channel></rss>");
  auto feed_mutex = std::make_shared<std::mutex>();
  TestHttpServer topic([feed, feed_mutex](const RecordedRequest&) {
    std::lock_guard lock(*feed_mutex);
    CannedResponse r;
    r.headers.emplace_back("Content-Type", "application/rss+xml");
    r.body = *feed;
    return r;
  });
  auto hold = std::make_shared<std::atomic<bool>>(false);
  TestHttpServer callback([hold](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    r.status = 204;
    r.hang = hold->load();
    return r;
  });
  auto set_feed = [&](std::string body) {
    std::lock_guard lock(*feed_mutex);
    *feed = std::move(body);
  };
  const std::string spliced = head + item(3) + "</channel></rss>";
  {
    HubProcess hub(dir.file("hub.db"), test_hub_args({"--feed-diff"}));
    subscribe_many(hub, dir.file("hub.db"), topic.url("/feed"), {callback.url("/cb")});
    REQUIRE(wait_published(publish(hub, {{"hub.url", topic.url("/feed")}})
                               .header("location"))["topics"][0]["deliveries"]["delivered"] == 1);
    hold->store(true);  // the next delivery hangs: the hub dies with it in flight
    set_feed(head + item(3) + item(1) + item(2) + "</channel></rss>");
    REQUIRE(publish(hub, {{"hub.url", topic.url("/feed")}}).status == 202);
    REQUIRE(callback.wait_for_requests(3, std::chrono::seconds{20}));  // challenge, two deliveries
    hub.kill9();
  }
  set_feed(head + item(4) + item(3) + item(1) + item(2) + "</channel></rss>");  // changed meanwhile
  hold->store(false);
  HubProcess hub(dir.file("hub.db"), test_hub_args({"--feed-diff"}));
  REQUIRE(callback.wait_for_requests(4, std::chrono::seconds{30}));
  std::vector<RecordedRequest> posts;
  for (const auto& r : callback.requests()) {
    if (r.method == "POST") {
      posts.push_back(r);
    }
  }
  REQUIRE(posts.size() == 3);
  CHECK(posts[1].body == spliced);
  CHECK(posts[2].body == spliced);  // the same bytes, not a new diff of the changed feed
  CHECK(posts[2].header("x-hub-delivery-id") == posts[1].header("x-hub-delivery-id"));
}

namespace {

// A copy of a golden database from tests/data (see tests/data/README.md).
std::string golden_copy(const TempDir& dir, const std::string& name) {
  const std::string target = dir.file(name);
  std::ifstream in(std::string(HUBBUB_SOURCE_DIR) + "/tests/data/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ofstream(target, std::ios::binary) << in.rdbuf();
  return target;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("golden databases: corrupt, truncated, newer and foreign files are refused and left untouched",
          "[integration][restart][C13][C14][sqlite_only]") {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"corrupt.db", "the database is corrupt"},
      {"truncated.db", "not a usable SQLite database"},
      {"schema-newer.db", "written by a newer Hubbub (schema version 99"},
      {"not-hubbub.db", "not a Hubbub database"},
  };
  for (const auto& [name, message] : cases) {
    INFO(name);
    const std::string path = golden_copy(dir, name);
    const std::string before = file_bytes(path);
    RunResult r = run_hubbub({"--listen", "127.0.0.1:0", "--database", path});
    CHECK(r.exit_code == 1);
    CHECK(r.output.find(message) != std::string::npos);
    CHECK(file_bytes(path) == before);
  }
}

TEST_CASE("golden database from schema version 2 is upgraded, its owed delivery sent and its dead letter kept",
          "[integration][restart][sqlite_only]") {
  TempDir dir;
  const std::string path = golden_copy(dir, "schema-v2.db");
  TestHttpServer callback;
  // Point the stored subscription at this test's callback server.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const std::string update = "UPDATE subscriptions SET callback = '" + callback.url("/callback") +
                             "'; UPDATE deliveries SET origin = 'http://127.0.0.1:" + std::to_string(callback.port()) +
                             "'";
  REQUIRE(sqlite3_exec(db, update.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);

  HubProcess hub(path, test_hub_args({"--admin-token", "golden-admin-token-0123456789"}));
  REQUIRE(callback.wait_for_requests(1, std::chrono::seconds{10}));
  const auto got = callback.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].method == "POST");
  CHECK(got[0].body == "owed before the upgrade");
  CHECK(got[0].header("content-type") == "text/plain");
  CHECK(got[0].header("x-hub-delivery-id") == "golden-delivery-owed");
  CHECK(got[0].header("x-hub-signature") ==
        hubbub::sign(hubbub::SignatureAlgorithm::sha256, "golden-secret", "owed before the upgrade"));

  const HttpReply dead =
      http_request("GET", hub.url("/admin/dead-letters"), "", {"Authorization: Bearer golden-admin-token-0123456789"});
  REQUIRE(dead.status == 200);
  const json letters = json::parse(dead.body)["dead_letters"];
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]["last_error"] == "HTTP 500 (dead letter after 8 attempts)");
  hub.terminate();

  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_int(stmt, 0) == hubbub::embedded_migrations().back().version);  // the latest
  sqlite3_finalize(stmt);
  // Migration 0004's column, filled for the old row at start.
  REQUIRE(sqlite3_prepare_v2(db, "SELECT origin FROM subscriptions WHERE id = 1", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) ==
        "http://127.0.0.1:" + std::to_string(callback.port()));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_CASE("a restart with 100,000 deliveries owed is ready at once and streams them",
          "[integration][restart][C10][sqlite_only]") {
  TempDir dir;
  TestHttpServer sink([](const RecordedRequest&) { return CannedResponse{204}; });
  sink.set_recording(false);
  const std::string db_path = dir.file("hub.db");
  {
    HubProcess first(db_path, test_hub_args());  // creates the schema
    REQUIRE(first.terminate() == 0);
  }
  // 100,000 subscriptions and one notification owed to each, written
  // straight into the database as a hub stopped mid fan-out would leave it.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  const std::string now = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  const std::string origin = "http://127.0.0.1:" + std::to_string(sink.port());
  const std::string sql =
      "BEGIN;"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
      "INSERT INTO subscriptions (topic, callback, lease_seconds, expires_at, created_at, updated_at, origin) "
      "SELECT '" +
      k_topic + "', '" + origin + "/cb/' || i, 864000, " + now + " + 864000000, " + now + ", " + now + ", '" + origin +
      "' FROM n;"
      "INSERT INTO publishes (id, token, created_at) VALUES (1, 'c10', " +
      now +
      ");"
      "INSERT INTO publish_topics (id, publish_id, topic, state, subscribers, attempts, due_at, updated_at) "
      "VALUES (1, 1, '" +
      k_topic + "', 1, 100000, 1, " + now + ", " + now +
      ");"
      "INSERT INTO contents (id, topic, content_type, body, created_at) "
      "VALUES (1, '" +
      k_topic + "', 'text/plain', 'c10', " + now +
      ");"
      "INSERT INTO deliveries (publish_topic_id, content_id, subscription_id, origin, delivery_id, published_at, "
      "state, attempts, due_at, created_at, updated_at) SELECT 1, 1, id, origin, lower(hex(randomblob(12))), " +
      now + ", 0, 0, " + now + ", " + now + ", " + now +
      " FROM subscriptions;"
      "COMMIT;";
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  REQUIRE(rc == SQLITE_OK);
  sqlite3_close(db);

  const auto start = std::chrono::steady_clock::now();
  HubProcess hub(db_path, test_hub_args());
  HttpReply ready;
  for (int i = 0; i < 500 && ready.status != 200; ++i) {
    ready = http_get(hub.url("/readyz"));
  }
  REQUIRE(ready.status == 200);
  const auto ready_after = std::chrono::steady_clock::now() - start;
  // Ready while nearly everything is still owed: the jobs are claimed in
  // batches as they are sent, not loaded at start.
  const std::string metrics = http_get(hub.url("/metrics")).body;
  std::smatch m;
  REQUIRE(std::regex_search(metrics, m, std::regex("hubbub_queue_depth\\{queue=\"delivery\"\\} ([0-9]+)")));
  const long owed_when_ready = std::stol(m[1]);
  std::ifstream status("/proc/" + std::to_string(hub.pid()) + "/status");
  std::string line;
  std::string rss;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      rss = line;
    }
  }
  INFO("ready after " << std::chrono::duration_cast<std::chrono::milliseconds>(ready_after).count() << " ms with "
                      << owed_when_ready << " deliveries owed; " << rss);
  CHECK(owed_when_ready > 50000);
  // They flow, and a stop under that backlog is still clean.
  CHECK(sink.wait_for_requests(2000, std::chrono::seconds{30}));
  CHECK(hub.terminate() == 0);
}
