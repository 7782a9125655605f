#include "websub/verifier.h"

#include <spdlog/spdlog.h>

#include "util/log_text.h"
#include "util/random.h"
#include "util/url.h"
#include "websub/verification.h"

namespace hubbub {
namespace {

constexpr auto k_full_claim_interval = std::chrono::seconds{1};

std::optional<long> status_of(const HttpResult& result) {
  return result ? std::optional<long>(result->status) : std::nullopt;
}

// The reason as the operator sees it: with what the callback answered.
std::string for_operator(const Verdict& verdict) {
  if (verdict.answer_excerpt.empty()) {
    return verdict.reason;
  }
  return verdict.reason + "; the answer began: " + verdict.answer_excerpt;
}

}  // namespace

Verifier::Verifier(VerificationQueue& store, HttpClient& http, const AccessPolicy& policy, const Clock& clock,
                   VerifierSettings settings)
    : m_store(store),
      m_http(http),
      m_policy(policy),
      m_clock(clock),
      m_settings(settings),
      m_backoff(settings.retry_base),
      m_loop(
          "verifier", clock, settings.max_in_flight, [this](std::size_t free) { return claim(free); },
          [this] { return m_store.next_request_due(); }) {}

Verifier::~Verifier() {
  m_loop.stop(Millis{0});
  m_loop.wait_idle();
}

Result<std::size_t> Verifier::claim(std::size_t free) {
  save_unsaved();
  OriginShare share;
  share.per_origin = m_settings.max_per_origin;
  {
    std::lock_guard lock(m_origins_mutex);
    share.in_flight = m_running_per_origin;
  }
  std::size_t want = free;
  const auto steady_now = std::chrono::steady_clock::now();
  if (share.per_origin > 0 && m_settings.pending != nullptr && steady_now < m_next_full_claim) {
    // The requests waiting per origin tell which origins have room and
    // something to claim: none, and the store is not asked at all (a host
    // at its share with thousands waiting costs no claim per settlement).
    std::size_t room = 0;
    for (const auto& [origin, waiting] : m_settings.pending->per_origin()) {
      const auto it = share.in_flight.find(origin);
      const std::size_t running = it == share.in_flight.end() ? 0 : it->second;
      const auto unclaimed =
          static_cast<std::size_t>(std::max<std::int64_t>(0, waiting)) -
          std::min<std::size_t>(running, static_cast<std::size_t>(std::max<std::int64_t>(0, waiting)));
      if (running * 2 <= share.per_origin && unclaimed > 0) {
        room += std::min(share.per_origin - running, unclaimed);
      }
    }
    if (room == 0) {
      return 0;
    }
    want = std::min(free, room);
  } else {
    // Now and then a claim of everything due, whatever the counts say.
    m_next_full_claim = steady_now + k_full_claim_interval;
  }
  // An origin running more than half its share is claimed again once half
  // is free: claims come in batches.
  for (auto& [origin, running] : share.in_flight) {
    if (running * 2 > share.per_origin) {
      running = std::max(running, share.per_origin);
    }
  }
  HUBBUB_TRY_ASSIGN(batch, m_store.claim_due_requests(m_clock.now(), m_settings.claim, want, share));
  {
    std::lock_guard lock(m_origins_mutex);
    for (const auto& request : *batch) {
      ++m_running_per_origin[url_origin_key(request.callback)];
    }
  }
  for (const auto& request : *batch) {
    begin(request);
  }
  return batch->size();
}

void Verifier::begin(const RequestRecord& request) {
  if (request.mode == RequestMode::subscribe) {
    if (auto reason = m_policy.denial_reason(request.topic, request.callback)) {
      deny(request, *reason);
      return;
    }
  }
  std::string challenge = random_token(k_challenge_random_bytes);
  HttpRequest get;
  get.method = HttpMethod::get;
  get.url = verification_url(request, challenge);
  get.timeout = m_settings.timeout;
  get.connect_timeout = std::min(m_settings.timeout, k_outbound_connect_timeout);
  get.max_response_bytes = k_verification_body_cap;
  get.oversize = OversizeBody::fail;
  const TimePoint sent_at = m_clock.now();
  if (spdlog::should_log(spdlog::level::debug)) {  // redact_url() is not free
    spdlog::debug("event=verification_sent request={} mode={} callback={} attempt={}", request.id,
                  to_string(request.mode), redact_url(request.callback), request.attempts);
  }
  m_http.send(std::move(get), [this, request, challenge = std::move(challenge), sent_at](HttpResult result) {
    on_verification(request, challenge, sent_at, std::move(result));
  });
}

void Verifier::deny(const RequestRecord& request, const std::string& reason) {
  HttpRequest get;
  get.method = HttpMethod::get;
  get.url = denial_url(request, reason);
  get.timeout = m_settings.timeout;
  get.connect_timeout = std::min(m_settings.timeout, k_outbound_connect_timeout);
  get.max_response_bytes = k_verification_body_cap;
  get.oversize = OversizeBody::truncate;
  spdlog::info("event=subscription_denied request={} callback={} reason={}", request.id, redact_url(request.callback),
               log_quoted(reason));
  m_http.send(std::move(get), [this, request, reason](HttpResult result) {
    if (!result && result.error().kind == HttpFailure::cancelled) {
      job_done(request);  // shutting down: the claim lapses and the denial is sent after restart
      return;
    }
    const TimePoint now = m_clock.now();
    if (m_settings.metrics != nullptr) {
      m_settings.metrics->verifications.Add({{"mode", "subscribe"}, {"outcome", "denied"}}).Increment();
    }
    std::string note = "denied: " + reason;
    if (!result) {
      note += " (the denial notice could not be sent: " + result.error().message + ")";
    }
    record_failure(request, "denied", result ? std::optional<long>(result->status) : std::nullopt, note, now);
    settle(request, {request.id, RequestState::denied, note, now, now});
  });
}

void Verifier::on_verification(const RequestRecord& request, const std::string& challenge, TimePoint sent_at,
                               HttpResult result) {
  if (!result && result.error().kind == HttpFailure::cancelled) {
    job_done(request);  // shutting down: the claim is released and it is verified after restart
    return;
  }
  const Verdict verdict = judge_verification(result, challenge);
  const TimePoint now = m_clock.now();
  switch (verdict.kind) {
    case VerdictKind::verified:
      count(request, "verified", sent_at, now);
      spdlog::info("event=verified request={} mode={} callback={}", request.id, to_string(request.mode),
                   redact_url(request.callback));
      settle(request, {request.id, RequestState::verified, std::nullopt, sent_at, now});
      return;
    case VerdictKind::refused:
      count(request, "failed", sent_at, now);
      record_failure(request, "failed", status_of(result), for_operator(verdict), now);
      spdlog::info("event=verification_failed request={} callback={} reason={}", request.id,
                   redact_url(request.callback), log_quoted(verdict.reason));
      settle(request, {request.id, RequestState::failed, verdict.reason, sent_at, now});
      return;
    case VerdictKind::retry:
      count(request, request.attempts >= m_settings.max_attempts ? "failed" : "retry", sent_at, now);
      if (request.attempts >= m_settings.max_attempts) {
        const std::string reason =
            verdict.reason + " (gave up after " + std::to_string(request.attempts) + " attempts)";
        record_failure(request, "failed", status_of(result), reason, now);
        spdlog::info("event=verification_failed request={} callback={} reason={}", request.id,
                     redact_url(request.callback), log_quoted(reason));
        settle(request, {request.id, RequestState::failed, reason, sent_at, now});
      } else {
        record_failure(request, "retry", status_of(result), verdict.reason, now);
        reschedule(request, verdict.reason);
      }
      return;
  }
}

void Verifier::record_failure(const RequestRecord& request, const char* outcome, std::optional<long> status,
                              const std::string& reason, TimePoint now) {
  if (m_settings.metrics != nullptr) {
    m_settings.metrics->failures.record(
        {now, "verification", outcome, request.topic, request.callback, status, reason});
  }
}

void Verifier::count(const RequestRecord& request, const char* outcome, TimePoint sent_at, TimePoint now) {
  if (m_settings.metrics == nullptr) {
    return;
  }
  m_settings.metrics->verifications.Add({{"mode", to_string(request.mode)}, {"outcome", outcome}}).Increment();
  m_settings.metrics->verification.Observe(std::chrono::duration<double>(now - sent_at).count());
}

void Verifier::reschedule(const RequestRecord& request, const std::string& error) {
  const Millis delay = m_backoff.delay(request.attempts + 1);
  spdlog::info("event=verification_retry request={} callback={} attempt={} delay_ms={} reason={}", request.id,
               redact_url(request.callback), request.attempts, delay.count(), log_quoted(error));
  m_store.retry_request(request.id, m_clock.now() + delay, error, m_clock.now(), [this, request](Status s) {
    if (!s) {
      spdlog::error("event=store_write_failed request={} error={}", request.id, log_quoted(s.error().message));
    }
    job_done(request);
  });
}

void Verifier::settle(const RequestRecord& request, RequestCompletion completion) {
  completion.callback_origin = url_origin_key(request.callback);
  completion.secret_grace = m_settings.secret_grace;
  if (m_settings.pending != nullptr) {
    m_settings.pending->remove(completion.callback_origin);
  }
  m_store.complete_request(completion, [this, request, completion](Status s) {
    if (!s) {
      // Kept and written again with the next claim. Should the hub stop
      // first, the claim lapses and the request is verified again: never lost.
      spdlog::error("event=store_write_failed request={} error={}", completion.id, log_quoted(s.error().message));
      m_unsaved.keep(completion);
    }
    job_done(request);
  });
}

void Verifier::job_done(const RequestRecord& request) {
  {
    const std::string origin = url_origin_key(request.callback);
    std::lock_guard lock(m_origins_mutex);
    if (auto it = m_running_per_origin.find(origin); it != m_running_per_origin.end() && --it->second == 0) {
      m_running_per_origin.erase(it);
    }
  }
  m_loop.job_done();
}

void Verifier::save_unsaved() {
  for (auto& completion : m_unsaved.take()) {
    m_store.complete_request(completion, [this, completion](Status s) {
      if (!s) {
        m_unsaved.keep(completion);
      }
    });
  }
}

}  // namespace hubbub
