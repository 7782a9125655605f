#include "websub/fetcher.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "util/log_text.h"
#include "util/url.h"
#include "websub/feed_diff.h"
#include "websub/signature.h"

namespace hubbub {
namespace {

// The hash that decides whether content changed: Content-Type and body.
std::string content_hash(const Content& c) {
  std::string material = c.content_type.value_or("");
  material.push_back('\0');
  material += c.body;
  return sha256_hex(material);
}

// `location` resolved against `base`, as an absolute URL.
Result<std::string> resolve(const std::string& base, std::string_view location) {
  CURLU* u = curl_url();
  std::string out;
  const std::string loc(location);
  if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_URL, loc.c_str(), 0) == CURLUE_OK) {
    char* full = nullptr;
    if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK && full != nullptr) {
      out = full;
      curl_free(full);
    }
  }
  curl_url_cleanup(u);
  if (out.empty()) {
    return hubbub::fail("redirect to an unparsable Location");
  }
  return out;
}

}  // namespace

struct Fetcher::Attempt {
  FetchJob job;
  std::string url;
  std::size_t redirects = 0;
  std::size_t subscribers = 0;
};

Fetcher::Fetcher(FetchQueue& store, HttpClient& http, const Clock& clock, FetcherSettings settings,
                 std::function<void()> distributed)
    : m_store(store),
      m_http(http),
      m_clock(clock),
      m_settings(std::move(settings)),
      m_distributed(std::move(distributed)),
      m_backoff(m_settings.retry_base),
      m_loop(
          "fetcher", clock, m_settings.max_in_flight, [this](std::size_t free) { return claim(free); },
          [this]() -> Result<std::optional<TimePoint>> {
            if (hold_back()) {  // look at the queue again in a second (counted, and logged when it changes)
              return std::optional<TimePoint>(m_clock.now() + std::chrono::seconds{1});
            }
            if (m_fanout_wanted.load() && !m_fanout_running.load()) {
              return std::optional<TimePoint>(m_clock.now());  // the rest of a fan-out, at once
            }
            HUBBUB_TRY_ASSIGN(due, m_store.next_fetch_due());
            if (!*due || *due > m_next_fanout_check) {
              return std::optional<TimePoint>(m_next_fanout_check);  // fan-outs left unfinished
            }
            return *due;
          }) {}

Fetcher::~Fetcher() {
  m_loop.stop(Millis{0});
  m_loop.wait_idle();
}

bool Fetcher::held_back() const {
  return m_settings.max_queued_deliveries > 0 && m_queued.load() >= m_settings.max_queued_deliveries;
}

bool Fetcher::hold_back() {
  if (m_settings.max_queued_deliveries <= 0) {
    return false;
  }
  const TimePoint now = m_clock.now();
  if (now >= m_next_count) {
    if (auto n = m_store.count_queued_deliveries(m_settings.max_queued_deliveries)) {
      m_queued.store(*n);
    } else {
      spdlog::error("event=queue_count_failed error={}", log_quoted(n.error().message));
    }
    m_next_count = now + (held_back() ? std::chrono::seconds{1} : k_queue_count_interval);
  }
  const bool hold = held_back();
  if (hold != m_was_held_back) {
    if (hold) {
      spdlog::warn("event=fetches_held_back reason=\"the delivery queue is full\" max_queued_deliveries={}",
                   m_settings.max_queued_deliveries);
    } else {
      spdlog::info("event=fetches_resumed queued_deliveries={}", m_queued.load());
    }
    m_was_held_back = hold;
  }
  return hold;
}

Result<std::size_t> Fetcher::claim(std::size_t free) {
  if (hold_back()) {
    return 0;
  }
  std::size_t started = 0;
  if (free > 0 && fanout_step_due()) {
    extend_fanouts();
    ++started;
    --free;
  }
  OriginShare share;
  share.per_origin = m_settings.max_per_origin;
  {
    std::lock_guard lock(m_origins_mutex);
    share.in_flight = m_running_per_origin;
  }
  // An origin running more than half its share is claimed again once half
  // is free: claims come in batches.
  for (auto& [origin, running] : share.in_flight) {
    if (running * 2 > share.per_origin) {
      running = std::max(running, share.per_origin);
    }
  }
  HUBBUB_TRY_ASSIGN(jobs, m_store.claim_due_fetches(m_clock.now(), m_settings.claim, free, share));
  {
    std::lock_guard lock(m_origins_mutex);
    for (const auto& job : *jobs) {
      ++m_running_per_origin[url_origin_key(job.topic)];
    }
  }
  for (auto& job : *jobs) {
    begin(std::move(job));
  }
  return started + jobs->size();
}

bool Fetcher::fanout_step_due() {
  if (m_fanout_running.load()) {
    return false;
  }
  const TimePoint now = m_clock.now();
  if (!m_fanout_wanted.exchange(false) && now < m_next_fanout_check) {
    return false;
  }
  m_next_fanout_check = now + k_fanout_recheck;
  return true;
}

void Fetcher::extend_fanouts() {
  m_fanout_running.store(true);
  m_store.extend_fanouts(m_clock.now(), m_settings.fanout_chunk, [this](Result<FanoutStep> step) {
    if (!step) {
      spdlog::error("event=store_write_failed what=fanout error={}", log_quoted(step.error().message));
    } else {
      if (step->queued > 0) {
        m_queued.fetch_add(static_cast<std::int64_t>(step->queued));
        m_distributed();
      }
      // More written by this step: the next at once. Nothing written (another
      // node holds the rest): the periodic look.
      if (step->more && step->queued > 0) {
        m_fanout_wanted.store(true);
      }
    }
    m_fanout_running.store(false);
    m_loop.job_done();
  });
}

void Fetcher::begin(FetchJob job) {
  auto attempt = std::make_shared<Attempt>();
  attempt->job = std::move(job);
  attempt->url = attempt->job.topic;
  auto subscribers = m_store.count_active_subscriptions(attempt->job.topic, m_clock.now());
  if (!subscribers) {
    fail(attempt, "cannot count subscribers: " + subscribers.error().message, true);
    return;
  }
  attempt->subscribers = *subscribers;
  if (*subscribers == 0) {
    finish(attempt, {attempt->job.id, FetchState::no_subscribers, std::nullopt, std::nullopt, std::nullopt,
                     std::nullopt, std::nullopt, m_clock.now()});
    return;
  }
  if (attempt->job.content_id) {  // a fat ping: the publisher gave the content
    auto content = m_store.find_content(*attempt->job.content_id);
    if (!content || !*content) {
      fail(attempt, "the content of this fat ping is missing", !content);
      return;
    }
    accept_content(attempt, std::move(**content), std::nullopt, std::nullopt);
    return;
  }
  get(attempt);
}

void Fetcher::get(std::shared_ptr<Attempt> attempt) {
  HttpRequest request;
  request.method = HttpMethod::get;
  request.url = attempt->url;
  request.timeout = m_settings.timeout;
  request.connect_timeout = std::min(m_settings.timeout, k_outbound_connect_timeout);
  request.max_response_bytes = m_settings.max_content_bytes;
  request.oversize = OversizeBody::fail;
  request.decode_content = true;
  const std::size_t n = attempt->subscribers;
  request.headers.emplace_back(
      "User-Agent", m_settings.user_agent + "; " + std::to_string(n) + (n == 1 ? " subscriber)" : " subscribers)"));
  request.headers.emplace_back("Accept", "*/*");
  request.headers.emplace_back("Cache-Control", "no-cache");
  if (attempt->redirects == 0) {
    if (attempt->job.etag) {
      request.headers.emplace_back("If-None-Match", *attempt->job.etag);
    }
    if (attempt->job.last_modified) {
      request.headers.emplace_back("If-Modified-Since", *attempt->job.last_modified);
    }
  }
  if (spdlog::should_log(spdlog::level::debug)) {  // redact_url() is not free
    spdlog::debug("event=fetch_sent topic={} hop={} attempt={}", redact_url(attempt->url), attempt->redirects,
                  attempt->job.attempts);
  }
  m_http.send(std::move(request), [this, attempt](HttpResult result) { on_response(attempt, std::move(result)); });
}

void Fetcher::on_response(std::shared_ptr<Attempt> attempt, HttpResult result) {
  if (!result) {
    const HttpError& e = result.error();
    if (e.kind == HttpFailure::cancelled) {
      job_done(attempt->job.topic);  // shutting down: the claim is released, fetched after restart
      return;
    }
    fail(attempt, describe(e), is_retryable(e.kind));
    return;
  }
  const long status = result->status;
  if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
    const auto location = result->header("location");
    if (!location) {
      fail(attempt, "HTTP " + std::to_string(status) + " without a Location", false);
      return;
    }
    if (attempt->redirects >= k_max_fetch_redirects) {
      fail(attempt, "more than " + std::to_string(k_max_fetch_redirects) + " redirects", false);
      return;
    }
    auto next = resolve(attempt->url, *location);
    if (next) {
      next = normalize_http_url(*next, k_max_url_bytes);
    }
    if (!next) {
      fail(attempt, "redirect to a URL that is not acceptable: " + next.error().message, false);
      return;
    }
    ++attempt->redirects;
    attempt->url = std::move(*next);
    get(attempt);
    return;
  }
  if (status == 304 && attempt->redirects == 0 && (attempt->job.etag || attempt->job.last_modified)) {
    finish(attempt, {attempt->job.id, FetchState::unchanged, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                     std::nullopt, m_clock.now()});
    return;
  }
  if (status >= 200 && status < 300) {
    Content content;
    content.topic = attempt->job.topic;
    if (auto type = result->header("content-type")) {
      content.content_type = std::string(*type);
    }
    content.body = std::move(result->body);
    std::optional<std::string> etag;
    std::optional<std::string> last_modified;
    if (attempt->redirects == 0) {  // validators belong to the topic URL itself
      if (auto v = result->header("etag")) {
        etag = std::string(*v);
      }
      if (auto v = result->header("last-modified")) {
        last_modified = std::string(*v);
      }
    }
    accept_content(attempt, std::move(content), std::move(etag), std::move(last_modified));
    return;
  }
  fail(attempt, "HTTP " + std::to_string(status), status == 429 || status >= 500);
}

void Fetcher::accept_content(const std::shared_ptr<Attempt>& attempt, Content content, std::optional<std::string> etag,
                             std::optional<std::string> last_modified) {
  std::string hash = content_hash(content);
  FetchOutcome outcome{attempt->job.id, FetchState::distributed,  std::nullopt, std::nullopt, hash,
                       std::move(etag), std::move(last_modified), m_clock.now()};
  if (attempt->job.content_hash && *attempt->job.content_hash == hash) {
    outcome.state = FetchState::unchanged;
  } else {
    outcome.feed = diff_if_wanted(attempt->job.topic, content);
    outcome.content = std::move(content);
  }
  finish(attempt, std::move(outcome));
}

std::optional<FetchOutcome::FeedDiff> Fetcher::diff_if_wanted(const std::string& topic, const Content& content) {
  if (!is_xml_media_type(content.content_type)) {
    return std::nullopt;
  }
  auto wanted = m_store.feed_diff_wanted(topic, m_clock.now(), m_settings.feed_diff);
  if (!wanted || !*wanted) {
    return std::nullopt;
  }
  auto known = m_store.feed_entries(topic);
  if (!known) {
    spdlog::warn("event=feed_not_diffed topic={} error={}", redact_url(topic), log_quoted(known.error().message));
    return std::nullopt;
  }
  auto diff = diff_feed(content.body, *known, m_settings.feed_diff_new_only);
  if (!diff) {
    spdlog::info("event=feed_not_diffed topic={} reason={}", redact_url(topic), log_quoted(diff.error().message));
    return std::nullopt;
  }
  spdlog::debug("event=feed_diffed topic={} entries={} new={} updated={}", redact_url(topic), diff->entries.size(),
                diff->new_entries, diff->updated_entries);
  FetchOutcome::FeedDiff out;
  out.body = std::move(diff->body);
  out.by_default = m_settings.feed_diff;
  out.entries = std::move(diff->entries);
  return out;
}

void Fetcher::finish(const std::shared_ptr<Attempt>& attempt, FetchOutcome outcome) {
  outcome.covers_up_to = attempt->job.covers_up_to;
  outcome.fanout_chunk = m_settings.fanout_chunk;
  const FetchState state = outcome.state;
  const bool diffed = outcome.feed.has_value();
  const std::string topic = attempt->job.topic;
  if (m_settings.metrics != nullptr) {
    m_settings.metrics->fetches.Add({{"outcome", to_string(state)}}).Increment();
  }
  DeliveryStarter* starter = state == FetchState::distributed ? m_settings.deliveries : nullptr;
  if (starter != nullptr) {
    outcome.hand_off = starter->reserve(m_settings.fanout_chunk);
  }
  const std::size_t reserved = outcome.hand_off.max;
  // The content, for the deliveries handed over: they are sent without
  // reading it back. Without a diff every delivery carries this content.
  std::optional<std::string> content_type;
  std::shared_ptr<const std::string> body;
  if (reserved > 0 && !diffed && outcome.content) {
    content_type = outcome.content->content_type;
    body = std::make_shared<const std::string>(outcome.content->body);
  }
  m_store.finish_fetch(std::move(outcome),
                       [this, state, diffed, topic, starter, reserved, content_type = std::move(content_type),
                        body = std::move(body)](Result<FetchFinished> finished) {
                         if (!finished) {
                           spdlog::error("event=store_write_failed topic={} error={}", redact_url(topic),
                                         log_quoted(finished.error().message));
                           if (starter != nullptr) {
                             starter->take(reserved, {});
                           }
                         } else {
                           const std::size_t queued = finished->queued;
                           const std::size_t handed = finished->handed_off.size();
                           if (starter != nullptr) {
                             if (body && !finished->handed_off.empty()) {
                               starter->remember(finished->handed_off.front().content_id, content_type, body);
                             }
                             starter->take(reserved, std::move(finished->handed_off));
                           }
                           // A diffed feed with nothing new for anyone is settled as unchanged.
                           const FetchState settled = diffed && queued == 0 ? FetchState::unchanged : state;
                           spdlog::info("event=fetched topic={} outcome={} deliveries={} handed_off={}",
                                        redact_url(topic), to_string(settled), queued, handed);
                           if (queued > 0) {
                             m_queued.fetch_add(static_cast<std::int64_t>(queued));
                           }
                           if (queued > handed) {
                             m_distributed();  // the rest are claimed as usual
                           }
                           if (queued == m_settings.fanout_chunk && queued > 0) {
                             m_fanout_wanted.store(true);  // the rest of the fan-out, written once this job is done
                           }
                         }
                         job_done(topic);
                       });
}

void Fetcher::job_done(const std::string& topic) {
  {
    const std::string origin = url_origin_key(topic);
    std::lock_guard lock(m_origins_mutex);
    if (auto it = m_running_per_origin.find(origin); it != m_running_per_origin.end() && --it->second == 0) {
      m_running_per_origin.erase(it);
    }
  }
  m_loop.job_done();
}

void Fetcher::record_failure(const std::string& topic, const char* outcome, const std::string& reason) {
  if (m_settings.metrics != nullptr) {
    m_settings.metrics->failures.record({m_clock.now(), "fetch", outcome, topic, "", std::nullopt, reason});
  }
}

void Fetcher::fail(const std::shared_ptr<Attempt>& attempt, std::string error, bool transient) {
  if (!transient || attempt->job.attempts >= m_settings.max_attempts) {
    if (transient) {
      error += " (gave up after " + std::to_string(attempt->job.attempts) + " attempts)";
    }
    spdlog::info("event=fetch_failed topic={} error={}", redact_url(attempt->job.topic), log_quoted(error));
    record_failure(attempt->job.topic, "failed", error);
    finish(attempt, {attempt->job.id, FetchState::failed, std::move(error), std::nullopt, std::nullopt, std::nullopt,
                     std::nullopt, m_clock.now()});
    return;
  }
  const Millis delay = m_backoff.delay(attempt->job.attempts + 1);
  if (m_settings.metrics != nullptr) {
    m_settings.metrics->fetches.Add({{"outcome", "retry"}}).Increment();
  }
  record_failure(attempt->job.topic, "retry", error);
  spdlog::info("event=fetch_retry topic={} attempt={} delay_ms={} error={}", redact_url(attempt->job.topic),
               attempt->job.attempts, delay.count(), log_quoted(error));
  m_store.retry_fetch(attempt->job.id, m_clock.now() + delay, std::move(error), m_clock.now(),
                      [this, attempt](Status s) {
                        if (!s) {
                          spdlog::error("event=store_write_failed error={}", log_quoted(s.error().message));
                        }
                        job_done(attempt->job.topic);
                      });
}

}  // namespace hubbub
