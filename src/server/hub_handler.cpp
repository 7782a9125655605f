#include "server/hub_handler.h"

#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include "server/admin_api.h"
#include "server/dashboard.h"
#include "server/reply.h"
#include "server/request_guard.h"
#include "util/bearer.h"
#include "util/form.h"
#include "util/json_text.h"
#include "util/log_text.h"
#include "util/media_type.h"
#include "util/percent_encoding.h"
#include "util/random.h"
#include "util/url.h"
#include "websub/hub_request.h"
#include "websub/limits.h"
#include "websub/publish_status.h"
#include "websub/request_status.h"

namespace hubbub {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::Request;
using Pistache::Http::ResponseWriter;
namespace Header = Pistache::Http::Header;
namespace Mime = Pistache::Http::Mime;

namespace {

constexpr std::size_t k_request_id_bytes = 24;  // 32 characters, 192 bits
constexpr auto k_retry_after_shutdown = std::chrono::seconds{5};
constexpr const char* k_connection_slot = "hubbub.connection_slot";
constexpr std::uint64_t k_log_refused_every = 1000;

// Answers a connection past the cap and closes it, before anything is read
// from it. The bytes fit any fresh socket's send buffer; shutting it for
// reading too makes Pistache see the end of the connection and release it.
void refuse_connection(int fd) {
  Reply r = text(Code::Service_Unavailable, "too many open connections; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(k_connections_refused_retry_after.count()));
  write_and_close(fd, r, true);
}
bool prefers_text(const Request& request) {
  const auto accept = request.headers().tryGetRaw("Accept");
  const std::string value = accept ? accept->value() : "";
  return accept_quality(value, "text/plain") > accept_quality(value, "application/json");
}

// The status of a request, as JSON or text as the client prefers.
Reply status_reply(Code code, const RequestRecord& record, const std::string& monitor, bool as_text, TimePoint now) {
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

// The store's `done` for a request or ping whose answer is prepared: once it
// is committed, send the answer and run `stored`; if it could not be
// committed, answer 503. The answer is counted as owed until it is sent.
Store::Done answer_after_commit(ResponseWriter response, std::shared_ptr<HubContext> context, bool keep_alive,
                                Reply accepted, const std::function<void()> HubContext::*stored, std::string mode) {
  auto writer = std::make_shared<ResponseWriter>(std::move(response));
  context->answers_owed.fetch_add(1);
  return [writer, context, keep_alive, accepted = std::move(accepted), stored, mode](Status committed) mutable {
    try {
      context->count_request(mode, committed ? static_cast<int>(accepted.code) : 503);
      if (committed) {
        send(*writer, keep_alive, std::move(accepted));
        ((*context).*stored)();
      } else {
        send(*writer, keep_alive, storage_unavailable(committed.error().message));
      }
    } catch (const std::exception& e) {
      spdlog::error("event=answer_failed error={}", log_quoted(e.what()));
    }
    context->answers_owed.fetch_sub(1);
  };
}

// 429 with Retry-After in whole seconds (at least 1).
Reply too_many_requests(Millis wait, const std::string& what) {
  const auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  Reply r = text(Code::Too_Many_Requests, "too many " + what + "; try again in " + std::to_string(seconds) +
                                              (seconds == 1 ? " second" : " seconds"));
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

std::string client_of(const Request& request, const RateLimits& limits) {
  const auto forwarded = request.headers().tryGetRaw("X-Forwarded-For");
  return limits.client_address(request.address().host(),
                               forwarded ? std::optional<std::string_view>(forwarded->value()) : std::nullopt);
}

std::string path_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) {
    return "";
  }
  std::string path = url.substr(path_start);
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

std::string origin_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end + 3);
  return url.substr(0, path_start);
}

}  // namespace

HubContext::HubContext(Store& store_, const Clock& clock_, LeasePolicy leases_, PublishSettings publish_,
                       std::string public_url_, std::function<void()> request_stored_,
                       std::function<void()> publish_stored_)
    : store(store_),
      clock(clock_),
      leases(leases_),
      publish(std::move(publish_)),
      public_url(std::move(public_url_)),
      base_path(path_of(public_url)),
      origin(origin_of(public_url)),
      started_at(clock_.now()),
      request_stored(std::move(request_stored_)),
      publish_stored(std::move(publish_stored_)) {}

std::string HubContext::monitor_url(std::string_view id) const {
  return origin + base_path + "/requests/" + std::string(id);
}

void HubContext::count_request(std::string_view mode, int status) const {
  if (metrics != nullptr) {
    metrics->requests.add({{"mode", std::string(mode)}, {"status", std::to_string(status)}});
  }
}

std::string HubContext::publish_monitor_url(std::string_view id) const {
  return origin + base_path + "/publishes/" + std::string(id);
}

void HubHandler::onRequest(const Request& request, ResponseWriter response) {
  try {
    const auto peer = response.peer();
    const AnsweringScope answering(peer ? peer->fd() : -1, request.method() == Method::Head);
    dispatch(request, response);
  } catch (const std::exception& e) {
    spdlog::error("event=handler_exception error={}", log_quoted(e.what()));
    send(response, false, text(Code::Internal_Server_Error, "internal error"));
  } catch (...) {
    spdlog::error("event=handler_exception error=unknown");
    send(response, false, text(Code::Internal_Server_Error, "internal error"));
  }
}

void HubHandler::onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  try {
    // What Http::Handler::onConnection (private in 0.0.5) does: give the
    // connection its request parser.
    // (Ours checks what Pistache's does not: server/request_guard.h.)
    peer->putData(ParserData,
                  std::make_shared<GuardedRequestParser>(getMaxRequestSize(), peer->fd(), m_context->credentials));
    ConnectionLimit* limit = m_context->connections;
    if (limit == nullptr) {
      return;
    }
    std::uint64_t refused = 0;
    if (auto slot = limit->admit(&refused)) {
      peer->putData(k_connection_slot, std::move(slot));
      return;
    }
    refuse_connection(peer->fd());
    // Which refusal this is comes from the count itself: two workers refusing
    // at once each see their own number, so the first is always logged.
    if (refused % k_log_refused_every == 1) {
      spdlog::warn("event=connections_refused reason=\"the cap on open connections is reached\" max={} refused={}",
                   limit->max(), refused);
    }
  } catch (const std::exception& e) {
    spdlog::error("event=connection_exception error={}", log_quoted(e.what()));
  }
}

void HubHandler::dispatch(const Request& request, ResponseWriter& response) {
  const std::string& path = request.resource();
  const std::string& base = m_context->base_path;
  const bool keep_alive = wants_keep_alive(request);

  if (path == base || path == base + "/") {
    if (request.method() == Method::Post) {
      post_hub(request, response);
      return;
    }
    if (request.method() == Method::Get || request.method() == Method::Head) {
      if (wants_html(request)) {
        send(response, keep_alive, *dashboard_file("index.html", *m_context));
        return;
      }
      send(response, keep_alive,
           text(Code::Ok, "Hubbub " HUBBUB_VERSION " - a WebSub hub.\n\nSubscribers and publishers POST "
                          "application/x-www-form-urlencoded requests (hub.mode, hub.topic, hub.callback, ...) to " +
                              m_context->public_url + "\nSee https://www.w3.org/TR/websub/"));
      return;
    }
    Reply r = text(Code::Method_Not_Allowed, "the hub URL accepts POST (and GET for this page)");
    r.headers.emplace_back("Allow", "GET, HEAD, POST");
    send(response, keep_alive, std::move(r));
    return;
  }

  const bool is_get = request.method() == Method::Get || request.method() == Method::Head;
  if (is_get && (path == base + "/dashboard.js" || path == base + "/dashboard.css")) {
    send(response, keep_alive, *dashboard_file(std::string_view(path).substr(base.size() + 1), *m_context));
    return;
  }
  if (is_get && path == base + "/stats") {
    send(response, keep_alive, stats_reply(*m_context));
    return;
  }
  if (path.starts_with(base + "/admin/")) {
    handle_admin(request, response, *m_context, std::string_view(path).substr(base.size() + 7));
    return;
  }
  if (path == base + "/metrics" && m_context->metrics != nullptr &&
      (request.method() == Method::Get || request.method() == Method::Head)) {
    Reply r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = m_context->metrics->render(m_context->store, m_context->clock.now());
    if (const ConnectionLimit* limit = m_context->connections) {
      render_gauge(r.body, "hubbub_connections_open", "Connections the HTTP server holds open.",
                   {{{}, static_cast<double>(limit->open())}});
      render_gauge(r.body, "hubbub_connections_max", "The cap on open connections.",
                   {{{}, static_cast<double>(limit->max())}});
      render_counter(r.body, "hubbub_connections_refused_total",
                     "Connections answered 503 and closed because the cap was reached.",
                     static_cast<double>(limit->refused()));
    }
    r.headers.emplace_back("Cache-Control", "no-store");
    send(response, keep_alive, std::move(r));
    return;
  }
  if (path == base + "/healthz" || path == base + "/readyz") {
    if (request.method() != Method::Get && request.method() != Method::Head) {
      Reply r = text(Code::Method_Not_Allowed, "health checks accept GET");
      r.headers.emplace_back("Allow", "GET, HEAD");
      send(response, keep_alive, std::move(r));
      return;
    }
    if (path.ends_with("/healthz")) {
      send(response, keep_alive, text(Code::Ok, "ok"));
      return;
    }
    std::optional<std::string> problem;
    if (m_context->draining.load()) {
      problem = "shutting down";
    } else if (m_context->readiness_problem) {
      problem = m_context->readiness_problem();
    }
    Reply r = problem ? text(Code::Service_Unavailable, "not ready: " + *problem) : text(Code::Ok, "ready");
    r.headers.emplace_back("Cache-Control", "no-store");
    if (problem) {
      r.headers.emplace_back("Retry-After", std::to_string(k_retry_after_shutdown.count()));
    }
    send(response, keep_alive, std::move(r));
    return;
  }

  const std::string monitors = base + "/requests/";
  const std::string publish_monitors = base + "/publishes/";
  const bool is_request = path.starts_with(monitors);
  if (is_request || path.starts_with(publish_monitors)) {
    if (request.method() != Method::Get && request.method() != Method::Head) {
      Reply r = text(Code::Method_Not_Allowed, "status monitors accept GET");
      r.headers.emplace_back("Allow", "GET, HEAD");
      send(response, keep_alive, std::move(r));
      return;
    }
    if (is_request) {
      get_monitor(request, response, std::string_view(path).substr(monitors.size()));
    } else {
      get_publish_monitor(request, response, std::string_view(path).substr(publish_monitors.size()));
    }
    return;
  }
  send(response, keep_alive, text(Code::Not_Found, "not found"));
}

void HubHandler::post_hub(const Request& request, ResponseWriter& response) {
  const bool keep_alive = wants_keep_alive(request);
  HubContext& ctx = *m_context;
  // Refusals are counted under the mode asked for, when it is a known one.
  auto refuse = [&](Reply r, std::string_view mode = "invalid") {
    ctx.count_request(mode, static_cast<int>(r.code));
    // After a 503 or a 413 the connection ends (engineering notes, bug 2).
    const bool ends = r.code == Code::Service_Unavailable || r.code == Code::Request_Entity_Too_Large;
    send(response, ends ? false : keep_alive, std::move(r));
  };
  if (ctx.draining.load()) {
    Reply r = text(Code::Service_Unavailable, "the hub is shutting down; try again shortly");
    r.headers.emplace_back("Retry-After", std::to_string(k_retry_after_shutdown.count()));
    refuse(std::move(r));
    return;
  }
  const auto content_type = request.headers().tryGetRaw("Content-Type");
  if (!content_type || media_type_essence(content_type->value()) != "application/x-www-form-urlencoded") {
    const auto mode = request.query().get("hub.mode");
    if (mode && percent_decode(*mode, true).value_or("") == "publish") {
      post_fat_ping(request, response);
      return;
    }
    refuse(text(Code::Unsupported_Media_Type, "the body must be application/x-www-form-urlencoded"));
    return;
  }
  if (request.body().size() > k_max_form_body_bytes) {
    refuse(text(Code::Request_Entity_Too_Large,
                "the form body is larger than " + std::to_string(k_max_form_body_bytes) + " bytes"));
    return;
  }
  auto form = Form::parse(request.body());
  if (!form) {
    refuse(text(Code::Bad_Request, form.error().message));
    return;
  }
  auto parsed = parse_hub_request(*form, ctx.leases);
  if (!parsed) {
    const auto asked = form->first("hub.mode").value_or("");
    const bool known = asked == "subscribe" || asked == "unsubscribe" || asked == "publish";
    refuse(text(Code::Bad_Request, parsed.error().message), known ? asked : "invalid");
    return;
  }
  // Abuse limits: rate limits, then caps on subscriptions. Exempt clients
  // skip the caps here and the rate limits inside RateLimits.
  const std::optional<std::string> client =
      ctx.limits != nullptr ? std::optional<std::string>(client_of(request, *ctx.limits)) : std::nullopt;
  if (client) {
    const TimePoint now = ctx.clock.now();
    if (std::holds_alternative<PublishPing>(*parsed)) {
      if (auto wait = ctx.limits->admit_publish(*client, now)) {
        spdlog::info("event=rate_limited client={} mode=publish", *client);
        refuse(too_many_requests(*wait, "publish pings from this address"), "publish");
        return;
      }
    } else {
      const auto& fresh = std::get<NewRequest>(*parsed);
      if (auto wait = ctx.limits->admit_subscription(*client, fresh.callback, now)) {
        spdlog::info("event=rate_limited client={} mode={} callback={}", *client, to_string(fresh.mode),
                     redact_url(fresh.callback));
        refuse(too_many_requests(*wait, "subscription requests from this address or for this callback"),
               to_string(fresh.mode));
        return;
      }
    }
  }
  if (const auto* fresh = std::get_if<NewRequest>(&*parsed);
      fresh != nullptr && fresh->mode == RequestMode::subscribe && (!client || !ctx.limits->exempt(*client))) {
    if (auto refusal = over_cap(*fresh)) {
      refuse(std::move(*refusal), "subscribe");
      return;
    }
  }
  std::string pending_origin;
  if (const auto* fresh = std::get_if<NewRequest>(&*parsed); fresh != nullptr && ctx.pending != nullptr) {
    pending_origin = url_origin_key(fresh->callback);
    if (auto refusal = count_pending(pending_origin, client && ctx.limits->exempt(*client))) {
      refuse(std::move(*refusal), to_string(fresh->mode));
      return;
    }
  }
  if (auto* ping = std::get_if<PublishPing>(&*parsed)) {
    NewPublish publish;
    publish.topics = std::move(ping->topics);
    post_publish(request, response, std::move(publish));
    return;
  }

  NewRequest fresh = std::get<NewRequest>(std::move(*parsed));
  fresh.id = random_token(k_request_id_bytes);
  fresh.created_at = ctx.clock.now();
  RequestRecord as_accepted;
  static_cast<NewRequest&>(as_accepted) = fresh;
  as_accepted.state = RequestState::pending;
  as_accepted.due_at = fresh.created_at;
  as_accepted.updated_at = fresh.created_at;
  const bool as_text = prefers_text(request);
  if (spdlog::should_log(spdlog::level::debug)) {  // redact_url() is not free
    spdlog::debug("event=request_received request={} mode={} callback={}", fresh.id, to_string(fresh.mode),
                  redact_url(fresh.callback));
  }

  // The answer is prepared here, on the worker, and sent (by the store's
  // completion thread) only once the request is committed: a 202 is a
  // promise. The store's writer does nothing but write.
  const std::string monitor = ctx.monitor_url(as_accepted.id);
  Reply accepted = status_reply(Code::Accepted, as_accepted, monitor, as_text, as_accepted.created_at);
  accepted.headers.emplace_back("Location", monitor);
  auto answer = answer_after_commit(std::move(response), m_context, keep_alive, std::move(accepted),
                                    &HubContext::request_stored, to_string(as_accepted.mode));
  if (ctx.pending == nullptr) {
    ctx.store.add_request(std::move(fresh), std::move(answer));
    return;
  }
  // A request the store refused is not waiting for anything.
  ctx.store.add_request(std::move(fresh), [answer = std::move(answer), context = m_context,
                                           origin = std::move(pending_origin)](Status committed) mutable {
    if (!committed) {
      context->pending->remove(origin);
    }
    answer(std::move(committed));
  });
}

// Counts a new subscription request as waiting for verification, or the 429
// when its callback's host (unless the client is exempt) or the hub already
// has as many waiting as allowed.
std::optional<Reply> HubHandler::count_pending(const std::string& origin, bool exempt) {
  const HubContext& ctx = *m_context;
  switch (ctx.pending->admit(origin, exempt ? 0 : ctx.max_pending_per_callback_host, ctx.max_pending_verifications)) {
    case PendingVerifications::Admission::admitted:
      return std::nullopt;
    case PendingVerifications::Admission::origin_full:
      spdlog::info("event=pending_cap_reached scope=callback_host origin={} max={}", origin,
                   ctx.max_pending_per_callback_host);
      return too_many_requests(k_pending_cap_retry_after,
                               "subscription requests for callbacks on this host are waiting for verification (" +
                                   std::to_string(ctx.max_pending_per_callback_host) + ")");
    case PendingVerifications::Admission::hub_full:
      spdlog::warn("event=pending_cap_reached scope=hub max={}", ctx.max_pending_verifications);
      return too_many_requests(k_pending_cap_retry_after, "subscription requests are waiting for verification (" +
                                                              std::to_string(ctx.max_pending_verifications) + ")");
  }
  return std::nullopt;
}

// The caps on active subscriptions per topic and per callback host: the
// 429 for a new subscription beyond them (a renewal is never counted), a 503
// when the store cannot tell, or nullopt.
std::optional<Reply> HubHandler::over_cap(const NewRequest& fresh) {
  const HubContext& ctx = *m_context;
  if (ctx.max_subscriptions_per_topic <= 0 && ctx.max_subscriptions_per_callback_host <= 0) {
    return std::nullopt;
  }
  auto counts = ctx.store.subscription_counts(fresh.topic, fresh.callback, ctx.clock.now());
  if (!counts) {
    return storage_unavailable(counts.error().message);
  }
  std::string over;
  if (ctx.max_subscriptions_per_topic > 0 && counts->topic >= ctx.max_subscriptions_per_topic) {
    over = "this topic has " + std::to_string(counts->topic) + " subscriptions, the most this hub keeps for one";
  } else if (ctx.max_subscriptions_per_callback_host > 0 &&
             counts->callback_origin >= ctx.max_subscriptions_per_callback_host) {
    over = "the callback's host has " + std::to_string(counts->callback_origin) +
           " subscriptions, the most this hub keeps for one";
  } else {
    return std::nullopt;
  }
  spdlog::info("event=subscription_capped callback={} reason={}", redact_url(fresh.callback), log_quoted(over));
  Reply r = text(Code::Too_Many_Requests, over);
  r.headers.emplace_back("Retry-After", std::to_string(std::chrono::seconds(k_retry_after_cap).count()));
  return r;
}

void HubHandler::post_publish(const Request& request, ResponseWriter& response, NewPublish publish) {
  const bool keep_alive = wants_keep_alive(request);
  HubContext& ctx = *m_context;
  if (ctx.deliveries_held_back && ctx.deliveries_held_back()) {
    // Pings already accepted wait for the queue to drain; new ones are refused.
    Reply r = text(Code::Service_Unavailable, "the hub's delivery queue is full; try again later");
    r.headers.emplace_back("Retry-After", std::to_string(k_queue_full_retry_after.count()));
    ctx.count_request("publish", 503);
    send(response, false, std::move(r));
    return;
  }
  publish.id = random_token(k_request_id_bytes);
  publish.created_at = ctx.clock.now();
  PublishStatus status;
  status.id = publish.id;
  status.created_at = publish.created_at;
  for (const auto& topic : publish.topics) {
    status.topics.push_back({topic});
  }
  spdlog::debug("event=publish_received publish={} topics={} fat={}", publish.id, publish.topics.size(),
                publish.content.has_value());
  Reply accepted;
  if (ctx.publish.status == 204) {
    accepted.code = Code::No_Content;
  } else {
    const std::string monitor = ctx.publish_monitor_url(publish.id);
    accepted.code = Code::Accepted;
    accepted.content_type = k_json;
    accepted.body = json_text(publish_status_json(status, monitor));
    accepted.headers.emplace_back("Location", monitor);
    accepted.headers.emplace_back("Retry-After", "1");
    accepted.headers.emplace_back("Cache-Control", "no-store");
  }
  ctx.store.add_publish(std::move(publish),
                        answer_after_commit(std::move(response), m_context, keep_alive, std::move(accepted),
                                            &HubContext::publish_stored, "publish"));
}

// A fat ping: POST <hub>?hub.mode=publish&hub.topic=<topic> with the content
// itself as the body (its own Content-Type) and "Authorization: Bearer <token>".
void HubHandler::post_fat_ping(const Request& request, ResponseWriter& response) {
  const bool keep_alive = wants_keep_alive(request);
  const Credentials& credentials = m_context->credentials;
  const auto header = request.headers().tryGetRaw("Authorization");
  const std::string authorization = header ? header->value() : "";
  const auto presented = bearer_token(authorization);
  if (!presented || !credentials.publishing_enabled()) {
    Reply r = text(Code::Unauthorized, !credentials.publishing_enabled()
                                           ? "this hub does not accept content from publishers (fat pings)"
                                           : "a fat ping needs \"Authorization: Bearer <token>\"");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"hubbub\"");
    m_context->count_request("publish", 401);
    send(response, keep_alive, std::move(r));
    return;
  }
  if (!credentials.is_publisher(*presented)) {
    m_context->count_request("publish", 403);
    send(response, keep_alive, text(Code::Forbidden, "this token may not publish content"));
    return;
  }
  const auto raw_topic = request.query().get("hub.topic");
  auto decoded = raw_topic ? percent_decode(*raw_topic, true) : Result<std::string>(fail("hub.topic is missing"));
  auto topic = decoded ? normalize_http_url(*decoded, k_max_url_bytes) : Result<std::string>(decoded);
  if (!topic) {
    m_context->count_request("publish", 400);
    send(response, keep_alive,
         text(Code::Bad_Request, "a fat ping names its topic in the query: hub.topic " + topic.error().message));
    return;
  }
  if (request.body().size() > k_max_fat_ping_bytes) {
    m_context->count_request("publish", 413);
    send(response, false,
         text(Code::Request_Entity_Too_Large,
              "fat ping content is limited to " + std::to_string(k_max_fat_ping_bytes) + " bytes"));
    return;
  }
  NewPublish publish;
  publish.topics = {*topic};
  Content content;
  content.topic = *topic;
  if (const auto type = request.headers().tryGetRaw("Content-Type")) {
    content.content_type = type->value();
  }
  content.body = request.body();
  publish.content = std::move(content);
  post_publish(request, response, std::move(publish));
}

void HubHandler::get_publish_monitor(const Request& request, ResponseWriter& response, std::string_view id) {
  const bool keep_alive = wants_keep_alive(request);
  auto status = m_context->store.find_publish(id);
  if (!status) {
    send(response, keep_alive, storage_unavailable(status.error().message));
    return;
  }
  if (!*status) {
    send(response, keep_alive, text(Code::Not_Found, "no such publish (ids are kept for a week)"));
    return;
  }
  Reply r;
  r.content_type = k_json;
  r.body = json_text(publish_status_json(**status, m_context->publish_monitor_url(id)));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (publish_in_progress(**status)) {
    r.headers.emplace_back("Retry-After", "1");
  }
  send(response, keep_alive, std::move(r));
}

void HubHandler::get_monitor(const Request& request, ResponseWriter& response, std::string_view id) {
  const bool keep_alive = wants_keep_alive(request);
  auto record = m_context->store.find_request(id);
  if (!record) {
    send(response, keep_alive, storage_unavailable(record.error().message));
    return;
  }
  if (!*record) {
    send(response, keep_alive, text(Code::Not_Found, "no such subscription request (ids are kept for a week)"));
    return;
  }
  send(response, keep_alive,
       status_reply(Code::Ok, **record, m_context->monitor_url(id), prefers_text(request), m_context->clock.now()));
}

}  // namespace hubbub
