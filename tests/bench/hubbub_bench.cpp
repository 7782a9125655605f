// hubbub_bench: measures the real hub on loopback against the fastest tools
// on the same machine, in the same run (issue 13, "Performance"):
//
//   limits   nginx (Debian nginx-light, 2 workers) answering 202 to wrk's
//            subscribe load, and wrk POSTing 1 KiB to the same nginx that
//            is the hub's subscribers' sink (bench_nginx.h, bench_wrk.h);
//   intake   wrk (2 threads, 64 connections, 5 s) sending the hub a new
//            subscription with a secret each request, verified by nginx
//            while the load runs; then new pings, each of another topic;
//   fan-out  one publish to --subscribers subscribers with secrets over 50
//            loopback addresses on nginx: deliveries/s, and the first
//            delivery's delay;
//   latency  publish -> delivery for 1 subscriber (p50, p99), and publish ->
//            last delivery for 1,000 (p50, p99), on an in-process sink that
//            timestamps arrivals to the nanosecond;
//   memory   the hub's peak RSS.
//
// Each wrk figure runs --rounds times (default 3) and prints the median and
// the spread. Everything is on 127.x addresses and every loop is bounded. It
// prints figures and ratios against the goals; it asserts nothing.
//
// Usage: hubbub_bench [--subscribers N] [--rounds R] [--seconds S] [--nodes N]
//                     [--hub-arg X]... [--postgres-only 1] [--latency-only 1]
//                     [--scale N]
// --latency-only 1 measures only the latency figures (no limits, intake or
// fan-out), for work on that path.
// --scale N runs the scale curve instead (bench_scale.h), up to N stored
// subscriptions (10,000, 100,000, 1,000,000).
// It runs SQLite with one hub, then, when HUBBUB_TEST_POSTGRES names a
// PostgreSQL server (dev.sh bench starts a throwaway one), a fresh database
// with 1 … --nodes (default 3) nodes sharing it.

#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_client.h"
#include "bench/bench_db.h"
#include "bench/bench_nginx.h"
#include "bench/bench_scale.h"
#include "bench/bench_util.h"
#include "bench/bench_wrk.h"
#include "server/pistache.h"
#include "support/http_call.h"
#include "support/hub_process.h"
#include "support/store_engines.h"
#include "support/temp_dir.h"
#include "websub/limits.h"

using namespace std::chrono;
using Clock = steady_clock;
namespace Http = Pistache::Http;
using hubbub::bench::count_in;
using hubbub::bench::form_encode;
using hubbub::bench::Nginx;
using hubbub::bench::peak_rss_kib;
using hubbub::bench::percentile;
using hubbub::bench::unix_now;
using hubbub::bench::wait_until;
using hubbub::bench::WrkLoad;
using hubbub::bench::WrkRun;
using hubbub::bench::WrkScripts;

namespace {

constexpr auto k_phase_timeout = seconds{180};
// How long the verifications or fetches an intake round left may take.
constexpr auto k_drain_timeout = seconds{600};
constexpr int k_addresses = 50;       // loopback addresses of the subscribers
constexpr int k_intake_topics = 100;  // the intake's subscriptions spread over these
constexpr int k_latency_publishes = 200;
constexpr int k_group_size = 1000;
constexpr int k_group_rounds = 20;

// ------------------------------------------------------ the in-process sink

// State shared by the sink's handler clones.
struct SinkState {
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

// The latency figures' sink, in process: timestamps each arrival to the
// nanosecond. Echoes challenges, answers POSTs with 204, and serves
//   GET /topic/fresh   a new 1 KiB body every time (no publish is "unchanged")
class Sink final : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Sink)
  explicit Sink(std::shared_ptr<SinkState> state) : m_state(std::move(state)) {}

  void onRequest(const Http::Request& req, Http::ResponseWriter w) override {
    keep_alive(w);
    const std::string& path = req.resource();
    if (req.method() == Http::Method::Post) {
      const std::int64_t t = now_ns();
      if (path.starts_with("/lat/")) {
        m_state->latency_last_ns.store(t);
        ++m_state->latency_posts;
      } else if (path.starts_with("/group/")) {
        m_state->group_last_ns.store(t);
        ++m_state->group_posts;
      }
      w.send(Http::Code::No_Content).then([](ssize_t) {}, Pistache::Async::IgnoreException);
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

// A Pistache handler that only answers 202: what the hub's HTTP server can
// do at best, next to nginx.
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

// ------------------------------------------------------------------ figures

// A figure over rounds: median and spread.
struct Spread {
  double median = 0;
  double low = 0;
  double high = 0;
};

Spread spread_of(std::vector<double> v) {
  Spread s;
  if (v.empty()) {
    return s;
  }
  std::sort(v.begin(), v.end());
  s.low = v.front();
  s.high = v.back();
  s.median = v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return s;
}

std::string show(const Spread& s, int decimals = 0) {
  char b[96];
  std::snprintf(b, sizeof b, "%.*f [%.*f-%.*f]", decimals, s.median, decimals, s.low, decimals, s.high);
  return b;
}

struct Options {
  std::size_t subscribers = 10000;
  int rounds = 3;
  WrkLoad load;
  std::vector<std::string> hub_args;
  // --latency-only 1: only the latency figures (1 subscriber, 1,000), no
  // limits, intake or fan-out; for working on the latency path.
  bool latency_only = false;
};

// The limits of this machine, taken in this run.
struct Limits {
  std::vector<double> accept;  // nginx answering 202 to wrk's subscribe load, req/s
  std::vector<double> post;    // wrk POSTing 1 KiB to the sink, req/s
  // What the hub's own parts can do at best, for context:
  std::vector<double> pistache;  // a bare Pistache handler answering 202 to the same load
  std::vector<double> client;    // the hub's own HTTP client POSTing signed 1 KiB to the sink
  std::vector<double> verify;    // the same client verifying intent against the sink
  // CPU time each of those parts spends per request, µs:
  std::vector<double> pistache_cpu, client_cpu, verify_cpu;
};

// What one configuration (an engine and a number of nodes) measured.
struct Figures {
  std::string name;
  std::vector<double> intake;    // subscribes answered 202 per second
  std::vector<double> verified;  // verifications per second over each intake round and its drain
  std::vector<double> pings;     // pings answered 202 per second
  std::vector<double> fan_out;   // deliveries per second
  std::vector<double> first_ms;  // publish -> first of the fan-out's deliveries
  // The hubs' CPU time, µs: per subscription taken in and verified, and per
  // delivery of the fan-out.
  std::vector<double> subscribe_cpu_us, delivery_cpu_us;
  double p50 = 0;  // publish -> delivery, 1 subscriber
  double p99 = 0;
  double group_p50 = 0;  // publish -> last delivery, 1,000 subscribers
  double group_p99 = 0;
  double rss_mib = 0;
};

// wrk against every node at once, the load split between them; the rates
// added up.
WrkRun wrk_on_nodes(const WrkLoad& load, const std::vector<std::string>& urls, const std::string& script,
                    const std::function<std::vector<std::string>(std::size_t)>& args) {
  WrkLoad each = load;
  const int n = static_cast<int>(urls.size());
  each.threads = std::max(1, load.threads / n);
  each.connections = std::max(each.threads, load.connections / n);
  std::vector<std::future<WrkRun>> runs;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    runs.push_back(std::async(std::launch::async, [&, i] { return run_wrk(each, urls[i], script, args(i)); }));
  }
  WrkRun total;
  for (auto& r : runs) {
    WrkRun one = r.get();
    if (one.requests == 0) {
      std::printf("   wrk failed: %s\n", one.output.c_str());
    }
    total.requests += one.requests;
    total.not_2xx += one.not_2xx;
    total.socket_errors += one.socket_errors;
    total.seconds = std::max(total.seconds, one.seconds);
  }
  return total;
}

// Waits (bounded) until `sql` counts nothing; the seconds it took, or -1.
// Each look opens a session and counts a queue table: every 20 ms, not
// every 1, or the looks themselves take a share of the two cores from the hub
// (on PostgreSQL a backend each time: 1,900 counts of 1.9 ms in one drain).
double drain(const std::string& database, const std::string& sql) {
  const auto start = Clock::now();
  if (!wait_until([&] { return count_in(database, sql) == 0; }, k_drain_timeout, milliseconds{20})) {
    return -1;
  }
  return duration<double>(Clock::now() - start).count();
}

void subscribe_all(const std::vector<std::string>& hubs, const std::vector<std::string>& topics,
                   const std::vector<std::string>& callbacks) {
  std::vector<std::string> urls;
  std::vector<std::string> bodies;
  for (std::size_t i = 0; i < callbacks.size(); ++i) {
    urls.push_back(hubs[i % hubs.size()]);  // spread over the nodes
    bodies.push_back("hub.mode=subscribe&hub.topic=" + form_encode(topics[i % topics.size()]) +
                     "&hub.callback=" + form_encode(callbacks[i]) + "&hub.secret=bench-secret-" + std::to_string(i));
  }
  const Blast b = blast(urls, bodies, "application/x-www-form-urlencoded", 64, 202);
  if (b.failed > 0) {
    std::printf("   %zu of %zu subscribes were not accepted\n", b.failed, callbacks.size());
  }
}

const char* const k_pending_requests = "SELECT count(*) FROM subscription_requests WHERE state = 0";
const char* const k_pending_fetches = "SELECT count(*) FROM publish_topics WHERE state = 0";

// One configuration: `nodes` hubs on `database`.
Figures measure(const std::string& name, const std::string& database, int nodes, const Options& o, Nginx& nginx,
                const WrkScripts& scripts) {
  Figures f;
  f.name = name;
  auto state = std::make_shared<SinkState>();
  Server sink = serve(std::make_shared<Sink>(state), 2);
  const std::string sink_url = "http://127.0.0.1:" + std::to_string(sink.port);
  std::vector<std::unique_ptr<hubbub::test::HubProcess>> hubs;
  std::vector<std::string> urls;
  for (int i = 0; i < nodes; ++i) {
    // The load generator is the operator's own client: exempt from rate
    // limits; the intake's backlog of verifications is not capped.
    std::vector<std::string> args = {"--allow-private-networks",
                                     "--lease-default",
                                     "86400",
                                     "--rate-limit-exempt",
                                     "127.0.0.1",
                                     "--max-pending-verifications",
                                     "0",
                                     "--max-pending-verifications-per-callback-host",
                                     "0",
                                     "--node-id",
                                     "bench-" + std::to_string(i)};
    args.insert(args.end(), o.hub_args.begin(), o.hub_args.end());
    hubs.push_back(std::make_unique<hubbub::test::HubProcess>(database, args));
    urls.push_back(hubs.back()->url("/"));
  }
  std::printf("\n== %s\n", name.c_str());
  auto hubs_cpu = [&] {
    double s = 0;
    for (const auto& hub : hubs) {
      s += hubbub::bench::process_cpu_seconds(hub->pid());
    }
    return s;
  };
  const std::string port = std::to_string(nginx.sink_port());
  const std::string addresses = std::to_string(k_addresses);

  if (!o.latency_only) {
    // Intake: a new subscription each request, verified meanwhile; then the
    // verifications left are waited for.
    for (int round = 0; round < o.rounds; ++round) {
      const std::string prefix = "r" + std::to_string(round);
      const auto start = Clock::now();
      const double cpu_before = hubs_cpu();
      const WrkRun run = wrk_on_nodes(o.load, urls, scripts.subscribe, [&](std::size_t node) {
        return std::vector<std::string>{prefix + "n" + std::to_string(node), addresses, port,
                                        std::to_string(k_intake_topics)};
      });
      f.intake.push_back(run.ok_rate());
      const double drained = drain(database, k_pending_requests);
      const double verify_rate = drained < 0 ? 0
                                             : static_cast<double>(run.requests - run.not_2xx) /
                                                   duration<double>(Clock::now() - start).count();
      f.verified.push_back(verify_rate);
      const std::size_t accepted = run.requests - std::min(run.requests, run.not_2xx);
      f.subscribe_cpu_us.push_back(accepted > 0 ? (hubs_cpu() - cpu_before) * 1e6 / static_cast<double>(accepted) : 0);
      std::printf(
          "   subscribe intake   %10.0f req/s  (%zu answered, %zu not 2xx, %zu socket errors); "
          "verified %.0f/s%s; hub CPU %.1f µs a subscription\n",
          run.ok_rate(), run.requests, run.not_2xx, run.socket_errors, verify_rate,
          drained < 0 ? " (NOT ALL VERIFIED IN TIME)" : "", f.subscribe_cpu_us.back());
    }

    // Pings: each of a new topic on the sink, fetched meanwhile.
    for (int round = 0; round < o.rounds; ++round) {
      const std::string prefix = "p" + std::to_string(round);
      const WrkRun run = wrk_on_nodes(o.load, urls, scripts.publish, [&](std::size_t node) {
        return std::vector<std::string>{prefix + "n" + std::to_string(node), addresses, port};
      });
      f.pings.push_back(run.ok_rate());
      const double drained = drain(database, k_pending_fetches);
      std::printf("   ping intake        %10.0f req/s  (%zu answered, %zu not 2xx); fetches done %.1f s later\n",
                  run.ok_rate(), run.requests, run.not_2xx, drained);
    }

    // Fan-out: one publish to N subscribers with secrets on 50 addresses.
    const std::string fan_topic = nginx.sink_url(1, "/topic/fan");
    std::vector<std::string> callbacks;
    for (std::size_t i = 0; i < o.subscribers; ++i) {
      callbacks.push_back(nginx.sink_url(1 + static_cast<int>(i % k_addresses), "/fan/" + std::to_string(i)));
    }
    subscribe_all(urls, {fan_topic}, callbacks);
    if (drain(database, k_pending_requests) < 0) {
      std::printf("   the fan-out's subscriptions were not all verified in time\n");
    }
    for (int round = 0; round < o.rounds; ++round) {
      const std::size_t from = nginx.log_size();
      const double cpu_before = hubs_cpu();
      const double t0 = unix_now();
      const auto ping =
          hubbub::test::http_post_form(urls[round % urls.size()], "hub.mode=publish&hub.url=" + form_encode(fan_topic));
      Nginx::Arrivals got;
      wait_until(
          [&] {
            got = nginx.arrivals(from, "/fan/");
            return got.count >= o.subscribers;
          },
          k_phase_timeout);
      const double rate = got.last > t0 ? static_cast<double>(got.count) / (got.last - t0) : 0;
      f.fan_out.push_back(rate);
      f.first_ms.push_back((got.first - t0) * 1000);
      wait_until([&] { return count_in(database, "SELECT count(*) FROM deliveries WHERE state = 0") == 0; },
                 k_phase_timeout);
      f.delivery_cpu_us.push_back(got.count > 0 ? (hubs_cpu() - cpu_before) * 1e6 / static_cast<double>(got.count) : 0);
      std::printf(
          "   fan-out            %10.0f deliveries/s  (%zu delivered, publish answered %ld, first after "
          "%.1f ms, last after %.3f s); hub CPU %.1f µs a delivery\n",
          rate, got.count, ping.status, (got.first - t0) * 1000, got.last - t0, f.delivery_cpu_us.back());
    }
  }

  // Latency, 1 subscriber: published through the last node, delivered by
  // whichever node claims it; a fresh body each time.
  const std::string fresh = sink_url + "/topic/fresh";
  subscribe_all(urls, {fresh}, {sink_url + "/lat/1"});
  drain(database, k_pending_requests);
  std::vector<double> latencies;
  for (int i = 0; i < k_latency_publishes; ++i) {
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
  for (int i = 0; i < k_group_size; ++i) {
    group.push_back(sink_url + "/group/" + std::to_string(i));
  }
  subscribe_all(urls, {group_topic}, group);
  drain(database, k_pending_requests);
  std::vector<double> group_ms;
  for (int round = 0; round < k_group_rounds; ++round) {
    const std::size_t before = state->group_posts.load();
    const auto t0 = Clock::now();
    hubbub::test::http_post_form(urls[0], "hub.mode=publish&hub.url=" + form_encode(group_topic));
    if (!wait_until([&] { return state->group_posts.load() >= before + k_group_size; }, seconds{30})) {
      break;
    }
    group_ms.push_back(
        static_cast<double>(state->group_last_ns.load() - duration_cast<nanoseconds>(t0.time_since_epoch()).count()) /
        1e6);
  }
  f.group_p50 = percentile(group_ms, 0.5);
  f.group_p99 = percentile(group_ms, 0.99);
  std::printf("   1,000 subscribers  publish -> last delivery p50 %.1f ms, p99 %.1f ms (%zu rounds)\n", f.group_p50,
              f.group_p99, group_ms.size());
  f.rss_mib = static_cast<double>(peak_rss_kib(hubs[0]->pid())) / 1024.0;
  std::printf("   peak RSS (node 0)  %.1f MiB\n", f.rss_mib);
  hubs.clear();
  sink.endpoint->shutdown();
  return f;
}

const char* goal(bool met) {
  return met ? "met" : "MISSED";
}

void report(const Figures& f, const Limits& limits) {
  const Spread accept = spread_of(limits.accept);
  const Spread post = spread_of(limits.post);
  const Spread intake = spread_of(f.intake);
  const Spread pings = spread_of(f.pings);
  const Spread fan = spread_of(f.fan_out);
  const Spread first = spread_of(f.first_ms);
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0; };
  std::printf("\n%s: median [min-max]\n", f.name.c_str());
  std::printf("  %-34s %-26s %-26s %6s  %s\n", "figure", "hub", "limit, same run", "ratio", "goal");
  std::printf("  %-34s %-26s %-26s %6.2f  >= 0.50 %s\n", "fan-out, deliveries/s", show(fan).c_str(), show(post).c_str(),
              ratio(fan.median, post.median), goal(ratio(fan.median, post.median) >= 0.5));
  std::printf("  %-34s %-26s %-26s %6.2f\n", "  fan-out against the hub's client", show(fan).c_str(),
              show(spread_of(limits.client)).c_str(), ratio(fan.median, spread_of(limits.client).median));
  std::printf("  %-34s %-26s %-26s %6.2f  >= 0.30 %s\n", "subscribe intake, req/s", show(intake).c_str(),
              show(accept).c_str(), ratio(intake.median, accept.median),
              goal(ratio(intake.median, accept.median) >= 0.3));
  std::printf("  %-34s %-26s %-26s %6.2f  >= 0.30 %s\n", "ping intake, req/s", show(pings).c_str(),
              show(accept).c_str(), ratio(pings.median, accept.median),
              goal(ratio(pings.median, accept.median) >= 0.3));
  std::printf("  %-34s %-26s %-26s %6.2f\n", "verifications/s over intake", show(spread_of(f.verified)).c_str(),
              show(spread_of(limits.verify)).c_str(),
              ratio(spread_of(f.verified).median, spread_of(limits.verify).median));
  std::printf("  %-34s %-26s %-26s %6.2f\n", "  intake against bare Pistache", show(intake).c_str(),
              show(spread_of(limits.pistache)).c_str(), ratio(intake.median, spread_of(limits.pistache).median));
  std::printf("  %-34s %-26s %-26s %6s  <= 10 %s\n", "first of the fan-out, ms", show(first, 1).c_str(), "", "",
              goal(first.median <= 10));
  std::printf("  %-34s %-26.2f %-26s %6s  <= 2 %s\n", "1 subscriber p50, ms", f.p50, "", "", goal(f.p50 <= 2));
  std::printf("  %-34s %-26.1f %-26s %6s  <= 50 %s\n", "1,000 subscribers complete p99, ms", f.group_p99, "", "",
              goal(f.group_p99 <= 50));
  std::printf("  %-34s %-26.1f\n", "peak RSS, MiB", f.rss_mib);
  // What the ratio goals cost in CPU for the hub's fixed parts alone, before
  // any database work, wrk or nginx: the HTTP client (libcurl) for each
  // delivery and each verification, Pistache for each request taken in.
  const double cores = static_cast<double>(std::thread::hardware_concurrency());
  const double fan_goal = 0.5 * post.median;
  const double intake_goal = 0.3 * accept.median;
  const double client_us = spread_of(limits.client_cpu).median;
  const double verify_us = spread_of(limits.verify_cpu).median;
  const double pistache_us = spread_of(limits.pistache_cpu).median;
  const double delivery_us = spread_of(f.delivery_cpu_us).median;
  const double subscribe_us = spread_of(f.subscribe_cpu_us).median;
  std::printf("  hub CPU per delivery %.1f µs (libcurl alone %.1f); per subscription taken in and verified %.1f µs\n",
              delivery_us, client_us, subscribe_us);
  std::printf(
      "  the fan-out goal, %.0f deliveries/s, needs %.2f cores for libcurl alone, %.2f for the hub; the machine has "
      "%.0f\n",
      fan_goal, fan_goal * client_us / 1e6, fan_goal * delivery_us / 1e6, cores);
  std::printf(
      "  the intake goal, %.0f req/s verified meanwhile, needs %.2f cores for Pistache and libcurl alone "
      "(%.1f + %.1f µs each), %.2f for the hub\n",
      intake_goal, intake_goal * (pistache_us + verify_us) / 1e6, pistache_us, verify_us,
      intake_goal * subscribe_us / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  int max_nodes = 3;
  bool postgres_only = false;
  std::size_t scale_to = 0;  // --scale N: the scale curve up to N stored subscriptions, instead
  // Every flag takes a value; anything else is refused before a long run
  // starts with figures nobody asked for.
  constexpr const char* k_usage =
      "usage: hubbub_bench [--subscribers N] [--rounds R] [--seconds S] [--nodes N] [--hub-arg X]... "
      "[--postgres-only 1] [--latency-only 1] [--scale N]\n";
  for (int i = 1; i < argc; i += 2) {
    static constexpr const char* k_flags[] = {"--hub-arg", "--postgres-only", "--latency-only", "--subscribers",
                                              "--rounds",  "--seconds",       "--nodes",        "--scale"};
    const bool known = std::any_of(std::begin(k_flags), std::end(k_flags),
                                   [&](const char* flag) { return std::strcmp(argv[i], flag) == 0; });
    if (std::strcmp(argv[i], "--help") == 0) {
      std::fputs(k_usage, stdout);
      return 0;
    }
    if (!known || i + 1 >= argc) {
      std::fprintf(stderr, "hubbub_bench: %s %s\n%s", argv[i], known ? "needs a value" : "is not a flag", k_usage);
      return 2;
    }
    if (std::strcmp(argv[i], "--hub-arg") == 0) {
      o.hub_args.push_back(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--postgres-only") == 0) {
      postgres_only = std::strcmp(argv[i + 1], "0") != 0;
    } else if (std::strcmp(argv[i], "--latency-only") == 0) {
      o.latency_only = std::strcmp(argv[i + 1], "0") != 0;
    } else if (std::strcmp(argv[i], "--subscribers") == 0) {
      o.subscribers = std::strtoul(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--rounds") == 0) {
      o.rounds = std::max(1, std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--seconds") == 0) {
      o.load.duration = seconds{std::max(1, std::atoi(argv[i + 1]))};
    } else if (std::strcmp(argv[i], "--nodes") == 0) {
      max_nodes = std::max(1, std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--scale") == 0) {
      scale_to = std::strtoul(argv[i + 1], nullptr, 10);
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const char* postgres = std::getenv("HUBBUB_TEST_POSTGRES");
  std::printf(
      "hubbub_bench: %zu subscribers on %d loopback addresses, %d rounds, wrk -t%d -c%d -d%llds, %u cores; "
      "SQLite%s\n",
      o.subscribers, k_addresses, o.rounds, o.load.threads, o.load.connections,
      static_cast<long long>(o.load.duration.count()), std::thread::hardware_concurrency(),
      postgres && *postgres ? (", PostgreSQL with 1 to " + std::to_string(max_nodes) + " nodes").c_str()
                            : " only (HUBBUB_TEST_POSTGRES unset)");

  hubbub::test::TempDir nginx_dir;
  Nginx nginx(nginx_dir.path().string(), k_addresses);
  if (scale_to > 0) {
    const hubbub::bench::ScaleOptions scale{scale_to, o.hub_args};
    if (!postgres_only) {
      hubbub::test::TempDir dir;
      hubbub::bench::run_scale("SQLite", dir.file("scale.db"), scale, nginx);
    }
    if (postgres && *postgres) {
      hubbub::test::PostgresDatabase db;
      hubbub::bench::run_scale("PostgreSQL, 1 node", db.uri(), scale, nginx);
    }
    curl_global_cleanup();
    return 0;
  }
  const WrkScripts scripts = hubbub::bench::write_wrk_scripts(nginx_dir.path().string());
  Limits limits;
  const std::vector<std::string> subscribe_args = {"limit", std::to_string(k_addresses),
                                                   std::to_string(nginx.sink_port()), std::to_string(k_intake_topics)};
  for (int round = 0; round < o.rounds && !o.latency_only; ++round) {
    const WrkRun accept = run_wrk(o.load, nginx.accept_url(), scripts.subscribe, subscribe_args);
    const WrkRun post = run_wrk(o.load, nginx.sink_url(1, "/"), scripts.post);
    Server bare_server = serve(std::make_shared<Bare>(), 2);
    const double cpu_before = hubbub::bench::process_cpu_seconds();
    const WrkRun bare = run_wrk(o.load, "http://127.0.0.1:" + std::to_string(bare_server.port) + "/", scripts.subscribe,
                                subscribe_args);
    const double bare_cpu = hubbub::bench::process_cpu_seconds() - cpu_before;
    bare_server.endpoint->shutdown();
    limits.accept.push_back(accept.ok_rate());
    limits.post.push_back(post.ok_rate());
    limits.pistache.push_back(bare.ok_rate());
    const auto client = hubbub::bench::client_post_rate(nginx, o.subscribers);
    const auto verify = hubbub::bench::client_verify_rate(nginx, o.subscribers);
    limits.client.push_back(client.rate);
    limits.verify.push_back(verify.rate);
    limits.pistache_cpu.push_back(bare.requests > 0 ? bare_cpu * 1e6 / static_cast<double>(bare.requests) : 0);
    limits.client_cpu.push_back(client.cpu_us);
    limits.verify_cpu.push_back(verify.cpu_us);
    std::printf(
        "limits: nginx 202 %.0f req/s; wrk POST 1 KiB to nginx %.0f req/s; bare Pistache 202 %.0f req/s (%.1f µs "
        "CPU each); the hub's HTTP client: %zu POSTs %.0f/s (%.1f µs CPU each), %zu verifications %.0f/s (%.1f µs)\n",
        accept.ok_rate(), post.ok_rate(), bare.ok_rate(), limits.pistache_cpu.back(), o.subscribers, client.rate,
        client.cpu_us, o.subscribers, verify.rate, verify.cpu_us);
  }

  std::vector<Figures> all;
  if (!postgres_only) {
    hubbub::test::TempDir dir;
    all.push_back(measure("SQLite, 1 node", dir.file("bench.db"), 1, o, nginx, scripts));
  }
  if (postgres && *postgres) {
    for (int nodes = 1; nodes <= max_nodes; ++nodes) {
      hubbub::test::PostgresDatabase db;
      all.push_back(measure("PostgreSQL, " + std::to_string(nodes) + (nodes == 1 ? " node" : " nodes"), db.uri(), nodes,
                            o, nginx, scripts));
    }
  }
  for (const Figures& f : all) {
    if (!o.latency_only) {
      report(f, limits);
    }
  }
  if (all.size() > 1 && !postgres_only && !o.latency_only) {
    auto median = [](const std::vector<double>& v) { return spread_of(v).median; };
    std::printf("\nPostgreSQL, 1 node against SQLite: intake %.2f, fan-out %.2f (goal >= 0.5 each)\n",
                median(all[0].intake) > 0 ? median(all[1].intake) / median(all[0].intake) : 0,
                median(all[0].fan_out) > 0 ? median(all[1].fan_out) / median(all[0].fan_out) : 0);
  }
  curl_global_cleanup();
  return 0;
}
