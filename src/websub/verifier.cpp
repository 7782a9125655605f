#include "websub/verifier.h"

#include <spdlog/spdlog.h>

#include "util/random.h"
#include "util/url.h"
#include "websub/verification.h"

namespace hubbub {
namespace {

constexpr auto k_idle_poll = std::chrono::milliseconds{1000};
constexpr auto k_error_pause = std::chrono::milliseconds{1000};

}  // namespace

Verifier::Verifier(Store& store, HttpClient& http, const AccessPolicy& policy, const Clock& clock,
                   VerifierSettings settings)
    : m_store(store),
      m_http(http),
      m_policy(policy),
      m_clock(clock),
      m_settings(settings),
      m_jitter_rng(std::random_device{}()) {}

Verifier::~Verifier() {
  stop(Millis{0});
  wait_idle();
}

void Verifier::start() { m_thread = std::thread([this] { run(); }); }

void Verifier::wake() {
  {
    std::lock_guard lock(m_mutex);
    m_woken = true;
  }
  m_cv.notify_all();
}

std::size_t Verifier::stop(Millis grace) {
  std::unique_lock lock(m_mutex);
  m_stopping = true;
  m_cv.notify_all();
  lock.unlock();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  lock.lock();
  m_cv.wait_for(lock, grace, [this] { return m_in_flight == 0; });
  return m_in_flight;
}

void Verifier::wait_idle() {
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [this] { return m_in_flight == 0; });
}

void Verifier::run() {
  for (;;) {
    std::size_t free = 0;
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) {
        return;
      }
      m_woken = false;
      free = m_settings.max_in_flight - std::min(m_in_flight, m_settings.max_in_flight);
    }
    std::size_t claimed = 0;
    Millis pause = k_idle_poll;
    if (free > 0) {
      auto batch = m_store.claim_due_requests(m_clock.now(), m_settings.claim, free);
      if (!batch) {
        spdlog::error("event=verifier_claim_failed error=\"{}\"", batch.error().message);
        pause = k_error_pause;
      } else {
        claimed = batch->size();
        {
          std::lock_guard lock(m_mutex);
          m_in_flight += claimed;
        }
        for (const auto& request : *batch) {
          begin(request);
        }
      }
    }
    if (claimed > 0 && claimed == free) {
      continue;  // maybe more is due
    }
    if (auto next = m_store.next_request_due(); next && *next) {
      // Rounded up: waking a fraction early would find nothing due and fall
      // back to the idle poll.
      const auto until = std::chrono::ceil<Millis>(**next - m_clock.now());
      if (until > Millis{0}) {
        pause = std::min(pause, until);
      }
    }
    spdlog::trace("event=verifier_pause ms={} claimed={} free={}", pause.count(), claimed, free);
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, pause, [this, free] {
      const bool slot_opened = free == 0 && m_in_flight < m_settings.max_in_flight;
      return m_stopping || m_woken || slot_opened;
    });
  }
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
  spdlog::debug("event=verification_sent request={} mode={} callback={} attempt={}", request.id,
                to_string(request.mode), redact_url(request.callback), request.attempts);
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
  get.oversize = OversizeBody::discard;
  spdlog::info("event=subscription_denied request={} callback={} reason=\"{}\"", request.id,
               redact_url(request.callback), reason);
  m_http.send(std::move(get), [this, request, reason](HttpResult result) {
    if (!result && result.error().kind == HttpFailure::cancelled) {
      done_one();  // shutting down: the claim lapses and the denial is sent after restart
      return;
    }
    const TimePoint now = m_clock.now();
    std::string note = "denied: " + reason;
    if (!result) {
      note += " (the denial notice could not be sent: " + result.error().message + ")";
    }
    settle({request.id, RequestState::denied, note, now, now});
  });
}

void Verifier::on_verification(const RequestRecord& request, const std::string& challenge, TimePoint sent_at,
                               HttpResult result) {
  if (!result && result.error().kind == HttpFailure::cancelled) {
    done_one();  // shutting down: the claim is released and it is verified after restart
    return;
  }
  const Verdict verdict = judge_verification(result, challenge);
  const TimePoint now = m_clock.now();
  switch (verdict.kind) {
    case VerdictKind::verified:
      spdlog::info("event=verified request={} mode={} callback={}", request.id, to_string(request.mode),
                   redact_url(request.callback));
      settle({request.id, RequestState::verified, std::nullopt, sent_at, now});
      return;
    case VerdictKind::refused:
      spdlog::info("event=verification_failed request={} callback={} reason=\"{}\"", request.id,
                   redact_url(request.callback), verdict.reason);
      settle({request.id, RequestState::failed, verdict.reason, sent_at, now});
      return;
    case VerdictKind::retry:
      if (request.attempts >= m_settings.max_attempts) {
        const std::string reason =
            verdict.reason + " (gave up after " + std::to_string(request.attempts) + " attempts)";
        spdlog::info("event=verification_failed request={} callback={} reason=\"{}\"", request.id,
                     redact_url(request.callback), reason);
        settle({request.id, RequestState::failed, reason, sent_at, now});
      } else {
        reschedule(request, verdict.reason);
      }
      return;
  }
}

void Verifier::reschedule(const RequestRecord& request, const std::string& error) {
  double unit = 0;
  {
    std::lock_guard lock(m_mutex);
    unit = std::uniform_real_distribution<double>(0.0, 1.0)(m_jitter_rng);
  }
  const Millis delay = retry_delay(m_settings.retry_base, request.attempts + 1, k_retry_jitter, unit);
  spdlog::info("event=verification_retry request={} callback={} attempt={} delay_ms={} reason=\"{}\"", request.id,
               redact_url(request.callback), request.attempts, delay.count(), error);
  m_store.retry_request(request.id, m_clock.now() + delay, error, [this, id = request.id](Status s) {
    if (!s) {
      spdlog::error("event=store_write_failed request={} error=\"{}\"", id, s.error().message);
    }
    done_one();
  });
}

void Verifier::settle(RequestCompletion completion) {
  const std::string id = completion.id;
  m_store.complete_request(std::move(completion), [this, id](Status s) {
    if (!s) {
      // The claim lapses and the request is verified again: never lost.
      spdlog::error("event=store_write_failed request={} error=\"{}\"", id, s.error().message);
    }
    done_one();
  });
}

void Verifier::done_one() {
  {
    std::lock_guard lock(m_mutex);
    --m_in_flight;
    m_woken = true;  // a settled request may unblock the next one for its pair
  }
  m_cv.notify_all();
}

}  // namespace hubbub
