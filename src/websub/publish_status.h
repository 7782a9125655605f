#pragma once
// The status monitor of a publish ping: where each of its topics stands.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "websub/model.h"

namespace hubbub {

// JSON: id, created_at, monitor, and per topic: topic, state (pending,
// distributed, unchanged, no_subscribers, failed), subscribers (when
// distributed: the subscriptions active at that moment), attempts (fetches),
// last_error, and delivery counts: delivered, pending, retrying, failed.
nlohmann::json publish_status_json(const PublishStatus& status, std::string_view monitor_url);

// True while a fetch or a delivery of the ping is still owed.
bool publish_in_progress(const PublishStatus& status);

}  // namespace hubbub
