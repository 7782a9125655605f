#include "server/publish_endpoint.h"

#include <spdlog/spdlog.h>

#include "server/deferred_answer.h"
#include "util/json_text.h"
#include "util/percent_encoding.h"
#include "util/random.h"
#include "util/url.h"
#include "websub/limits.h"
#include "websub/publish_status.h"

namespace hubbub {

using Pistache::Http::Code;

void submit_publish(NewPublish publish, Answer answer, HubContext& context) {
  if (context.hooks.deliveries_held_back()) {
    // Pings already accepted wait for the queue to drain; new ones are refused.
    Reply r = text(Code::Service_Unavailable, "the hub's delivery queue is full; try again later");
    r.headers.emplace_back("Retry-After", std::to_string(k_queue_full_retry_after.count()));
    answer.send_and_close(std::move(r));
    return;
  }
  publish.id = random_token(k_request_id_bytes);
  publish.created_at = context.clock.now();
  spdlog::debug("event=publish_received publish={} topics={} fat={}", publish.id, publish.topics.size(),
                publish.content.has_value());
  Reply accepted;
  if (context.publish.status == 204) {
    accepted.code = Code::No_Content;
  } else {
    PublishStatus status;
    status.id = publish.id;
    status.created_at = publish.created_at;
    for (const auto& topic : publish.topics) {
      status.topics.push_back({topic});
    }
    const std::string monitor = context.urls.publish_monitor(publish.id);
    accepted.code = Code::Accepted;
    accepted.content_type = k_json;
    accepted.body = json_text(publish_status_json(status, monitor));
    accepted.headers.emplace_back("Location", monitor);
    accepted.headers.emplace_back("Retry-After", "1");
    accepted.headers.emplace_back("Cache-Control", "no-store");
  }
  context.publishes.add_publish(
      std::move(publish),
      answer_after_commit(std::move(answer), context.owed, std::move(accepted), context.hooks.publish_stored));
}

void post_fat_ping(const Inbound& request, Answer answer, HubContext& context) {
  const auto check = context.credentials.check_publisher(request.header("Authorization"));
  if (check == Credentials::Check::disabled || check == Credentials::Check::missing) {
    Reply r = text(Code::Unauthorized, check == Credentials::Check::disabled
                                           ? "this hub does not accept content from publishers (fat pings)"
                                           : "a fat ping needs \"Authorization: Bearer <token>\"");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"hubbub\"");
    answer.send(std::move(r));
    return;
  }
  if (check == Credentials::Check::refused) {
    answer.send(text(Code::Forbidden, "this token may not publish content"));
    return;
  }
  const auto raw_topic = request.query("hub.topic");
  auto decoded = raw_topic ? percent_decode(*raw_topic, true) : Result<std::string>(fail("hub.topic is missing"));
  auto topic = decoded ? normalize_http_url(*decoded, k_max_url_bytes) : Result<std::string>(decoded);
  if (!topic) {
    answer.send(text(Code::Bad_Request, "a fat ping names its topic in the query: hub.topic " + topic.error().message));
    return;
  }
  if (request.body().size() > k_max_fat_ping_bytes) {
    answer.send_and_close(text(Code::Request_Entity_Too_Large,
                               "fat ping content is limited to " + std::to_string(k_max_fat_ping_bytes) + " bytes"));
    return;
  }
  NewPublish publish;
  publish.topics = {*topic};
  Content content;
  content.topic = *topic;
  content.content_type = request.header("Content-Type");
  content.body = request.body();
  publish.content = std::move(content);
  submit_publish(std::move(publish), std::move(answer), context);
}

}  // namespace hubbub
