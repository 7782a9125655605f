#pragma once
// The check of the caps on subscriptions per topic and per callback host,
// the same on every engine. The tallies (migrations: topic_tallies and
// origin_tallies, kept by triggers) count a key's subscription rows, expired
// and the pair's own included, so they are never below the active count:
// while they stay below the caps the check is two key lookups; only a tally
// at its cap is confirmed by counting the active rows, at most the cap's
// number of them.

#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

#include "util/result.h"
#include "websub/store.h"

namespace hubbub {

// `tallies()` gives Result<std::pair<topic's, origin's>>;
// `count(scope, limit)` gives Result<std::int64_t>, the scope's active
// subscriptions without the pair's own, counted up to `limit`.
template <typename Tallies, typename Count>
Result<std::optional<SubscriptionCapReached>> check_subscription_caps(SubscriptionCaps caps, Tallies tallies,
                                                                      Count count) {
  using Scope = SubscriptionCapReached::Scope;
  if (caps.per_topic <= 0 && caps.per_callback_host <= 0) {
    return std::optional<SubscriptionCapReached>{};
  }
  HUBBUB_TRY_ASSIGN(tally, tallies());
  for (const auto& [scope, cap, rows] : {std::tuple{Scope::topic, caps.per_topic, tally->first},
                                         std::tuple{Scope::callback_host, caps.per_callback_host, tally->second}}) {
    if (cap <= 0 || rows < cap) {
      continue;
    }
    HUBBUB_TRY_ASSIGN(active, count(scope, cap));
    if (*active >= cap) {
      return std::optional<SubscriptionCapReached>{SubscriptionCapReached{scope, *active}};
    }
  }
  return std::optional<SubscriptionCapReached>{};
}

}  // namespace hubbub
