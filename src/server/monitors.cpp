#include "server/monitors.h"

#include "util/json_text.h"
#include "util/media_type.h"
#include "websub/publish_status.h"
#include "websub/request_status.h"

namespace hubbub {

using Pistache::Http::Code;

bool prefers_text(const Inbound& request) {
  const std::string accept = request.header("Accept").value_or("");
  return accept_quality(accept, "text/plain") > accept_quality(accept, "application/json");
}

Reply request_status_reply(Code code, const RequestRecord& record, const std::string& monitor, bool as_text,
                           TimePoint now) {
  Reply r;
  r.code = code;
  if (as_text) {
    r.body = request_status_text(record, monitor);
  } else {
    r.body = json_text(request_status_json(record, monitor));
    r.content_type = k_json;
  }
  r.headers.emplace_back("Cache-Control", "no-store");
  if (auto wait = request_retry_after(record, now)) {
    r.headers.emplace_back("Retry-After", std::to_string(wait->count()));
  }
  return r;
}

void get_request_monitor(const Inbound& request, Answer& answer, HubContext& context, std::string_view id) {
  auto record = context.requests.find_request(id);
  if (!record) {
    answer.send(storage_unavailable(record.error().message));
    return;
  }
  if (!*record) {
    answer.send(text(Code::Not_Found, "no such subscription request (ids are kept for a week)"));
    return;
  }
  answer.send(request_status_reply(Code::Ok, **record, context.urls.request_monitor(id), prefers_text(request),
                                   context.clock.now()));
}

void get_publish_monitor(const Inbound&, Answer& answer, HubContext& context, std::string_view id) {
  auto status = context.publishes.find_publish(id);
  if (!status) {
    answer.send(storage_unavailable(status.error().message));
    return;
  }
  if (!*status) {
    answer.send(text(Code::Not_Found, "no such publish (ids are kept for a week)"));
    return;
  }
  Reply r;
  r.content_type = k_json;
  r.body = json_text(publish_status_json(**status, context.urls.publish_monitor(id)));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (publish_in_progress(**status)) {
    r.headers.emplace_back("Retry-After", "1");
  }
  answer.send(std::move(r));
}

}  // namespace hubbub
