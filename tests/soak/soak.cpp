// Soak: the real build/hubbub under mixed load for a while, reporting its
// resident memory, open file descriptors, queue depths and delivery latency
// over time (issue: hardening, "Soak"). Not part of the default test run:
//
//   bash contrib/dev.sh soak [--minutes 10] [--report-seconds 30]
//
// Load, all on 127.0.0.1:
// - 500 subscribers of one topic that answer 204, publish pings every 500 ms
//   with new content each time (about 1,000 deliveries a second);
// - 50 subscribers of the same topic that always answer 500 (retries with
//   backoff, then dead letters);
// - subscription churn: a new subscriber every 50 ms on another topic, and an
//   unsubscribe of an older one;
// - a status-monitor read for every subscription request.
// The hub's RSS and fd count must stay flat: after the first report (the
// warm-up) they may not grow by more than 25 % (RSS) or 32 descriptors. The
// exit code says whether they did; the figures are printed either way.

#include <dirent.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/http_call.h"
#include "support/hub_process.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"

using namespace hubbub::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr int k_good_subscribers = 500;
constexpr int k_failing_subscribers = 50;
constexpr auto k_publish_interval = milliseconds{500};
constexpr auto k_churn_interval = milliseconds{50};
constexpr double k_rss_growth_allowed = 1.25;
constexpr long k_fd_growth_allowed = 32;

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

long open_fds(pid_t pid) {
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) {
    return -1;
  }
  long n = 0;
  while (readdir(dir) != nullptr) {
    ++n;
  }
  closedir(dir);
  return n - 2;  // . and ..
}

// Publish-to-delivery latencies seen by the good subscribers in one report
// interval (the topic's body carries the publish time).
class Latencies {
 public:
  void add(double ms) {
    std::lock_guard lock(m_mutex);
    m_values.push_back(ms);
  }
  // p50 and p99 of the interval, then forgets it.
  std::pair<double, double> take() {
    std::lock_guard lock(m_mutex);
    if (m_values.empty()) {
      return {0, 0};
    }
    std::sort(m_values.begin(), m_values.end());
    const auto at = [&](double q) { return m_values[static_cast<std::size_t>(q * (m_values.size() - 1))]; };
    const std::pair<double, double> out{at(0.5), at(0.99)};
    m_values.clear();
    return out;
  }

 private:
  std::mutex m_mutex;
  std::vector<double> m_values;
};

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  long minutes = 10;
  long report_seconds = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    long value = 0;
    const char* text = argv[i + 1];
    if (std::from_chars(text, text + std::char_traits<char>::length(text), value).ec != std::errc{} || value <= 0) {
      std::cerr << "usage: hubbub_soak [--minutes N] [--report-seconds N]\n";
      return 2;
    }
    if (arg == "--minutes") {
      minutes = value;
    } else if (arg == "--report-seconds") {
      report_seconds = value;
    } else {
      std::cerr << "unknown option " << arg << "\n";
      return 2;
    }
  }

  TempDir dir;
  Latencies latencies;
  std::atomic<long> version{0};
  TestHttpServer topic([&version](const RecordedRequest&) {
    CannedResponse r;
    r.headers.emplace_back("Content-Type", "text/plain");
    r.body = std::to_string(now_ms()) + " " + std::to_string(version.load());
    return r;
  });
  TestHttpServer good([&latencies](const RecordedRequest& request) {
    if (request.method == "GET") {
      return echo_challenge(request);
    }
    latencies.add(now_ms() - std::stod(request.body.substr(0, request.body.find(' '))));
    CannedResponse r;
    r.status = 204;
    return r;
  });
  TestHttpServer failing(statuses({500}));
  for (auto* server : {&topic, &good, &failing}) {
    server->set_recording(false);
  }

  HubProcess hub(dir.file("hub.db"), {"--allow-private-networks", "--rate-limit-exempt", "127.0.0.1"});
  const std::string feed = topic.url("/feed");
  auto subscribe = [&](const std::string& mode, const std::string& topic_url, const std::string& callback) {
    return http_post_form(hub.url("/"),
                          form({{"hub.mode", mode}, {"hub.topic", topic_url}, {"hub.callback", callback}}));
  };
  for (int i = 0; i < k_good_subscribers; ++i) {
    subscribe("subscribe", feed, good.url("/good/" + std::to_string(i)));
  }
  for (int i = 0; i < k_failing_subscribers; ++i) {
    subscribe("subscribe", feed, failing.url("/fail/" + std::to_string(i)));
  }

  std::printf("soak: %ld min; %d good + %d failing subscribers, a publish every %lld ms, churn every %lld ms\n",
              minutes, k_good_subscribers, k_failing_subscribers, static_cast<long long>(k_publish_interval.count()),
              static_cast<long long>(k_churn_interval.count()));
  std::printf("%8s %10s %6s %10s %10s %10s %12s %10s %10s\n", "minute", "rss_kib", "fds", "q_verify", "q_fetch",
              "q_deliver", "delivered", "p50_ms", "p99_ms");
  std::fflush(stdout);

  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    while (!stop.load()) {
      ++version;
      http_post_form(hub.url("/"), form({{"hub.mode", "publish"}, {"hub.url", feed}}));
      std::this_thread::sleep_for(k_publish_interval);
    }
  });
  std::thread churn([&] {
    long n = 0;
    while (!stop.load()) {
      const HttpReply r = subscribe("subscribe", topic.url("/churn"), good.url("/churn/" + std::to_string(n)));
      if (r.status == 202) {
        http_get(r.header("location"));
      }
      if (n >= 100) {
        subscribe("unsubscribe", topic.url("/churn"), good.url("/churn/" + std::to_string(n - 100)));
      }
      ++n;
      std::this_thread::sleep_for(k_churn_interval);
    }
  });

  const auto start = Clock::now();
  const auto end = start + std::chrono::minutes{minutes};
  long first_rss = -1;
  long first_fds = -1;
  long max_rss = 0;
  long max_fds = 0;
  long last_rss = 0;
  long last_fds = 0;
  while (Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::seconds{report_seconds});
    const long rss = rss_kib(hub.pid());
    const long fds = open_fds(hub.pid());
    nlohmann::json counts;
    if (const HttpReply stats = http_get(hub.url("/stats")); stats.status == 200) {
      counts = nlohmann::json::parse(stats.body)["counts"];
    }
    const auto [p50, p99] = latencies.take();
    const double minute = std::chrono::duration<double>(Clock::now() - start).count() / 60.0;
    std::printf("%8.1f %10ld %6ld %10lld %10lld %10lld %12zu %10.1f %10.1f\n", minute, rss, fds,
                counts.value("pending_verifications", -1LL), counts.value("pending_fetches", -1LL),
                counts.value("pending_deliveries", -1LL), good.request_count(), p50, p99);
    std::fflush(stdout);
    if (first_rss < 0) {
      first_rss = rss;
      first_fds = fds;
    }
    max_rss = std::max(max_rss, rss);
    max_fds = std::max(max_fds, fds);
    last_rss = rss;
    last_fds = fds;
  }
  stop.store(true);
  publisher.join();
  churn.join();
  const int stopped = hub.terminate();

  const bool rss_flat = max_rss <= static_cast<long>(static_cast<double>(first_rss) * k_rss_growth_allowed);
  const bool fds_flat = max_fds <= first_fds + k_fd_growth_allowed;
  std::printf("RSS after warm-up %ld KiB, max %ld KiB, last %ld KiB (%.2fx): %s\n", first_rss, max_rss, last_rss,
              first_rss > 0 ? static_cast<double>(max_rss) / static_cast<double>(first_rss) : 0.0,
              rss_flat ? "flat" : "GROWING");
  std::printf("open fds after warm-up %ld, max %ld, last %ld: %s\n", first_fds, max_fds, last_fds,
              fds_flat ? "flat" : "GROWING");
  std::printf("hub stopped with exit code %d\n", stopped);
  return rss_flat && fds_flat && stopped == 0 ? 0 : 1;
}
