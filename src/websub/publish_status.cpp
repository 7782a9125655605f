#include "websub/publish_status.h"

#include "util/time_format.h"

namespace hubbub {

nlohmann::json publish_status_json(const PublishStatus& status, std::string_view monitor_url) {
  nlohmann::json j;
  j["id"] = status.id;
  j["created_at"] = format_rfc3339(status.created_at);
  j["monitor"] = monitor_url;
  j["topics"] = nlohmann::json::array();
  for (const auto& t : status.topics) {
    nlohmann::json topic;
    topic["topic"] = t.topic;
    // A fan-out still being written shows as "distributing", so that a
    // client waiting for the end sees the whole of it.
    topic["state"] = t.fanout_open ? "distributing" : to_string(t.state);
    topic["subscribers"] = t.subscribers ? nlohmann::json(*t.subscribers) : nlohmann::json(nullptr);
    topic["attempts"] = t.attempts;
    topic["last_error"] = t.last_error ? nlohmann::json(*t.last_error) : nlohmann::json(nullptr);
    topic["deliveries"] = {
        {"delivered", t.delivered}, {"pending", t.pending}, {"retrying", t.retrying}, {"failed", t.failed}};
    j["topics"].push_back(std::move(topic));
  }
  return j;
}

bool publish_in_progress(const PublishStatus& status) {
  for (const auto& t : status.topics) {
    if (t.state == FetchState::pending || t.fanout_open || t.pending > 0 || t.retrying > 0) {
      return true;
    }
  }
  return false;
}

}  // namespace hubbub
