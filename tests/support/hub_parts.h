#pragma once
// Everything a HubContext refers to, owned in one place, for tests that drive
// the endpoints without a daemon: no rate limits, no connection cap, the
// given store, clock, caps and tokens. Build it, then use `context`.

#include <memory>
#include <string>
#include <vector>

#include "server/hub_context.h"
#include "server/intake.h"
#include "websub/pending_verifications.h"

namespace hubbub::test {

struct HubPartsSettings {
  std::string public_url = "http://127.0.0.1:8080/";
  IntakeCaps caps;
  RateLimitSettings rates;
  std::size_t max_connections = 0;
  std::string admin_token;
  std::vector<std::string> publisher_tokens;
  PublishSettings publish;
  HubHooks hooks;
};

struct HubParts {
  HubParts(Store& store, const Clock& clock, HubPartsSettings settings = {})
      : limits(settings.rates),
        connections(settings.max_connections),
        credentials(settings.admin_token, settings.publisher_tokens),
        urls(settings.public_url),
        intake(store, clock, pending, urls, owed, settings.caps, [this] { ++requests_stored; }),
        context{store,      store,  store,       clock,       urls,   LeasePolicy{}, settings.publish,
                metrics,    limits, connections, credentials, intake, owed,          std::move(settings.hooks),
                clock.now()} {}

  HubMetrics metrics;
  RateLimits limits;
  ConnectionLimit connections;
  Credentials credentials;
  PendingVerifications pending;
  HubUrls urls;
  OwedAnswers owed;
  std::atomic<int> requests_stored{0};  // times the intake woke the verifier
  SubscriptionIntake intake;
  HubContext context;
};

}  // namespace hubbub::test
