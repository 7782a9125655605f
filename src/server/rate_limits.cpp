#include "server/rate_limits.h"

#include "util/text.h"
#include "websub/limits.h"

namespace hubbub {
namespace {

double burst(double rate) {
  return rate * static_cast<double>(k_rate_limit_burst.count());
}

}  // namespace

RateLimits::RateLimits(RateLimitSettings settings)
    : m_settings(std::move(settings)),
      m_subscribe_by_client(m_settings.subscribe_per_client, burst(m_settings.subscribe_per_client),
                            k_rate_limit_max_keys),
      m_subscribe_by_callback(m_settings.subscribe_per_callback, burst(m_settings.subscribe_per_callback),
                              k_rate_limit_max_keys),
      m_publish_by_client(m_settings.publish_per_client, burst(m_settings.publish_per_client), k_rate_limit_max_keys) {}

bool RateLimits::trusted_proxy(std::string_view address) const {
  for (const auto& block : m_settings.trusted_proxies) {
    if (block.contains(address)) {
      return true;
    }
  }
  return false;
}

std::string RateLimits::client_address(const std::string& peer, std::optional<std::string_view> forwarded_for) const {
  if (!forwarded_for || !trusted_proxy(peer)) {
    return peer;
  }
  // Right to left: the nearest hop not run by the operator is the client.
  std::string_view rest = *forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view hop = trim_blanks(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    if (!IpAddress::parse(hop)) {
      return peer;  // garbage in the header: judge the proxy itself
    }
    if (!trusted_proxy(hop)) {
      return std::string(hop);
    }
  }
  return peer;
}

bool RateLimits::exempt(const std::string& client) const {
  for (const auto& block : m_settings.exempt) {
    if (block.contains(client)) {
      return true;
    }
  }
  return false;
}

std::optional<Millis> RateLimits::admit_subscription(const std::string& client, const std::string& callback,
                                                     TimePoint now) {
  if (exempt(client)) {
    return std::nullopt;
  }
  if (auto wait = m_subscribe_by_client.take(client, now)) {
    return wait;
  }
  return m_subscribe_by_callback.take(callback, now);
}

std::optional<Millis> RateLimits::admit_publish(const std::string& client, TimePoint now) {
  if (exempt(client)) {
    return std::nullopt;
  }
  return m_publish_by_client.take(client, now);
}

}  // namespace hubbub
