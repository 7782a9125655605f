// Crash rounds (reliability-plan.md C1-C5, C7, C15): the real build/hubbub
// under subscribe intake, verification and a large fan-out, killed with
// SIGKILL at random moments and restarted on the same database, checked
// against an exact ledger kept by the client side.
//
//   hubbub_crash [--rounds 20] [--subscribers 200] [--max-run-ms 700] [--seed N]
//                [--database URI|test-cluster] [--nodes N]
//
// With --database, the hubs run on that PostgreSQL database (an empty one;
// `test-cluster`: a fresh database on the test command's cluster,
// HUBBUB_TEST_POSTGRES), as --nodes nodes (default 1) sharing it: the load
// is spread over the nodes, and each round kills one node, chosen at random,
// while the others keep working; it is started again (same --node-id) at the
// next round.
//
// The ledger:
// - every subscription request answered 202 ends verified (callbacks under
//   /ok/) or failed with a reason (callbacks under /refuse/ answer 404);
//   none is lost or left pending;
// - every fat ping answered 202 reaches every fan-out subscriber (verified
//   before the rounds start) at least once, and repeats carry the same
//   X-Hub-Delivery-Id;
// - PRAGMA integrity_check is "ok" after every kill and at the end (SQLite).
// Requests cut off by the kill (no answer) are counted, not owed. Duplicates
// are counted and reported. Exit code 0 only when the ledger balances.
// Every wait is bounded; all traffic stays on 127.0.0.1.

#include <sqlite3.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/pg_connection.h"
#include "support/http_call.h"
#include "support/hub_process.h"
#include "support/store_engines.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"
#include "util/percent_encoding.h"

using namespace hubbub::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr const char* k_token = "crash-rounds-publisher-token-0123456789";
constexpr auto k_settle_timeout = std::chrono::seconds{120};
constexpr auto k_ping_interval = milliseconds{40};
constexpr auto k_subscribe_interval = milliseconds{4};

struct Settings {
  int rounds = 20;
  int subscribers = 200;
  int max_run_ms = 700;
  std::uint64_t seed = std::random_device{}();
  std::string database;  // empty: a SQLite file; else a PostgreSQL URI
  int nodes = 1;
};

// What the subscribers saw: for each (callback path, body), the delivery ids.
class Receipts {
 public:
  void add(const std::string& path, const std::string& body, const std::string& delivery_id) {
    std::lock_guard lock(m_mutex);
    m_ids[{path, body}].push_back(delivery_id);
    ++m_total;
  }
  std::size_t count(const std::string& path, const std::string& body) const {
    std::lock_guard lock(m_mutex);
    auto it = m_ids.find({path, body});
    return it == m_ids.end() ? 0 : it->second.size();
  }
  // Receipts beyond the first of each (callback, body); and how many of those
  // came with a different delivery id than the first (must be none).
  std::pair<std::size_t, std::size_t> duplicates() const {
    std::lock_guard lock(m_mutex);
    std::size_t dup = 0;
    std::size_t mismatched = 0;
    for (const auto& [key, ids] : m_ids) {
      dup += ids.size() - 1;
      for (const auto& id : ids) {
        mismatched += id != ids.front() ? 1 : 0;
      }
    }
    return {dup, mismatched};
  }
  std::size_t total() const {
    std::lock_guard lock(m_mutex);
    return m_total;
  }

 private:
  mutable std::mutex m_mutex;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> m_ids;
  std::size_t m_total = 0;
};

struct Ledger {
  std::mutex mutex;
  std::vector<std::pair<std::string, bool>> requests;  // monitor URL path, expected verified
  std::vector<std::string> pings;                      // bodies of acknowledged fat pings
  std::size_t cut_off = 0;                             // requests with no answer (the kill)
  std::size_t refused = 0;                             // answered, not 202 (e.g. 503 while stopping)
};

std::string integrity(const std::string& database) {
  if (hubbub::is_postgres_uri(database)) {
    return "ok";  // PostgreSQL keeps its own: a crashed node cannot corrupt it
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

std::string path_of(const std::string& url) {
  const auto at = url.find('/', url.find("://") + 3);
  return at == std::string::npos ? "/" : url.substr(at);
}

bool parse_int(const char* text, long long& out) {
  const char* end = text + std::char_traits<char>::length(text);
  return std::from_chars(text, end, out).ec == std::errc{};
}

// Drives load at the hub until `stop`: subscription requests from one
// thread, fat pings from another.
void drive(const std::vector<const HubProcess*>& hubs, const TestHttpServer& callbacks, const std::string& fan_topic,
           std::atomic<bool>& stop, std::atomic<long>& next_request, std::atomic<long>& next_ping, Ledger& ledger) {
  std::thread subscriber([&] {
    while (!stop.load()) {
      const long n = next_request.fetch_add(1);
      const HubProcess& hub = *hubs[static_cast<std::size_t>(n) % hubs.size()];
      const bool willing = n % 4 != 3;  // a quarter are refused by their subscriber
      const std::string callback = callbacks.url(std::string(willing ? "/ok/" : "/refuse/") + std::to_string(n));
      const HttpReply r =
          http_post_form(hub.url("/"), form({{"hub.mode", "subscribe"},
                                             {"hub.topic", "http://publisher.example/topic/" + std::to_string(n % 50)},
                                             {"hub.callback", callback}}));
      std::lock_guard lock(ledger.mutex);
      if (r.status == 202) {
        ledger.requests.emplace_back(path_of(r.header("location")), willing);
      } else if (r.status == 0) {
        ++ledger.cut_off;
      } else {
        ++ledger.refused;
      }
      std::this_thread::sleep_for(k_subscribe_interval);
    }
  });
  std::thread publisher([&] {
    while (!stop.load()) {
      const long n = next_ping.fetch_add(1);
      const HubProcess& hub = *hubs[static_cast<std::size_t>(n) % hubs.size()];
      const std::string body = "ping-" + std::to_string(n);
      const HttpReply r =
          http_request("POST", hub.url("/?hub.mode=publish&hub.topic=" + hubbub::percent_encode(fan_topic)), body,
                       {"Content-Type: text/plain", std::string("Authorization: Bearer ") + k_token});
      {
        std::lock_guard lock(ledger.mutex);
        if (r.status == 202) {
          ledger.pings.push_back(body);
        } else if (r.status == 0) {
          ++ledger.cut_off;
        } else {
          ++ledger.refused;
        }
      }
      std::this_thread::sleep_for(k_ping_interval);
    }
  });
  subscriber.join();
  publisher.join();
}

int run(const Settings& settings) {
  std::mt19937_64 random(settings.seed);
  std::printf("crash rounds: %d rounds, %d fan-out subscribers, kill within %d ms, seed %llu, %s, %d node(s)\n",
              settings.rounds, settings.subscribers, settings.max_run_ms,
              static_cast<unsigned long long>(settings.seed), settings.database.empty() ? "SQLite" : "PostgreSQL",
              settings.nodes);
  TempDir dir;
  std::unique_ptr<PostgresDatabase> fresh;
  std::string database = dir.file("hub.db");
  if (settings.database == "test-cluster") {
    fresh = std::make_unique<PostgresDatabase>();
    database = fresh->uri();
  } else if (!settings.database.empty()) {
    database = settings.database;
  }
  Receipts receipts;
  TestHttpServer callbacks([&receipts](const RecordedRequest& request) {
    if (request.method == "GET") {
      if (request.path.starts_with("/refuse/")) {
        CannedResponse r;
        r.status = 404;
        return r;
      }
      return echo_challenge(request);
    }
    receipts.add(request.path, request.body, request.header("x-hub-delivery-id"));
    CannedResponse r;
    r.status = 204;
    return r;
  });
  const std::string fan_topic = "http://publisher.example/fan-out";
  const std::vector<std::string> hub_args = {
      "--allow-private-networks", "--retry-base", "0.05",           "--log-level", "info", "--publisher-token", k_token,
      "--rate-limit-exempt",      "127.0.0.1",    "--fanout-chunk", "64"};  // fan-outs in chunks
  // Node i's arguments: the same, with a node id of its own.
  auto node_args = [&](int i) {
    std::vector<std::string> args = hub_args;
    args.insert(args.end(), {"--node-id", "crash-" + std::to_string(i)});
    return args;
  };

  // The fan-out subscribers, verified before any kill.
  {
    HubProcess hub(database, node_args(0));
    std::vector<std::string> monitors;
    for (int i = 0; i < settings.subscribers; ++i) {
      const HttpReply r =
          http_post_form(hub.url("/"), form({{"hub.mode", "subscribe"},
                                             {"hub.topic", fan_topic},
                                             {"hub.callback", callbacks.url("/fan/" + std::to_string(i))}}));
      if (r.status != 202) {
        std::printf("FAIL: set-up subscription answered %ld\n", r.status);
        return 1;
      }
      monitors.push_back(r.header("location"));
    }
    const auto deadline = Clock::now() + std::chrono::seconds{60};
    for (const auto& m : monitors) {
      while (true) {
        const HttpReply r = http_get(m);
        if (r.status == 200 && nlohmann::json::parse(r.body)["state"] == "verified") {
          break;
        }
        if (Clock::now() > deadline) {
          std::printf("FAIL: set-up subscriptions not verified within 60 s\n");
          return 1;
        }
        std::this_thread::sleep_for(milliseconds{5});
      }
    }
    hub.terminate();
  }

  Ledger ledger;
  std::atomic<long> next_request{0};
  std::atomic<long> next_ping{0};
  int failures = 0;
  std::uniform_int_distribution<int> run_for(20, std::max(21, settings.max_run_ms));
  std::vector<std::unique_ptr<HubProcess>> nodes(static_cast<std::size_t>(std::max(1, settings.nodes)));
  std::uniform_int_distribution<std::size_t> victim(0, nodes.size() - 1);
  for (int round = 1; round <= settings.rounds; ++round) {
    std::vector<const HubProcess*> hubs;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i]) {
        nodes[i] = std::make_unique<HubProcess>(database, node_args(static_cast<int>(i)));
      }
      hubs.push_back(nodes[i].get());
    }
    std::atomic<bool> stop{false};
    std::thread load([&] { drive(hubs, callbacks, fan_topic, stop, next_request, next_ping, ledger); });
    const int ms = run_for(random);
    std::this_thread::sleep_for(milliseconds{ms});
    const std::size_t killed = victim(random);
    nodes[killed]->kill9();
    stop.store(true);
    load.join();
    nodes[killed].reset();
    const std::string check = integrity(database);
    std::size_t requests = 0;
    std::size_t pings = 0;
    {
      std::lock_guard lock(ledger.mutex);
      requests = ledger.requests.size();
      pings = ledger.pings.size();
    }
    std::printf(
        "round %d: node %zu killed after %d ms; acknowledged so far: %zu requests, %zu pings; %zu deliveries "
        "received; integrity_check %s\n",
        round, killed, ms, requests, pings, receipts.total(), check.c_str());
    std::fflush(stdout);
    if (check != "ok") {
      ++failures;
    }
  }

  // The last start: everything owed must now happen (every node runs).
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i]) {
      nodes[i] = std::make_unique<HubProcess>(database, node_args(static_cast<int>(i)));
    }
  }
  HubProcess& hub = *nodes[0];
  const auto deadline = Clock::now() + k_settle_timeout;
  std::size_t lost_requests = 0;
  std::size_t wrong_outcome = 0;
  std::size_t verified = 0;
  std::size_t failed = 0;
  for (const auto& [monitor, willing] : ledger.requests) {
    nlohmann::json last;
    while (Clock::now() < deadline) {
      const HttpReply r = http_get(hub.url(monitor));
      if (r.status == 404) {
        break;
      }
      if (r.status == 200) {
        last = nlohmann::json::parse(r.body);
        if (last["state"] != "pending") {
          break;
        }
      }
      std::this_thread::sleep_for(milliseconds{10});
    }
    if (last.is_null()) {
      ++lost_requests;
      std::printf("LOST: request %s has no status monitor\n", monitor.c_str());
      continue;
    }
    const std::string state = last["state"];
    if (willing && state == "verified") {
      ++verified;
    } else if (!willing && state == "failed" && last["last_error"].is_string() &&
               !last["last_error"].get<std::string>().empty()) {
      ++failed;
    } else {
      ++wrong_outcome;
      std::printf("WRONG: request %s ended %s (expected %s)\n", monitor.c_str(), last.dump().c_str(),
                  willing ? "verified" : "failed with a reason");
    }
  }
  std::size_t missing = 0;
  for (const auto& body : ledger.pings) {
    for (int i = 0; i < settings.subscribers; ++i) {
      const std::string path = "/fan/" + std::to_string(i);
      while (receipts.count(path, body) == 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds{10});
      }
      if (receipts.count(path, body) == 0) {
        ++missing;
      }
    }
  }
  if (missing > 0) {
    std::printf("LOST: %zu owed deliveries never arrived\n", missing);
  }
  nodes.clear();
  const std::string final_check = integrity(database);
  const auto [duplicates, mismatched] = receipts.duplicates();
  const std::size_t owed = ledger.pings.size() * static_cast<std::size_t>(settings.subscribers);
  std::printf(
      "ledger: %zu requests acknowledged (%zu verified, %zu failed with a reason, %zu wrong, %zu lost), "
      "%zu cut off by a kill, %zu refused\n",
      ledger.requests.size(), verified, failed, wrong_outcome, lost_requests, ledger.cut_off, ledger.refused);
  std::printf(
      "ledger: %zu pings acknowledged, %zu deliveries owed, %zu missing, %zu duplicates (%.2f%%), "
      "%zu duplicates with another delivery id\n",
      ledger.pings.size(), owed, missing, duplicates, owed ? 100.0 * duplicates / owed : 0.0, mismatched);
  std::printf("final integrity_check: %s\n", final_check.c_str());
  failures +=
      lost_requests + wrong_outcome + (missing > 0 ? 1 : 0) + (mismatched > 0 ? 1 : 0) + (final_check != "ok" ? 1 : 0);
  if (ledger.requests.empty() || ledger.pings.empty()) {
    std::printf("FAIL: the rounds acknowledged nothing, so they proved nothing\n");
    ++failures;
  }
  std::printf("%s\n", failures == 0 ? "crash rounds: the ledger balances" : "crash rounds: FAILED");
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  const char* usage =
      "usage: hubbub_crash [--rounds N] [--subscribers N] [--max-run-ms N] [--seed N] "
      "[--database URI|test-cluster] [--nodes N]\n";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--database" && i + 1 < argc) {
      settings.database = argv[++i];
      continue;
    }
    long long value = 0;
    if (i + 1 >= argc || !parse_int(argv[i + 1], value) || value < 0) {
      std::cerr << usage;
      return 2;
    }
    ++i;
    if (arg == "--nodes") {
      settings.nodes = static_cast<int>(value);
    } else if (arg == "--rounds") {
      settings.rounds = static_cast<int>(value);
    } else if (arg == "--subscribers") {
      settings.subscribers = static_cast<int>(value);
    } else if (arg == "--max-run-ms") {
      settings.max_run_ms = static_cast<int>(value);
    } else if (arg == "--seed") {
      settings.seed = static_cast<std::uint64_t>(value);
    } else {
      std::cerr << "unknown option " << arg << "\n";
      return 2;
    }
  }
  if (settings.nodes > 1 && settings.database.empty()) {
    std::cerr << "hubbub_crash: several nodes need a PostgreSQL --database (a SQLite file has one process)\n";
    return 2;
  }
  try {
    return run(settings);
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
