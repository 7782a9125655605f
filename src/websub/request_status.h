#pragma once
// The status monitor of a subscription request (websub-requirements.md D1):
// what GET on the Location of a 202 answers, and what the 202 itself says.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/clock.h"
#include "websub/model.h"

namespace hubbub {

// JSON: id, state, mode, topic, callback (redacted: it is a capability URL),
// lease_seconds_requested/_granted, attempts, last_error, created_at,
// updated_at, next_attempt_at (pending), monitor. Secrets are never included.
nlohmann::json request_status_json(const RequestRecord& request, std::string_view monitor_url);

// The same as a few "key: value" lines for clients that prefer text/plain.
std::string request_status_text(const RequestRecord& request, std::string_view monitor_url);

// When a client should look again: for a pending request, the time to its
// next attempt (at least 1 s); nullopt once it is settled.
std::optional<std::chrono::seconds> request_retry_after(const RequestRecord& request, TimePoint now);

}  // namespace hubbub
