// hubbub_bench: measures the real hub on loopback and prints figures next to
// baselines (issue: publishing and distribution, "Performance").
//
//   1. fan-out: deliveries/s of one publish to N verified subscribers with
//      secrets (1 KiB body), next to a plain libcurl-multi POST blast to the
//      same sink at the same concurrency;
//   2. intake: durable subscribe requests/s answered 202 under concurrent load,
//      next to a bare Pistache handler answering 202 to the same load;
//   3. latency: publish -> delivery p50/p99 for 1 subscriber, and publish ->
//      last delivery for 1,000 subscribers;
//   4. the hub's peak RSS.
//
// Everything runs on 127.0.0.1 and every loop is bounded. It prints figures;
// it asserts nothing. Usage: hubbub_bench [--subscribers N] [--concurrency C] [--nodes N]
//
// It runs every figure on SQLite with one hub, then, when HUBBUB_TEST_POSTGRES
// names a PostgreSQL server (dev.sh bench starts a throwaway one), on a fresh
// PostgreSQL database with 1, 2 … --nodes (default 3) nodes sharing it, and
// prints a table of every configuration against the same baselines.

#include <curl/curl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/pistache.h"
#include "support/http_call.h"
#include "support/hub_process.h"
#include "support/store_engines.h"
#include "support/temp_dir.h"
#include "websub/limits.h"

using namespace std::chrono;
using Clock = steady_clock;
namespace Http = Pistache::Http;

namespace {

constexpr auto k_phase_timeout = seconds{180};

// ---------------------------------------------------------------- the sink

// State shared by the sink's handler clones.
struct SinkState {
  std::atomic<std::size_t> fan_posts{0};
  std::atomic<std::int64_t> fan_first_ns{0};
  std::atomic<std::int64_t> fan_last_ns{0};
  std::atomic<std::size_t> blast_posts{0};
  std::atomic<std::size_t> latency_posts{0};
  std::atomic<std::int64_t> latency_last_ns{0};
  std::atomic<std::size_t> group_posts{0};
  std::atomic<std::int64_t> group_last_ns{0};
  std::atomic<std::uint64_t> topic_version{0};
  std::string kib_body = std::string(1024, 'x');
};

std::int64_t now_ns() {
  return duration_cast<nanoseconds>(Clock::now().time_since_epoch()).count();
}

void keep_alive(Http::ResponseWriter& w) {
  w.headers().remove<Http::Header::Connection>();
  w.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
}

// Echoes challenges, answers POSTs with 204, serves topics:
//   GET /topic/fixed   1 KiB, always the same
//   GET /topic/fresh   a new body every time (so no publish is "unchanged")
class Sink final : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Sink)
  explicit Sink(std::shared_ptr<SinkState> state) : m_state(std::move(state)) {}

  void onRequest(const Http::Request& req, Http::ResponseWriter w) override {
    keep_alive(w);
    const std::string& path = req.resource();
    if (req.method() == Http::Method::Post) {
      const std::int64_t t = now_ns();
      if (path.starts_with("/fan/")) {
        std::int64_t zero = 0;
        m_state->fan_first_ns.compare_exchange_strong(zero, t);
        m_state->fan_last_ns.store(t);
        ++m_state->fan_posts;
      } else if (path.starts_with("/blast")) {
        ++m_state->blast_posts;
      } else if (path.starts_with("/lat/")) {
        m_state->latency_last_ns.store(t);
        ++m_state->latency_posts;
      } else if (path.starts_with("/group/")) {
        m_state->group_last_ns.store(t);
        ++m_state->group_posts;
      }
      w.send(Http::Code::No_Content).then([](ssize_t) {}, Pistache::Async::IgnoreException);
      return;
    }
    if (path == "/topic/fixed") {
      w.setMime(Http::Mime::MediaType::fromString("application/octet-stream"));
      w.send(Http::Code::Ok, m_state->kib_body).then([](ssize_t) {}, Pistache::Async::IgnoreException);
      return;
    }
    if (path == "/topic/fresh") {
      std::string body = m_state->kib_body;
      const std::string v = std::to_string(++m_state->topic_version);
      body.replace(0, v.size(), v);
      w.setMime(Http::Mime::MediaType::fromString("application/octet-stream"));
      w.send(Http::Code::Ok, body).then([](ssize_t) {}, Pistache::Async::IgnoreException);
      return;
    }
    // A verification: the challenge is base64url, so it needs no decoding.
    const auto challenge = req.query().get("hub.challenge");
    w.send(Http::Code::Ok, challenge.value_or("")).then([](ssize_t) {}, Pistache::Async::IgnoreException);
  }

 private:
  std::shared_ptr<SinkState> m_state;
};

// The baseline for intake: a handler that only answers 202.
class Bare final : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Bare)
  void onRequest(const Http::Request&, Http::ResponseWriter w) override {
    keep_alive(w);
    w.send(Http::Code::Accepted).then([](ssize_t) {}, Pistache::Async::IgnoreException);
  }
};

struct Server {
  std::unique_ptr<Http::Endpoint> endpoint;
  std::uint16_t port = 0;
};

Server serve(std::shared_ptr<Http::Handler> handler, int threads) {
  Server s;
  s.endpoint = std::make_unique<Http::Endpoint>(Pistache::Address("127.0.0.1:0"));
  s.endpoint->init(Http::Endpoint::options()
                       .threads(threads)
                       .flags(Pistache::Tcp::Options::ReuseAddr)
                       .maxRequestSize(64 * 1024)
                       .keepaliveTimeout(seconds{60}));
  s.endpoint->setHandler(handler);
  s.endpoint->serveThreaded();
  s.port = s.endpoint->getPort();
  return s;
}

// ------------------------------------------------------- the load generator

struct Blast {
  std::size_t ok = 0;
  std::size_t failed = 0;
  double seconds = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

// POSTs bodies[i] to urls[i], `concurrency` at a time on reused connections;
// counts answers with status `expect`.
Blast blast(const std::vector<std::string>& urls, const std::vector<std::string>& bodies, const char* content_type,
            std::size_t concurrency, long expect) {
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(concurrency));
  const std::string type_header = std::string("Content-Type: ") + content_type;
  curl_slist* headers = curl_slist_append(nullptr, type_header.c_str());
  headers = curl_slist_append(headers, "Expect:");
  std::vector<CURL*> idle;
  for (std::size_t i = 0; i < concurrency; ++i) {
    CURL* e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(
        e, CURLOPT_WRITEFUNCTION, +[](char*, std::size_t s, std::size_t n, void*) { return s * n; });
    idle.push_back(e);
  }
  Blast result;
  std::size_t next = 0;
  std::size_t running_count = 0;
  const auto start = Clock::now();
  const auto deadline = start + k_phase_timeout;
  while ((next < urls.size() || running_count > 0) && Clock::now() < deadline) {
    while (next < urls.size() && !idle.empty()) {
      CURL* e = idle.back();
      idle.pop_back();
      curl_easy_setopt(e, CURLOPT_URL, urls[next].c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, bodies[next].data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(bodies[next].size()));
      curl_multi_add_handle(multi, e);
      ++next;
      ++running_count;
    }
    int still = 0;
    curl_multi_perform(multi, &still);
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) {
        continue;
      }
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      (m->data.result == CURLE_OK && status == expect ? result.ok : result.failed) += 1;
      curl_multi_remove_handle(multi, m->easy_handle);
      idle.push_back(m->easy_handle);
      --running_count;
    }
    if (next >= urls.size() || idle.empty()) {
      curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    }
  }
  result.seconds = duration<double>(Clock::now() - start).count();
  for (CURL* e : idle) {
    curl_easy_cleanup(e);
  }
  curl_slist_free_all(headers);
  curl_multi_cleanup(multi);
  return result;
}

// ----------------------------------------------------------------- helpers

bool wait_until(const std::function<bool()>& done, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds{1});
  }
  return done();
}

std::string form_encode(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out(e);
  curl_free(e);
  return out;
}

std::size_t count_subscriptions(const std::string& database) {
  if (hubbub::is_postgres_uri(database)) {
    auto db = hubbub::PgConnection::connect(database, "hubbub bench");
    if (!db) {
      return 0;
    }
    auto r = db->exec("SELECT count(*) FROM subscriptions");
    return r ? static_cast<std::size_t>(r->int64(0, 0)) : 0;
  }
  sqlite3* db = nullptr;
  std::size_t n = 0;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM subscriptions", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = static_cast<std::size_t>(sqlite3_column_int64(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

long peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) {
      return std::strtol(line.c_str() + 6, nullptr, 10);
    }
  }
  return -1;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

void subscribe_all(const std::vector<std::string>& hubs, const std::string& topic,
                   const std::vector<std::string>& callbacks, std::size_t concurrency, Blast* intake) {
  std::vector<std::string> urls;
  urls.reserve(callbacks.size());
  for (std::size_t i = 0; i < callbacks.size(); ++i) {
    urls.push_back(hubs[i % hubs.size()]);  // spread over the nodes
  }
  std::vector<std::string> bodies;
  bodies.reserve(callbacks.size());
  for (std::size_t i = 0; i < callbacks.size(); ++i) {
    bodies.push_back("hub.mode=subscribe&hub.topic=" + form_encode(topic) +
                     "&hub.callback=" + form_encode(callbacks[i]) + "&hub.secret=bench-secret-" + std::to_string(i));
  }
  const Blast b = blast(urls, bodies, "application/x-www-form-urlencoded", concurrency, 202);
  if (intake != nullptr) {
    *intake = b;
  }
}

// What one configuration (an engine and a number of nodes) measured.
struct Figures {
  std::string name;
  double intake = 0;
  double fan_out = 0;
  std::size_t delivered = 0;
  double p50 = 0;
  double p99 = 0;
  double group_median = 0;
  double rss_mib = 0;
};

// One configuration: `nodes` hubs on `database`, a sink of its own.
Figures measure(const std::string& name, const std::string& database, int nodes, std::size_t subscribers,
                std::size_t concurrency, const std::vector<std::string>& extra_args) {
  Figures f;
  f.name = name;
  auto state = std::make_shared<SinkState>();
  Server sink = serve(std::make_shared<Sink>(state), 2);
  const std::string sink_url = "http://127.0.0.1:" + std::to_string(sink.port);
  std::vector<std::unique_ptr<hubbub::test::HubProcess>> hubs;
  std::vector<std::string> urls;
  for (int i = 0; i < nodes; ++i) {
    // The load generator is the operator's own client: exempt from rate limits.
    std::vector<std::string> args = {"--allow-private-networks",  "--lease-default", "86400",
                                     "--rate-limit-exempt",       "127.0.0.1",       "--node-id",
                                     "bench-" + std::to_string(i)};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    hubs.push_back(std::make_unique<hubbub::test::HubProcess>(database, args));
    urls.push_back(hubs.back()->url("/"));
  }
  std::printf("\n== %s\n", name.c_str());

  // Intake: N durable subscribes (the fan-out's subscribers) answered 202.
  std::vector<std::string> callbacks;
  for (std::size_t i = 0; i < subscribers; ++i) {
    callbacks.push_back(sink_url + "/fan/" + std::to_string(i));
  }
  Blast intake;
  subscribe_all(urls, sink_url + "/topic/fixed", callbacks, concurrency, &intake);
  f.intake = intake.rate();
  std::printf("   intake             %10.0f req/s  (%zu ok, %zu failed)\n", intake.rate(), intake.ok, intake.failed);
  if (!wait_until([&] { return count_subscriptions(database) >= subscribers; }, k_phase_timeout)) {
    std::printf("   only %zu of %zu subscriptions verified in time\n", count_subscriptions(database), subscribers);
  }

  // Fan-out: one publish to N subscribers with secrets, 1 KiB body.
  const auto publish_at = Clock::now();
  const auto ping =
      hubbub::test::http_post_form(urls[0], "hub.mode=publish&hub.url=" + form_encode(sink_url + "/topic/fixed"));
  wait_until([&] { return state->fan_posts.load() >= subscribers; }, k_phase_timeout);
  const double fan_seconds = static_cast<double>(state->fan_last_ns.load() -
                                                 duration_cast<nanoseconds>(publish_at.time_since_epoch()).count()) /
                             1e9;
  f.delivered = state->fan_posts.load();
  f.fan_out = static_cast<double>(f.delivered) / fan_seconds;
  std::printf("   fan-out            %10.0f deliveries/s  (%zu delivered, publish answered %ld, last after %.3f s)\n",
              f.fan_out, f.delivered, ping.status, fan_seconds);

  // Latency, 1 subscriber: published through the last node, delivered by
  // whichever node claims it; a fresh body each time.
  const std::string fresh = sink_url + "/topic/fresh";
  subscribe_all(urls, fresh, {sink_url + "/lat/1"}, 1, nullptr);
  wait_until([&] { return count_subscriptions(database) >= subscribers + 1; }, seconds{30});
  std::vector<double> latencies;
  for (int i = 0; i < 200; ++i) {
    const std::size_t before = state->latency_posts.load();
    const auto t0 = Clock::now();
    hubbub::test::http_post_form(urls.back(), "hub.mode=publish&hub.url=" + form_encode(fresh));
    if (!wait_until([&] { return state->latency_posts.load() > before; }, seconds{10})) {
      break;
    }
    latencies.push_back(
        static_cast<double>(state->latency_last_ns.load() - duration_cast<nanoseconds>(t0.time_since_epoch()).count()) /
        1e6);
  }
  f.p50 = percentile(latencies, 0.50);
  f.p99 = percentile(latencies, 0.99);
  std::printf("   1 subscriber       publish -> delivery p50 %.2f ms, p99 %.2f ms (%zu publishes)\n", f.p50, f.p99,
              latencies.size());

  // 1,000 subscribers: publish -> last delivery.
  const std::string group_topic = sink_url + "/topic/fresh?group";
  std::vector<std::string> group;
  for (int i = 0; i < 1000; ++i) {
    group.push_back(sink_url + "/group/" + std::to_string(i));
  }
  subscribe_all(urls, group_topic, group, concurrency, nullptr);
  wait_until([&] { return count_subscriptions(database) >= subscribers + 1 + 1000; }, seconds{60});
  std::vector<double> group_ms;
  for (int round = 0; round < 5; ++round) {
    const std::size_t before = state->group_posts.load();
    const auto t0 = Clock::now();
    hubbub::test::http_post_form(urls[0], "hub.mode=publish&hub.url=" + form_encode(group_topic));
    if (!wait_until([&] { return state->group_posts.load() >= before + 1000; }, seconds{30})) {
      break;
    }
    group_ms.push_back(
        static_cast<double>(state->group_last_ns.load() - duration_cast<nanoseconds>(t0.time_since_epoch()).count()) /
        1e6);
  }
  f.group_median = percentile(group_ms, 0.5);
  std::printf("   1,000 subscribers  publish -> last delivery median %.1f ms, worst %.1f ms (%zu rounds)\n",
              f.group_median, percentile(group_ms, 1.0), group_ms.size());
  f.rss_mib = static_cast<double>(peak_rss_kib(hubs[0]->pid())) / 1024.0;
  std::printf("   peak RSS (node 0)  %.1f MiB\n", f.rss_mib);
  hubs.clear();
  sink.endpoint->shutdown();
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t subscribers = 10000;
  std::size_t concurrency = 64;
  int max_nodes = 3;
  std::vector<std::string> extra_args;  // --hub-arg X, repeatable: given to every hub
  bool postgres_only = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--hub-arg") == 0) {
      extra_args.push_back(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--postgres-only") == 0) {
      postgres_only = std::strcmp(argv[i + 1], "0") != 0;
    } else if (std::strcmp(argv[i], "--subscribers") == 0) {
      subscribers = std::strtoul(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--concurrency") == 0) {
      concurrency = std::strtoul(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--nodes") == 0) {
      max_nodes = std::max(1, std::atoi(argv[i + 1]));
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const char* postgres = std::getenv("HUBBUB_TEST_POSTGRES");
  std::printf("hubbub_bench: %zu subscribers, load concurrency %zu, %u cores; SQLite%s\n", subscribers, concurrency,
              std::thread::hardware_concurrency(),
              postgres && *postgres ? (", PostgreSQL with 1 to " + std::to_string(max_nodes) + " nodes").c_str()
                                    : " only (HUBBUB_TEST_POSTGRES unset)");

  // The baselines, once: a bare Pistache handler answering 202, and a plain
  // libcurl-multi POST blast to a sink, at the hub's concurrency per host.
  Blast bare;
  {
    Server bare_server = serve(std::make_shared<Bare>(), 2);
    std::vector<std::string> urls(subscribers, "http://127.0.0.1:" + std::to_string(bare_server.port) + "/");
    std::vector<std::string> bodies(subscribers, "hub.mode=subscribe&hub.topic=x&hub.callback=y");
    bare = blast(urls, bodies, "application/x-www-form-urlencoded", concurrency, 202);
    bare_server.endpoint->shutdown();
  }
  Blast plain;
  {
    auto state = std::make_shared<SinkState>();
    Server sink = serve(std::make_shared<Sink>(state), 2);
    std::vector<std::string> blast_urls(subscribers);
    for (std::size_t i = 0; i < subscribers; ++i) {
      blast_urls[i] = "http://127.0.0.1:" + std::to_string(sink.port) + "/blast/" + std::to_string(i);
    }
    plain = blast(blast_urls, std::vector<std::string>(subscribers, state->kib_body), "application/octet-stream",
                  hubbub::k_max_outbound_per_origin, 204);
    sink.endpoint->shutdown();
  }
  std::printf("baselines: bare Pistache 202 %.0f req/s; plain curl multi %.0f POSTs/s (%zu connections)\n", bare.rate(),
              plain.rate(), hubbub::k_max_outbound_per_origin);

  std::vector<Figures> all;
  if (!postgres_only) {
    hubbub::test::TempDir dir;
    all.push_back(measure("SQLite, 1 node", dir.file("bench.db"), 1, subscribers, concurrency, extra_args));
  }
  if (postgres && *postgres) {
    for (int nodes = 1; nodes <= max_nodes; ++nodes) {
      hubbub::test::PostgresDatabase db;
      all.push_back(measure("PostgreSQL, " + std::to_string(nodes) + (nodes == 1 ? " node" : " nodes"), db.uri(), nodes,
                            subscribers, concurrency, extra_args));
    }
  }

  std::printf("\n%-20s %12s %7s %16s %7s %9s %9s %12s %9s\n", "configuration", "intake/s", "ratio", "deliveries/s",
              "ratio", "p50 ms", "p99 ms", "1000 med ms", "RSS MiB");
  for (const Figures& f : all) {
    std::printf("%-20s %12.0f %7.2f %16.0f %7.2f %9.2f %9.2f %12.1f %9.1f\n", f.name.c_str(), f.intake,
                bare.rate() > 0 ? f.intake / bare.rate() : 0, f.fan_out,
                plain.rate() > 0 ? f.fan_out / plain.rate() : 0, f.p50, f.p99, f.group_median, f.rss_mib);
  }
  if (all.size() > 1 && !postgres_only) {
    std::printf("PostgreSQL, 1 node against SQLite: intake %.2f, fan-out %.2f (goal >= 0.5 each)\n",
                all[0].intake > 0 ? all[1].intake / all[0].intake : 0,
                all[0].fan_out > 0 ? all[1].fan_out / all[0].fan_out : 0);
  }
  curl_global_cleanup();
  return 0;
}
