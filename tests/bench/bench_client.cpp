#include "bench/bench_client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "net/curl_http_client.h"
#include "util/random.h"
#include "websub/limits.h"
#include "websub/signature.h"

namespace hubbub::bench {

namespace {

constexpr std::chrono::seconds k_client_timeout{120};

// Sends `count` requests made by `make(i)` through a client with the
// daemon's limits; requests/s once all are answered, or 0 if any answer
// fails `good`.
ClientRun rate_of(std::size_t count, const std::function<HttpRequest(std::size_t)>& make,
                  const std::function<bool(std::size_t, const HttpResponse&)>& good) {
  HttpClientLimits limits;
  limits.max_in_flight = k_max_outbound_in_flight;
  limits.max_per_origin = k_max_outbound_per_origin;
  limits.user_agent = "Hubbub-bench";
  CurlHttpClient http(std::make_shared<EgressPolicy>(true), limits);
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t done = 0;
  std::size_t ok = 0;
  const double cpu_before = process_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    http.send(make(i), [&, i](HttpResult result) {
      const bool fine = result && good(i, *result);
      const std::lock_guard lock(mutex);
      ++done;
      ok += fine ? 1 : 0;
      if (done == count) {
        cv.notify_all();
      }
    });
  }
  std::unique_lock lock(mutex);
  cv.wait_for(lock, k_client_timeout, [&] { return done == count; });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = process_cpu_seconds() - cpu_before;
  const bool all = done == count && ok == count;
  lock.unlock();
  http.stop();
  ClientRun run;
  run.rate = all && seconds > 0 ? static_cast<double>(count) / seconds : 0;
  run.cpu_us = count > 0 ? cpu * 1e6 / static_cast<double>(count) : 0;
  return run;
}

std::string sink_url(const Nginx& nginx, std::size_t i, const std::string& path) {
  return nginx.sink_url(1 + static_cast<int>(i % static_cast<std::size_t>(nginx.addresses())), path);
}

}  // namespace

ClientRun client_post_rate(const Nginx& nginx, std::size_t count) {
  const auto body = std::make_shared<const std::string>(std::string(1024, 'x'));
  return rate_of(
      count,
      [&](std::size_t i) {
        HttpRequest r;
        r.method = HttpMethod::post;
        r.url = sink_url(nginx, i, "/client/" + std::to_string(i));
        r.shared_body = body;
        r.oversize = OversizeBody::truncate;
        r.headers = {{"Content-Type", "application/atom+xml"},
                     {"Link", "<http://127.0.0.1/>; rel=\"hub\", <http://127.0.0.1/topic>; rel=\"self\""},
                     {"X-Hub-Signature", sign(SignatureAlgorithm::sha256, "secret-" + std::to_string(i), *body)}};
        return r;
      },
      [](std::size_t, const HttpResponse& r) { return r.status / 100 == 2; });
}

ClientRun client_verify_rate(const Nginx& nginx, std::size_t count) {
  std::vector<std::string> challenges;
  challenges.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    challenges.push_back(random_token(k_challenge_random_bytes));
  }
  return rate_of(
      count,
      [&](std::size_t i) {
        HttpRequest r;
        r.url =
            sink_url(nginx, i,
                     "/verify/" + std::to_string(i) +
                         "?hub.mode=subscribe&hub.topic=http%3A%2F%2F127.0.0.1%2Ftopic&hub.challenge=" + challenges[i] +
                         "&hub.lease_seconds=86400");
        r.max_response_bytes = k_verification_body_cap;
        return r;
      },
      [&](std::size_t i, const HttpResponse& r) { return r.status == 200 && r.body == challenges[i]; });
}

}  // namespace hubbub::bench
