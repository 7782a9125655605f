#include "websub/distributor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "util/log_text.h"
#include "util/retry_after.h"
#include "util/url.h"

namespace hubbub {
namespace {

// `s` with a claim long enough for the longest a claimed delivery can wait for
// its turn: every claimed job on one origin, 8 at a time, each taking its full
// timeout. A shorter claim would hand out a job that is still queued again (a
// duplicate). Claims are released at every start, so a long one costs nothing.
DistributorSettings with_safe_claim(DistributorSettings s) {
  if (s.shared) {
    return s;
  }
  const auto rounds = static_cast<std::int64_t>(s.max_in_flight / k_max_outbound_per_origin + 1);
  s.claim = std::max(s.claim, Millis{2 * rounds * s.timeout.count()});
  return s;
}

}  // namespace

Distributor::Distributor(DeliveryQueue& store, HttpClient& http, const Clock& clock, DistributorSettings settings)
    : m_store(store),
      m_http(http),
      m_clock(clock),
      m_settings(with_safe_claim(std::move(settings))),
      m_backoff(m_settings.retry_base),
      m_loop(
          "distributor", clock, m_settings.max_in_flight, [this](std::size_t free) { return claim(free); },
          [this] { return next_due(); }) {}

Result<std::optional<TimePoint>> Distributor::next_due() {
  auto due = m_store.next_delivery_due();
  if (!due || !*due) {
    return due;
  }
  std::lock_guard lock(m_origins_mutex);
  if (m_idle_until && **due < *m_idle_until) {
    return m_idle_until;  // what is due waits for a paused origin's probe
  }
  return due;
}

void Distributor::adopt_recorded_pauses(TimePoint now, std::chrono::steady_clock::time_point steady_now) {
  if (m_pauses_read_at && (!m_settings.shared || steady_now - *m_pauses_read_at < k_shared_pause_refresh)) {
    return;
  }
  m_pauses_read_at = steady_now;
  auto pauses = m_store.origin_pauses(now);
  if (!pauses) {
    spdlog::error("event=store_read_failed error={}", log_quoted(pauses.error().message));
    return;
  }
  for (const auto& [origin, until] : *pauses) {
    if (m_breaker.adopt_pause(origin, until, now)) {
      spdlog::info("event=circuit_breaker_adopted origin={} pause_s={}", log_quoted(origin),
                   std::chrono::duration_cast<std::chrono::seconds>(until - now).count());
    }
  }
}

Distributor::~Distributor() {
  m_loop.stop(Millis{0});
  m_loop.wait_idle();
}

Result<std::size_t> Distributor::claim(std::size_t free) {
  save_unsaved();
  std::vector<std::string> busy;
  bool capped = false;  // an origin is busy for its share, not paused
  {
    std::lock_guard lock(m_origins_mutex);
    const auto now = std::chrono::steady_clock::now();
    const bool worth_it = m_claimed == 0 || m_new_work.exchange(false) ||
                          m_settled_since_claim >= k_delivery_claim_after_settled ||
                          now - m_last_claim >= k_delivery_claim_interval;
    if (!worth_it) {
      return 0;
    }
    m_last_claim = now;
    m_settled_since_claim = 0;
    for (const auto& [origin, n] : m_claimed_per_origin) {
      if (n >= k_max_claimed_per_origin) {
        busy.push_back(origin);
        capped = true;
      }
    }
  }
  const TimePoint now = m_clock.now();
  const auto steady_now = std::chrono::steady_clock::now();
  adopt_recorded_pauses(now, steady_now);
  const std::vector<std::string> paused = m_breaker.paused_origins(now);
  std::erase_if(m_deferred_at, [&](const auto& entry) {
    return std::find(paused.begin(), paused.end(), entry.first) == paused.end();
  });
  for (const auto& origin : paused) {
    // Deliveries queued for a paused host since it was paused (new publishes)
    // are moved to its probe time now and then, so claims need not skip them.
    auto& deferred_at = m_deferred_at[origin];
    if (steady_now - deferred_at >= k_breaker_defer_interval) {
      deferred_at = steady_now;
      m_store.defer_origin(origin, m_breaker.retry_at(origin, now), [](Status s) {
        if (!s) {
          spdlog::error("event=store_write_failed error={}", log_quoted(s.error().message));
        }
      });
    }
    busy.push_back(origin);
  }
  // A batch is at most one origin's share, so no origin ends up with more
  // than twice its share claimed; the next claim skips it until it settles.
  auto jobs = m_store.claim_due_deliveries(m_clock.now(), m_settings.claim,
                                           std::min({free, k_delivery_claim_batch, k_max_claimed_per_origin}), busy);
  if (jobs && jobs->empty() && !busy.empty()) {
    // Everything due belongs to busy or paused origins: wait for settlements
    // or the first probe, not the clock.
    std::lock_guard lock(m_origins_mutex);
    m_last_claim = std::chrono::steady_clock::now() + std::chrono::seconds{1};
    // Only paused origins wait for a probe: an origin busy for its share when
    // the claim began may have settled everything meanwhile, and its next
    // settlement (or this one's, just seen) calls for a claim at once.
    if (m_claimed == 0 && !capped) {
      m_idle_until = m_breaker.next_probe(now).value_or(now + std::chrono::seconds{1});
    }
  } else if (jobs && !jobs->empty()) {
    std::lock_guard lock(m_origins_mutex);
    m_idle_until.reset();
  }
  if (!jobs) {
    return std::unexpected(jobs.error());
  }
  {
    std::lock_guard lock(m_origins_mutex);
    for (const auto& job : *jobs) {
      ++m_claimed_per_origin[job.origin];
    }
    m_claimed += jobs->size();
  }
  for (const auto& job : *jobs) {
    start(job, now);
  }
  return jobs->size();
}

DeliveryHandOff Distributor::reserve(std::size_t want) {
  DeliveryHandOff hand_off;
  hand_off.max = m_loop.reserve(std::min({want, k_delivery_claim_batch, k_max_claimed_per_origin}));
  if (hand_off.max == 0) {
    return hand_off;
  }
  hand_off.claim = m_settings.claim;
  hand_off.busy_origins = m_breaker.paused_origins(m_clock.now());
  std::lock_guard lock(m_origins_mutex);
  for (const auto& [origin, n] : m_claimed_per_origin) {
    if (n >= k_max_claimed_per_origin) {
      hand_off.busy_origins.push_back(origin);
    }
  }
  return hand_off;
}

void Distributor::take(std::size_t reserved, std::vector<DeliveryJob> jobs) {
  {
    std::lock_guard lock(m_origins_mutex);
    for (const auto& job : jobs) {
      ++m_claimed_per_origin[job.origin];
    }
    m_claimed += jobs.size();
    if (!jobs.empty()) {
      m_idle_until.reset();
    }
  }
  m_loop.release(reserved - std::min(reserved, jobs.size()));
  const TimePoint now = m_clock.now();
  for (const auto& job : jobs) {
    start(job, now);
  }
}

void Distributor::start(const DeliveryJob& job, TimePoint now) {
  if (!m_breaker.allow(job.origin, now)) {
    // Claimed before the breaker opened, or waiting while its probe is
    // out: back to the queue, the attempt not counted.
    if (m_settings.metrics != nullptr) {
      m_settings.metrics->deliveries.Add({{"outcome", "paused"}, {"status_class", "none"}}).Increment();
    }
    const TimePoint retry = m_breaker.retry_at(job.origin, now);
    const std::string why = "paused: most deliveries to " + job.origin + " fail (circuit breaker open)";
    if (retry - job.created_at > m_settings.max_age) {
      settle(job, {job.id, DeliveryState::dead, std::nullopt, why + " (dead letter: too old)", now, false});
    } else if (retry >= job.expires_at) {
      settle(job, {job.id, DeliveryState::dropped, std::nullopt, why + " (the lease ends first)", now, false});
    } else {
      DeliveryOutcome paused{job.id, DeliveryState::pending, std::nullopt, why, retry, false};
      paused.uncharged = true;
      settle(job, std::move(paused));
    }
    return;
  }
  auto p = payload(job.content_id);
  if (!p) {
    settle(job, {job.id, DeliveryState::pending, std::nullopt, "cannot load the content: " + p.error().message,
                 m_clock.now() + m_backoff.delay(job.attempts + 1), false});
  } else if (!*p) {
    settle(job, {job.id, DeliveryState::dropped, std::nullopt, "the content is gone", m_clock.now(), false});
  } else {
    deliver(job, **p);
  }
}

Result<std::shared_ptr<const Distributor::Payload>> Distributor::payload(std::int64_t content_id) {
  {
    std::lock_guard lock(m_cache_mutex);
    if (auto it = m_cache.find(content_id); it != m_cache.end()) {
      return it->second;
    }
  }
  HUBBUB_TRY_ASSIGN(content, m_store.find_content(content_id));
  if (!*content) {
    return std::shared_ptr<const Payload>();
  }
  auto p = std::make_shared<Payload>();
  p->content_type = std::move((*content)->content_type);
  p->body = std::make_shared<const std::string>(std::move((*content)->body));
  cache(content_id, p);
  return std::shared_ptr<const Payload>(p);
}

void Distributor::cache(std::int64_t content_id, std::shared_ptr<const Payload> p) {
  std::lock_guard lock(m_cache_mutex);
  if (!m_cache.emplace(content_id, std::move(p)).second) {
    return;  // known already
  }
  m_cache_order.push_back(content_id);
  while (m_cache_order.size() > k_content_cache_entries) {
    m_cache.erase(m_cache_order.front());
    m_cache_order.pop_front();
  }
}

void Distributor::remember(std::int64_t content_id, std::optional<std::string> content_type,
                           std::shared_ptr<const std::string> body) {
  if (!body) {
    return;
  }
  auto p = std::make_shared<Payload>();
  p->content_type = std::move(content_type);
  p->body = std::move(body);
  cache(content_id, std::move(p));
}

void Distributor::deliver(const DeliveryJob& job, const Payload& payload) {
  HttpRequest request;
  request.method = HttpMethod::post;
  request.url = job.callback;
  request.shared_body = payload.body;
  request.timeout = m_settings.timeout;
  request.connect_timeout = std::min(m_settings.timeout, k_outbound_connect_timeout);
  request.max_response_bytes = k_delivery_response_cap;
  request.oversize = OversizeBody::truncate;
  // No Content-Type from the topic: none at all (an empty value makes libcurl
  // drop its form default).
  request.headers.emplace_back("Content-Type", payload.content_type.value_or(""));
  request.headers.emplace_back("Link", "<" + link_target(m_settings.public_url) + ">; rel=\"hub\", <" +
                                           link_target(job.topic) + ">; rel=\"self\"");
  if (job.secret) {
    const SignatureAlgorithm algorithm = job.signature_algorithm.value_or(m_settings.algorithm);
    // While a replaced secret's grace lasts (secret rotation), it signs too:
    // in a header of its own beside X-Hub-Signature, which holds one
    // signature, and as a second signature in webhook-signature.
    const std::string* previous =
        job.previous_secret && *job.previous_secret != *job.secret ? &*job.previous_secret : nullptr;
    request.headers.emplace_back("X-Hub-Signature", sign(algorithm, *job.secret, *payload.body));
    if (previous != nullptr) {
      request.headers.emplace_back("X-Hub-Signature-Previous", sign(algorithm, *previous, *payload.body));
    }
    if (job.standard_webhooks.value_or(m_settings.standard_webhooks)) {
      // The id stays the same across retries; the timestamp is this attempt's.
      const std::int64_t now_s = to_unix_ms(m_clock.now()) / 1000;
      std::string signatures = standard_webhooks_signature(*job.secret, job.delivery_id, now_s, *payload.body);
      if (previous != nullptr) {
        signatures += ' ' + standard_webhooks_signature(*previous, job.delivery_id, now_s, *payload.body);
      }
      request.headers.emplace_back("webhook-id", job.delivery_id);
      request.headers.emplace_back("webhook-timestamp", std::to_string(now_s));
      request.headers.emplace_back("webhook-signature", std::move(signatures));
    }
  }
  request.headers.emplace_back("X-Hub-Delivery-Id", job.delivery_id);
  request.headers.emplace_back("X-Hub-Delivery-Attempt", std::to_string(job.attempts));
  if (job.replay) {
    // Queued again by an operator (admin API, dashboard): the subscriber may
    // have had it before.
    request.headers.emplace_back("X-Hub-Replay", "true");
  }
  m_http.send(std::move(request), [this, job](HttpResult result) { on_response(job, std::move(result)); });
}

void Distributor::on_response(const DeliveryJob& job, HttpResult result) {
  const TimePoint now = m_clock.now();
  if (!result && result.error().kind == HttpFailure::cancelled) {
    m_loop.job_done();  // shutting down: the claim is released, delivered after restart
    return;
  }
  const bool answered = result && ((result->status >= 200 && result->status < 300) || result->status == 410);
  if (m_breaker.record(job.origin, answered, now)) {
    const TimePoint probe = m_breaker.retry_at(job.origin, now);
    spdlog::warn("event=circuit_breaker_open origin={} pause_s={}", job.origin,
                 std::chrono::duration_cast<std::chrono::seconds>(probe - now).count());
    // Its queued deliveries wait for the probe out of the claim's way.
    m_store.defer_origin(job.origin, probe, [](Status s) {
      if (!s) {
        spdlog::error("event=store_write_failed error={}", log_quoted(s.error().message));
      }
    });
    if (m_settings.metrics != nullptr) {
      m_settings.metrics->failures.record({now, "delivery", "paused", job.topic, job.origin, std::nullopt,
                                           "circuit breaker opened: most deliveries to this host fail"});
    }
  }
  if (m_settings.metrics != nullptr) {
    const std::string cls = status_class(result ? result->status : 0);
    if (result && result->status >= 200 && result->status < 300) {
      m_settings.metrics->deliveries.Add({{"outcome", "delivered"}, {"status_class", cls}}).Increment();
      m_settings.metrics->activity.add(now, HubMetrics::k_delivered);
      m_settings.metrics->publish_to_delivery.Observe(std::chrono::duration<double>(now - job.published_at).count());
    } else if (result && result->status == 410) {
      m_settings.metrics->deliveries.Add({{"outcome", "gone"}, {"status_class", cls}}).Increment();
    }
  }
  if (result && result->status >= 200 && result->status < 300) {
    settle(job, {job.id, DeliveryState::delivered, result->status, std::nullopt, now, false});
    return;
  }
  if (result && result->status == 410) {
    spdlog::info("event=subscription_gone callback={} topic={}", redact_url(job.callback), redact_url(job.topic));
    settle(job, {job.id, DeliveryState::dropped, 410, "HTTP 410: the subscriber ended the subscription", now, true});
    return;
  }
  std::optional<long> status;
  std::string error;
  Millis delay = m_backoff.delay(job.attempts + 1);
  bool final = false;
  if (result) {
    status = result->status;
    error = "HTTP " + std::to_string(result->status);
    if (result->status >= 300 && result->status < 400) {
      error += " (redirects are not followed)";
    }
    if (result->status == 429 || result->status == 503) {
      if (auto header = result->header("retry-after")) {
        if (auto wait = parse_retry_after(*header, now)) {
          delay = std::max(delay, std::min(*wait, Millis(k_max_retry_after)));
        }
      }
    }
  } else {
    const HttpError& e = result.error();
    error = describe(e);
    final = !is_retryable(e.kind);  // never hammered
  }
  TimePoint next = now + delay;
  if (m_breaker.state(job.origin, now) == CircuitBreaker::State::open) {
    next = std::max(next, m_breaker.retry_at(job.origin, now));  // not before the host's probe
  }
  const bool dead = final || job.attempts >= m_settings.max_attempts || next - job.created_at > m_settings.max_age;
  if (m_settings.metrics != nullptr) {
    const char* outcome = dead ? "dead" : next >= job.expires_at ? "dropped" : "retry";
    m_settings.metrics->deliveries.Add({{"outcome", outcome}, {"status_class", status_class(status.value_or(0))}})
        .Increment();
    m_settings.metrics->activity.add(now, HubMetrics::k_failed);
    m_settings.metrics->failures.record({now, "delivery", outcome, job.topic, job.callback, status, error});
  }
  if (dead) {
    spdlog::warn("event=delivery_dead callback={} topic={} attempts={} error={}", redact_url(job.callback),
                 redact_url(job.topic), job.attempts, log_quoted(error));
    settle(job, {job.id, DeliveryState::dead, status,
                 error + " (dead letter after " + std::to_string(job.attempts) +
                     (job.attempts == 1 ? " attempt)" : " attempts)"),
                 now, false});
    return;
  }
  if (next >= job.expires_at) {
    settle(job,
           {job.id, DeliveryState::dropped, status, error + " (the lease ends before the next attempt)", now, false});
    return;
  }
  if (spdlog::should_log(spdlog::level::debug)) {  // redact_url() is not free
    spdlog::debug("event=delivery_retry callback={} attempt={} delay_ms={} error={}", redact_url(job.callback),
                  job.attempts, delay.count(), log_quoted(error));
  }
  settle(job, {job.id, DeliveryState::pending, status, error, next, false});
}

void Distributor::settle(const DeliveryJob& job, DeliveryOutcome outcome) {
  outcome.settled_at = m_clock.now();
  std::vector<DeliveryOutcome> outcomes{outcome};
  m_store.settle_deliveries(std::move(outcomes), [this, origin = job.origin, outcome](Status s) {
    if (!s) {
      // Kept and written again with the next claim. Should the hub stop
      // first, the claim lapses and the delivery is sent again: never lost.
      spdlog::error("event=store_write_failed error={}", log_quoted(s.error().message));
      m_unsaved.keep(outcome);
    }
    {
      std::lock_guard lock(m_origins_mutex);
      if (auto it = m_claimed_per_origin.find(origin); it != m_claimed_per_origin.end() && --it->second == 0) {
        m_claimed_per_origin.erase(it);
      }
      --m_claimed;
      ++m_settled_since_claim;
    }
    m_loop.job_done();
  });
}

void Distributor::save_unsaved() {
  std::vector<DeliveryOutcome> unsaved = m_unsaved.take();
  if (unsaved.empty()) {
    return;
  }
  m_store.settle_deliveries(unsaved, [this, unsaved](Status s) {
    if (!s) {
      for (const auto& outcome : unsaved) {
        m_unsaved.keep(outcome);
      }
    } else {
      spdlog::info("event=outcomes_saved kind=delivery count={}", unsaved.size());
    }
  });
}

}  // namespace hubbub
