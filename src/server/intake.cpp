#include "server/intake.h"

#include <spdlog/spdlog.h>

#include "server/deferred_answer.h"
#include "util/log_text.h"
#include "util/random.h"
#include "util/url.h"
#include "websub/limits.h"

namespace hubbub {

using Pistache::Http::Code;

Reply too_many_requests(Millis wait, const std::string& what) {
  const auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  Reply r = text(Code::Too_Many_Requests, "too many " + what + "; try again in " + std::to_string(seconds) +
                                              (seconds == 1 ? " second" : " seconds"));
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

SubscriptionIntake::SubscriptionIntake(RequestLog& store, const Clock& clock, PendingVerifications& pending,
                                       const HubUrls& urls, OwedAnswers& owed, IntakeCaps caps,
                                       std::function<void()> request_stored)
    : m_store(store),
      m_clock(clock),
      m_pending(pending),
      m_urls(urls),
      m_owed(owed),
      m_caps(caps),
      m_request_stored(std::move(request_stored)) {}

void SubscriptionIntake::submit(NewRequest request, Filer filer, Answer answer, const AcceptedReply& accepted) {
  if (request.mode == RequestMode::subscribe && filer == Filer::client) {
    if (auto refusal = over_subscription_cap(request)) {
      // After a 503 the connection ends, as every refusal for want of room.
      if (refusal->code == Code::Service_Unavailable) {
        answer.send_and_close(std::move(*refusal));
      } else {
        answer.send(std::move(*refusal));
      }
      return;
    }
  }
  std::string origin = url_origin_key(request.callback);
  if (auto refusal = over_pending_cap(origin, filer)) {
    answer.send(std::move(*refusal));
    return;
  }

  request.id = random_token(k_request_id_bytes);
  request.created_at = m_clock.now();
  RequestRecord as_accepted;
  static_cast<NewRequest&>(as_accepted) = request;
  as_accepted.state = RequestState::pending;
  as_accepted.due_at = request.created_at;
  as_accepted.updated_at = request.created_at;
  if (spdlog::should_log(spdlog::level::debug)) {  // redact_url() is not free
    spdlog::debug("event=request_received request={} mode={} callback={}", request.id, to_string(request.mode),
                  redact_url(request.callback));
  }
  // The answer is prepared here, on the worker, and sent (by the store's
  // completion thread) only once the request is committed. The store's
  // writer does nothing but write.
  const std::string monitor = m_urls.request_monitor(as_accepted.id);
  Reply reply = accepted(as_accepted, monitor);
  reply.headers.emplace_back("Location", monitor);
  auto answered = answer_after_commit(std::move(answer), m_owed, std::move(reply), m_request_stored);
  m_store.add_request(std::move(request),
                      [this, answered = std::move(answered), origin = std::move(origin)](Status committed) mutable {
                        // A request the store refused waits for nothing.
                        m_pending.committed(origin, committed.has_value());
                        answered(std::move(committed));
                      });
}

// The caps on active subscriptions per topic and per callback host: the 429
// for a new subscription beyond them (a renewal is never counted), a 503 when
// the store cannot tell, or nullopt.
std::optional<Reply> SubscriptionIntake::over_subscription_cap(const NewRequest& request) {
  auto reached = m_store.subscription_cap_reached(
      request.topic, request.callback, m_clock.now(),
      {m_caps.max_subscriptions_per_topic, m_caps.max_subscriptions_per_callback_host});
  if (!reached) {
    return storage_unavailable(reached.error().message);
  }
  if (!*reached) {
    return std::nullopt;
  }
  const std::string over =
      ((*reached)->scope == SubscriptionCapReached::Scope::topic ? "this topic has " : "the callback's host has ") +
      std::to_string((*reached)->count) + " subscriptions, the most this hub keeps for one";
  spdlog::info("event=subscription_capped callback={} reason={}", redact_url(request.callback), log_quoted(over));
  Reply r = text(Code::Too_Many_Requests, over);
  r.headers.emplace_back("Retry-After", std::to_string(std::chrono::seconds(k_retry_after_cap).count()));
  return r;
}

// Counts the request as waiting for verification, or the 429 when its
// callback's host or the hub already has as many waiting as allowed.
std::optional<Reply> SubscriptionIntake::over_pending_cap(const std::string& origin, Filer filer) {
  const std::int64_t per_host = filer == Filer::client ? m_caps.max_pending_per_callback_host : 0;
  const std::int64_t total = filer == Filer::operator_api ? 0 : m_caps.max_pending_verifications;
  switch (m_pending.admit(origin, per_host, total)) {
    case PendingVerifications::Admission::admitted:
      return std::nullopt;
    case PendingVerifications::Admission::origin_full:
      spdlog::info("event=pending_cap_reached scope=callback_host origin={} max={}", origin, per_host);
      return too_many_requests(k_pending_cap_retry_after,
                               "subscription requests for callbacks on this host are waiting for verification (" +
                                   std::to_string(per_host) + ")");
    case PendingVerifications::Admission::hub_full:
      spdlog::warn("event=pending_cap_reached scope=hub max={}", total);
      return too_many_requests(k_pending_cap_retry_after,
                               "subscription requests are waiting for verification (" + std::to_string(total) + ")");
  }
  return std::nullopt;
}

}  // namespace hubbub
