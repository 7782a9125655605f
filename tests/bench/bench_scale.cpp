#include "bench/bench_scale.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include "bench/bench_db.h"
#include "bench/bench_util.h"
#include "store/pg_connection.h"
#include "support/http_call.h"
#include "support/hub_process.h"

namespace hubbub::bench {

namespace {

using namespace std::chrono;

constexpr std::size_t k_big_topic_max = 100'000;
constexpr std::size_t k_probe_size = 1000;
constexpr int k_probe_rounds = 5;
constexpr int k_subscribe_samples = 200;
constexpr auto k_wait = seconds{300};
constexpr const char* k_far_expiry = "4102444800000";  // 2100-01-01, ms

// Subscriptions i in (from, to] of `topic`, callbacks `path`<i> spread over
// the sink's addresses (or, for filler, over addresses nothing listens on:
// they are never sent anything).
std::string insert_sql(bool postgres, const std::string& topic_sql, const std::string& host_sql,
                       const std::string& path, std::size_t from, std::size_t to) {
  const std::string now = std::to_string(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  const std::string callback = host_sql + " || '" + path + "' || i";
  if (postgres) {
    return "INSERT INTO subscriptions (topic, callback, origin, secret, lease_seconds, expires_at, created_at, "
           "updated_at) SELECT " +
           topic_sql + ", " + callback + ", " + host_sql + ", 'bench-secret'::bytea, 86400, " + k_far_expiry + ", " +
           now + ", " + now + " FROM generate_series(" + std::to_string(from + 1) + ", " + std::to_string(to) +
           ") AS i";
  }
  return "WITH RECURSIVE n(i) AS (SELECT " + std::to_string(from + 1) + " UNION ALL SELECT i + 1 FROM n WHERE i < " +
         std::to_string(to) +
         ") INSERT INTO subscriptions (topic, callback, origin, secret, lease_seconds, expires_at, created_at, "
         "updated_at) SELECT " +
         topic_sql + ", " + callback + ", " + host_sql + ", CAST('bench-secret' AS BLOB), 86400, " + k_far_expiry +
         ", " + now + ", " + now + " FROM n";
}

std::string sink_host_sql(const Nginx& nginx) {
  return "'http://127.0.0.' || (1 + i % " + std::to_string(nginx.addresses()) +
         ") || ':" + std::to_string(nginx.sink_port()) + "'";
}

const char* const k_filler_host = "'http://127.1.' || ((i / 250) % 250) || '.' || (1 + i % 250) || ':80'";

}  // namespace

void run_scale(const std::string& name, const std::string& database, const ScaleOptions& o, Nginx& nginx) {
  const bool postgres = is_postgres_uri(database);
  const std::vector<std::string> args = [&] {
    std::vector<std::string> a = {"--allow-private-networks", "--lease-default", "86400", "--rate-limit-exempt",
                                  "127.0.0.1"};
    a.insert(a.end(), o.hub_args.begin(), o.hub_args.end());
    return a;
  }();
  { test::HubProcess schema(database, args); }  // creates the schema
  const std::string big_topic = nginx.sink_url(1, "/topic/big");
  const std::string probe_topic = nginx.sink_url(1, "/topic/probe");
  if (!exec_in(database,
               insert_sql(postgres, "'" + probe_topic + "'", sink_host_sql(nginx), "/probe/", 0, k_probe_size))) {
    return;
  }
  std::printf("\n== scale, %s: subscriptions stored, a tenth (at most 100,000) on one topic\n", name.c_str());
  std::printf("%12s %10s %16s %16s %18s %14s %10s %10s\n", "stored", "big topic", "subscribe p50 ms",
              "subscribe p99 ms", "1,000 fan-out, us", "big fan-out/s", "RSS MiB", "DB MiB");
  std::size_t big = 0;
  std::size_t filler = 0;
  int latency_topic = 0;
  for (std::size_t size : {std::size_t{10'000}, std::size_t{100'000}, std::size_t{1'000'000}}) {
    if (size > o.up_to) {
      break;
    }
    const std::size_t want_big = std::min(size / 10, k_big_topic_max);
    const std::size_t want_filler = size - want_big - k_probe_size;
    const auto write_start = steady_clock::now();
    if (!exec_in(database, insert_sql(postgres, "'" + big_topic + "'", sink_host_sql(nginx), "/big/", big, want_big)) ||
        !exec_in(database, insert_sql(postgres, "'http://127.2.0.1/filler/' || (i / 10)", k_filler_host, "/f/", filler,
                                      want_filler))) {
      return;
    }
    big = want_big;
    filler = want_filler;
    const double write_s = duration<double>(steady_clock::now() - write_start).count();
    test::HubProcess hub(database, args);

    // The durable subscribe, one at a time, to a topic of its own.
    std::vector<double> subscribe_ms;
    const std::string topic = nginx.sink_url(1, "/topic/lat-" + std::to_string(++latency_topic));
    for (int i = 0; i < k_subscribe_samples; ++i) {
      const std::string callback =
          nginx.sink_url(1 + i % nginx.addresses(), "/lat/" + std::to_string(size) + "-" + std::to_string(i));
      const auto t0 = steady_clock::now();
      const auto r = test::http_post_form(hub.url("/"), "hub.mode=subscribe&hub.topic=" + form_encode(topic) +
                                                            "&hub.callback=" + form_encode(callback));
      if (r.status == 202) {
        subscribe_ms.push_back(duration<double>(steady_clock::now() - t0).count() * 1000);
      }
    }
    // The cost per delivery: a 1,000-subscriber fan-out, complete.
    std::vector<double> probe_us;
    for (int round = 0; round < k_probe_rounds; ++round) {
      const std::size_t from = nginx.log_size();
      const double t0 = unix_now();
      test::http_post_form(hub.url("/"), "hub.mode=publish&hub.url=" + form_encode(probe_topic));
      Nginx::Arrivals got;
      if (wait_until(
              [&] {
                got = nginx.arrivals(from, "/probe/");
                return got.count >= k_probe_size;
              },
              k_wait)) {
        probe_us.push_back((got.last - t0) * 1e6 / static_cast<double>(k_probe_size));
      }
    }
    // The big topic's fan-out.
    const std::size_t from = nginx.log_size();
    const double t0 = unix_now();
    test::http_post_form(hub.url("/"), "hub.mode=publish&hub.url=" + form_encode(big_topic));
    Nginx::Arrivals got;
    wait_until(
        [&] {
          got = nginx.arrivals(from, "/big/");
          return got.count >= big;
        },
        k_wait);
    const double big_rate = got.count > 0 && got.last > t0 ? static_cast<double>(got.count) / (got.last - t0) : 0;
    std::printf("%12zu %10zu %16.2f %16.2f %18.1f %14.0f %10.1f %10.1f   (rows written in %.0f s%s)\n", size, big,
                percentile(subscribe_ms, 0.5), percentile(subscribe_ms, 0.99), percentile(probe_us, 0.5), big_rate,
                static_cast<double>(peak_rss_kib(hub.pid())) / 1024.0,
                static_cast<double>(database_bytes(database)) / (1024.0 * 1024.0), write_s,
                got.count < big ? ", BIG FAN-OUT INCOMPLETE" : "");
    hub.terminate();
  }
}

}  // namespace hubbub::bench
