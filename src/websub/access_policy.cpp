#include "websub/access_policy.h"

#include "util/glob.h"
#include "util/url.h"

namespace hubbub {
namespace {

bool any_match(const std::vector<std::string>& patterns, std::string_view text, bool ignore_case) {
  for (const auto& p : patterns) {
    if (glob_match(p, text, ignore_case)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void AccessPolicy::replace(AccessRules rules) {
  std::lock_guard lock(m_mutex);
  m_rules = std::move(rules);
}

std::optional<std::string> AccessPolicy::denial_reason(std::string_view topic, std::string_view callback) const {
  std::lock_guard lock(m_mutex);
  if (any_match(m_rules.topic_deny, topic, false)) {
    return "this hub does not accept subscriptions to this topic";
  }
  if (!m_rules.topic_allow.empty() && !any_match(m_rules.topic_allow, topic, false)) {
    return "this hub only accepts subscriptions to the topics it serves";
  }
  const auto origin = url_origin(callback);
  const std::string host = origin ? origin->host : std::string();
  if (any_match(m_rules.callback_host_deny, host, true)) {
    return "this hub does not deliver to this callback host";
  }
  if (!m_rules.callback_host_allow.empty() && !any_match(m_rules.callback_host_allow, host, true)) {
    return "this hub only delivers to approved callback hosts";
  }
  return std::nullopt;
}

}  // namespace hubbub
