#pragma once
// Abuse limits at the hub endpoint (reliability-plan.md A1, A2, I13): token
// buckets for subscription requests per client address and per callback, and
// for publish pings per client address. Over budget: 429 with Retry-After.
// Clients in an exempt block (the operator's publishers, benchmarks) skip
// them all. The client address is the connection's peer, or, when the peer
// is a trusted proxy, the last address in X-Forwarded-For that is not one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/cidr.h"
#include "util/clock.h"
#include "util/rate_limiter.h"

namespace hubbub {

struct RateLimitSettings {
  double subscribe_per_client = 0;    // requests a second; 0: no limit
  double subscribe_per_callback = 0;  // requests a second for one callback URL; 0: no limit
  double publish_per_client = 0;      // pings a second; 0: no limit
  std::vector<Cidr> trusted_proxies;
  std::vector<Cidr> exempt;
};

class RateLimits {
 public:
  explicit RateLimits(RateLimitSettings settings);

  // The client's address for limits and logs.
  std::string client_address(const std::string& peer, std::optional<std::string_view> forwarded_for) const;
  bool exempt(const std::string& client) const;

  // nullopt: admitted; else how long the client should wait.
  std::optional<Millis> admit_subscription(const std::string& client, const std::string& callback, TimePoint now);
  std::optional<Millis> admit_publish(const std::string& client, TimePoint now);

 private:
  bool trusted_proxy(std::string_view address) const;

  RateLimitSettings m_settings;
  RateLimiter m_subscribe_by_client;
  RateLimiter m_subscribe_by_callback;
  RateLimiter m_publish_by_client;
};

}  // namespace hubbub
