#pragma once
// The operator's validation policy (WebSub 5.2): allow and deny patterns for
// topics and for callback hosts. Unsubscriptions are never validated.

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubbub {

// Patterns use '*' and '?' (util/glob.h). Topic patterns match the whole topic
// URL, case-sensitively; host patterns match the callback's host name or IP,
// case-insensitively ("*.example.com").
struct AccessRules {
  std::vector<std::string> topic_allow;
  std::vector<std::string> topic_deny;
  std::vector<std::string> callback_host_allow;
  std::vector<std::string> callback_host_deny;
};

class AccessPolicy {
 public:
  AccessPolicy() = default;
  explicit AccessPolicy(AccessRules rules) : m_rules(std::move(rules)) {}

  // Why a subscription of `callback` to `topic` is refused, or nullopt. A deny
  // match refuses; a non-empty allow list refuses whatever it does not match.
  std::optional<std::string> denial_reason(std::string_view topic, std::string_view callback) const;
  // New rules for the requests validated from now on (SIGHUP). Thread-safe.
  void replace(AccessRules rules);

 private:
  mutable std::mutex m_mutex;
  AccessRules m_rules;  // guarded by m_mutex
};

}  // namespace hubbub
