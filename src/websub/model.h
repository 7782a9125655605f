#pragma once
// The hub's records: what the domain stores and reads back, independent of
// any storage engine.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "util/clock.h"

namespace hubbub {

enum class RequestMode { subscribe, unsubscribe };
enum class RequestState { pending, verified, failed, denied };

const char* to_string(RequestMode mode);
const char* to_string(RequestState state);

// A subscribe/unsubscribe request that passed validation and is to be
// recorded. `id` is the public, unguessable status-monitor id.
struct NewRequest {
  std::string id;
  RequestMode mode = RequestMode::subscribe;
  std::string topic;
  std::string callback;
  std::optional<std::string> secret;
  std::optional<std::uint64_t> lease_requested;  // as sent (subscribe only)
  std::optional<std::chrono::seconds> lease_granted;  // subscribe only
  std::optional<std::string> verify_token;
  TimePoint created_at;
};

// A recorded request and where it stands.
struct RequestRecord : NewRequest {
  RequestState state = RequestState::pending;
  std::uint32_t attempts = 0;
  std::optional<std::string> last_error;
  TimePoint due_at;  // next attempt, while pending
  TimePoint updated_at;
};

// How a claimed request ended.
struct RequestCompletion {
  std::string id;
  RequestState state = RequestState::verified;  // verified, failed or denied
  std::optional<std::string> error;
  // When the verification GET went out: a verified subscribe's lease runs from
  // here (WebSub 5.3).
  TimePoint verified_at;
  TimePoint finished_at;
};

struct Subscription {
  std::string topic;
  std::string callback;
  std::optional<std::string> secret;
  std::chrono::seconds lease{0};
  TimePoint expires_at;
  TimePoint created_at;
  TimePoint updated_at;
};

}  // namespace hubbub
