#include "websub/request_status.h"

#include "util/time_format.h"
#include "util/url.h"

namespace hubbub {

nlohmann::json request_status_json(const RequestRecord& r, std::string_view monitor_url) {
  nlohmann::json j;
  j["id"] = r.id;
  j["state"] = to_string(r.state);
  j["mode"] = to_string(r.mode);
  j["topic"] = r.topic;
  j["callback"] = redact_url(r.callback);
  j["lease_seconds_requested"] = r.lease_requested ? nlohmann::json(*r.lease_requested) : nlohmann::json(nullptr);
  j["lease_seconds_granted"] = r.lease_granted ? nlohmann::json(r.lease_granted->count()) : nlohmann::json(nullptr);
  j["attempts"] = r.attempts;
  j["last_error"] = r.last_error ? nlohmann::json(*r.last_error) : nlohmann::json(nullptr);
  j["created_at"] = format_rfc3339(r.created_at);
  j["updated_at"] = format_rfc3339(r.updated_at);
  j["next_attempt_at"] =
      r.state == RequestState::pending ? nlohmann::json(format_rfc3339(r.due_at)) : nlohmann::json(nullptr);
  j["monitor"] = monitor_url;
  return j;
}

std::string request_status_text(const RequestRecord& r, std::string_view monitor_url) {
  std::string out;
  out += "state: " + std::string(to_string(r.state)) + "\n";
  out += "mode: " + std::string(to_string(r.mode)) + "\n";
  out += "topic: " + r.topic + "\n";
  if (r.lease_granted) {
    out += "lease_seconds_granted: " + std::to_string(r.lease_granted->count()) + "\n";
  }
  out += "attempts: " + std::to_string(r.attempts) + "\n";
  if (r.last_error) {
    out += "last_error: " + *r.last_error + "\n";
  }
  out += "monitor: " + std::string(monitor_url) + "\n";
  return out;
}

std::optional<std::chrono::seconds> request_retry_after(const RequestRecord& r, TimePoint now) {
  if (r.state != RequestState::pending) {
    return std::nullopt;
  }
  const auto wait = std::chrono::ceil<std::chrono::seconds>(r.due_at - now);
  return std::max(wait, std::chrono::seconds{1});
}

}  // namespace hubbub
