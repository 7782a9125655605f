#include "server/hub_endpoint.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "server/intake.h"
#include "server/monitors.h"
#include "server/publish_endpoint.h"
#include "util/form.h"
#include "util/media_type.h"
#include "util/percent_encoding.h"
#include "util/url.h"
#include "websub/hub_request.h"
#include "websub/limits.h"

namespace hubbub {

using Pistache::Http::Code;

namespace {

// `answer`, counted under `mode` with the status it is sent with.
Answer counted(Answer answer, const HubContext& context, std::string mode) {
  const bool keep_alive = answer.keep_alive();
  auto inner = std::make_shared<Answer>(std::move(answer));
  return Answer(
      [inner, &context, mode = std::move(mode)](Reply reply, bool keep) {
        context.count_request(mode, static_cast<int>(reply.code));
        if (keep) {
          inner->send(std::move(reply));
        } else {
          inner->send_and_close(std::move(reply));
        }
      },
      keep_alive);
}

std::string client_of(const Inbound& request, const RateLimits& limits) {
  const auto forwarded = request.header("X-Forwarded-For");
  return limits.client_address(request.peer(), forwarded ? std::optional<std::string_view>(*forwarded) : std::nullopt);
}

}  // namespace

void post_hub(const Inbound& request, Answer answer, HubContext& context) {
  if (context.owed.draining()) {
    Reply r = text(Code::Service_Unavailable, "the hub is shutting down; try again shortly");
    r.headers.emplace_back("Retry-After", std::to_string(k_retry_after_shutdown.count()));
    counted(std::move(answer), context, "invalid").send_and_close(std::move(r));
    return;
  }
  const auto content_type = request.header("Content-Type");
  if (!content_type || media_type_essence(*content_type) != "application/x-www-form-urlencoded") {
    const auto mode = request.query("hub.mode");
    if (mode && percent_decode(*mode, true).value_or("") == "publish") {
      post_fat_ping(request, counted(std::move(answer), context, "publish"), context);
      return;
    }
    counted(std::move(answer), context, "invalid")
        .send(text(Code::Unsupported_Media_Type, "the body must be application/x-www-form-urlencoded"));
    return;
  }
  if (request.body().size() > k_max_form_body_bytes) {
    counted(std::move(answer), context, "invalid")
        .send_and_close(text(Code::Request_Entity_Too_Large,
                             "the form body is larger than " + std::to_string(k_max_form_body_bytes) + " bytes"));
    return;
  }
  auto form = Form::parse(request.body());
  if (!form) {
    counted(std::move(answer), context, "invalid").send(text(Code::Bad_Request, form.error().message));
    return;
  }
  auto parsed = parse_hub_request(*form, context.leases);
  if (!parsed) {
    // Refusals are counted under the mode asked for, when it is a known one.
    const auto asked = form->first("hub.mode").value_or("");
    const bool known = asked == "subscribe" || asked == "unsubscribe" || asked == "publish";
    counted(std::move(answer), context, known ? std::string(asked) : "invalid")
        .send(text(Code::Bad_Request, parsed.error().message));
    return;
  }
  // Rate limits; an exempt client skips them (inside RateLimits) and the
  // per-host caps (in the intake).
  const std::string client = client_of(request, context.limits);
  const TimePoint now = context.clock.now();
  if (auto* ping = std::get_if<PublishPing>(&*parsed)) {
    Answer reply = counted(std::move(answer), context, "publish");
    if (auto wait = context.limits.admit_publish(client, now)) {
      spdlog::info("event=rate_limited client={} mode=publish", client);
      reply.send(too_many_requests(*wait, "publish pings from this address"));
      return;
    }
    NewPublish publish;
    publish.topics = std::move(ping->topics);
    submit_publish(std::move(publish), std::move(reply), context);
    return;
  }
  auto& fresh = std::get<NewRequest>(*parsed);
  Answer reply = counted(std::move(answer), context, to_string(fresh.mode));
  if (auto wait = context.limits.admit_subscription(client, fresh.callback, now)) {
    spdlog::info("event=rate_limited client={} mode={} callback={}", client, to_string(fresh.mode),
                 redact_url(fresh.callback));
    reply.send(too_many_requests(*wait, "subscription requests from this address or for this callback"));
    return;
  }
  const bool as_text = prefers_text(request);
  context.intake.submit(std::move(fresh), context.limits.exempt(client) ? Filer::exempt_client : Filer::client,
                        std::move(reply), [as_text](const RequestRecord& accepted, const std::string& monitor) {
                          return request_status_reply(Code::Accepted, accepted, monitor, as_text, accepted.created_at);
                        });
}

}  // namespace hubbub
