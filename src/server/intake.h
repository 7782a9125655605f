#pragma once
// Subscription intake: the one way a subscription request enters the hub,
// whether a subscriber filed it at the hub URL or the operator asked for a
// re-verification (admin API). It applies the caps on active subscriptions
// and on requests waiting for verification, counts the request as waiting
// (the verifier counts it out when it settles it), hands it to the store's
// writer, and answers only once it is committed: a 202 is a promise. A
// request the store refused is counted out again and answered 503.
// Thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "server/exchange.h"
#include "server/hub_context.h"
#include "util/clock.h"
#include "websub/model.h"
#include "websub/pending_verifications.h"
#include "websub/store.h"

namespace hubbub {

// The caps (0: none).
struct IntakeCaps {
  std::int64_t max_subscriptions_per_topic = 0;
  std::int64_t max_subscriptions_per_callback_host = 0;
  std::int64_t max_pending_per_callback_host = 0;
  std::int64_t max_pending_verifications = 0;
};

// Who filed a request, which decides the caps that apply to it.
enum class Filer {
  client,         // every cap
  exempt_client,  // a client in a rate-limit-exempt block: only the cap on all requests waiting
  operator_api,   // the admin API: none
};

class SubscriptionIntake {
 public:
  // The 202 for an accepted request, given the request as it is stored and its
  // status monitor's URL (the Location header is added by the intake).
  using AcceptedReply = std::function<Reply(const RequestRecord& accepted, const std::string& monitor)>;

  SubscriptionIntake(RequestLog& store, const Clock& clock, PendingVerifications& pending, const HubUrls& urls,
                     OwedAnswers& owed, IntakeCaps caps, std::function<void()> request_stored);

  // Admits, stamps (a fresh id, created now) and submits `request`, then
  // answers: a 429 or 503 at once when it is refused, `accepted` once it is
  // committed.
  void submit(NewRequest request, Filer filer, Answer answer, const AcceptedReply& accepted);

  const IntakeCaps& caps() const { return m_caps; }

 private:
  std::optional<Reply> over_subscription_cap(const NewRequest& request);
  std::optional<Reply> over_pending_cap(const std::string& origin, Filer filer);

  RequestLog& m_store;
  const Clock& m_clock;
  PendingVerifications& m_pending;
  const HubUrls& m_urls;
  OwedAnswers& m_owed;
  const IntakeCaps m_caps;
  const std::function<void()> m_request_stored;
};

// 429 with Retry-After in whole seconds (at least 1): "too many <what>; try
// again in N seconds".
Reply too_many_requests(Millis wait, const std::string& what);

}  // namespace hubbub
