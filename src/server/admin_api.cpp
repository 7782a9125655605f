#include "server/admin_api.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include <nlohmann/json.hpp>

#include "server/intake.h"
#include "server/reply.h"
#include "util/json_text.h"
#include "util/percent_encoding.h"
#include "util/time_format.h"
#include "util/url.h"
#include "websub/limits.h"

namespace hubbub {

using nlohmann::json;
using Pistache::Http::Code;
using Pistache::Http::Method;

namespace {

constexpr std::size_t k_default_page = 100;
constexpr std::size_t k_max_page = 1000;
constexpr std::size_t k_deliveries_shown = 20;

const char* to_string(DeliveryState s) {
  switch (s) {
    case DeliveryState::pending:
      return "pending";
    case DeliveryState::delivered:
      return "delivered";
    case DeliveryState::dead:
      return "dead";
    case DeliveryState::dropped:
      return "dropped";
  }
  return "unknown";
}

json subscription_json(const Subscription& s, TimePoint now) {
  return {{"id", s.id},
          {"topic", s.topic},
          {"callback", s.callback},
          {"has_secret", s.secret.has_value()},
          {"lease_seconds", s.lease.count()},
          {"expires_at", format_rfc3339(s.expires_at)},
          {"active", s.expires_at > now},
          {"created_at", format_rfc3339(s.created_at)},
          {"updated_at", format_rfc3339(s.updated_at)}};
}

json delivery_json(const DeliveryRecord& d) {
  return {{"id", d.id},
          {"subscription_id", d.subscription_id},
          {"topic", d.topic},
          {"callback", d.callback},
          {"state", to_string(d.state)},
          {"attempts", d.attempts},
          {"last_status", d.last_status ? json(*d.last_status) : json(nullptr)},
          {"last_error", d.last_error ? json(*d.last_error) : json(nullptr)},
          {"next_attempt_at", d.state == DeliveryState::pending ? json(format_rfc3339(d.due_at)) : json(nullptr)},
          {"updated_at", format_rfc3339(d.updated_at)}};
}

Reply json_reply(Code code, const json& body) {
  Reply r;
  r.code = code;
  r.content_type = k_json;
  r.body = json_text(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::optional<std::string> query_param(const Inbound& request, const std::string& name) {
  const auto raw = request.query(name);
  if (!raw) {
    return std::nullopt;
  }
  auto decoded = percent_decode(*raw, true);
  return decoded ? std::optional<std::string>(*decoded) : std::nullopt;
}

std::size_t number_param(const Inbound& request, const std::string& name, std::size_t fallback, std::size_t max) {
  const auto text = query_param(request, name);
  std::size_t value = 0;
  if (!text || std::from_chars(text->data(), text->data() + text->size(), value).ec != std::errc{}) {
    return fallback;
  }
  return std::min(value, max);
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

// The answer to an admin request, or nullopt when the request was handed on
// with `answer` and is answered later (a re-verification, once committed).
std::optional<Reply> route_request(const Inbound& request, Answer& answer, HubContext& ctx, std::string_view route) {
  const Method method = request.method();
  const TimePoint now = ctx.clock.now();
  const std::size_t limit = number_param(request, "limit", k_default_page, k_max_page);
  const std::size_t offset = number_param(request, "offset", 0, SIZE_MAX);

  if (route == "subscriptions") {
    if (method != Method::Get) {
      return method_not_allowed("GET");
    }
    auto subs = ctx.queries.list_subscriptions(query_param(request, "topic"), query_param(request, "callback_host"),
                                               limit, offset);
    if (!subs) {
      return storage_unavailable(subs.error().message);
    }
    json list = json::array();
    for (const auto& o : *subs) {
      json entry = subscription_json(o.subscription, now);
      entry["last_delivery"] = o.last_delivery ? delivery_json(*o.last_delivery) : json(nullptr);
      list.push_back(std::move(entry));
    }
    return json_reply(Code::Ok, {{"subscriptions", list}, {"limit", limit}, {"offset", offset}});
  }
  if (route == "topics") {
    if (method != Method::Get) {
      return method_not_allowed("GET");
    }
    auto topics = ctx.queries.list_topics(now, limit, offset);
    if (!topics) {
      return storage_unavailable(topics.error().message);
    }
    json list = json::array();
    for (const auto& t : *topics) {
      list.push_back(
          {{"topic", t.topic},
           {"subscribers", t.subscribers},
           {"last_fetched_at", t.last_fetched_at ? json(format_rfc3339(*t.last_fetched_at)) : json(nullptr)},
           {"last_published_at", t.last_published_at ? json(format_rfc3339(*t.last_published_at)) : json(nullptr)}});
    }
    return json_reply(Code::Ok, {{"topics", list}, {"limit", limit}, {"offset", offset}});
  }
  if (route == "failures") {
    if (method != Method::Get) {
      return method_not_allowed("GET");
    }
    json list = json::array();
    const std::size_t n = std::min(limit, k_failures_kept);
    std::vector<FailureEvent> failures = ctx.metrics.failures.recent(n);
    if (ctx.hooks.shared_activity != nullptr) {  // and the other nodes'
      auto shared = ctx.hooks.shared_activity->recent_failures(n);
      if (!shared) {
        return storage_unavailable(shared.error().message);
      }
      failures.insert(failures.end(), shared->begin(), shared->end());
      std::stable_sort(failures.begin(), failures.end(),
                       [](const FailureEvent& a, const FailureEvent& b) { return a.at > b.at; });
      failures.resize(std::min(failures.size(), n));
    }
    for (const auto& f : failures) {
      list.push_back({{"at", format_rfc3339(f.at)},
                      {"kind", f.kind},
                      {"outcome", f.outcome},
                      {"topic", f.topic},
                      {"callback", f.callback.empty() ? json(nullptr) : json(f.callback)},
                      {"status", f.status ? json(*f.status) : json(nullptr)},
                      {"reason", f.reason}});
    }
    return json_reply(Code::Ok, {{"failures", list}});
  }
  if (route == "dead-letters") {
    if (method != Method::Get) {
      return method_not_allowed("GET");
    }
    auto dead = ctx.queries.list_dead_letters(limit, offset);
    if (!dead) {
      return storage_unavailable(dead.error().message);
    }
    json list = json::array();
    for (const auto& d : *dead) {
      list.push_back(delivery_json(d));
    }
    return json_reply(Code::Ok, {{"dead_letters", list}, {"limit", limit}, {"offset", offset}});
  }
  if (route.starts_with("dead-letters/") && route.ends_with("/retry")) {
    if (method != Method::Post) {
      return method_not_allowed("POST");
    }
    const auto id = parse_id(route.substr(13, route.size() - 13 - 6));
    auto queued = id ? ctx.queries.retry_dead_letter(*id, now) : Result<bool>(false);
    if (!queued) {
      return storage_unavailable(queued.error().message);
    }
    if (!*queued) {
      return text(Code::Not_Found, "no such dead letter");
    }
    ctx.hooks.deliveries_queued();
    spdlog::info("event=admin_dead_letter_retried delivery={}", *id);
    return json_reply(Code::Accepted, {{"id", *id}, {"state", "pending"}});
  }
  if (route.starts_with("subscriptions/") && route.ends_with("/replay")) {
    if (method != Method::Post) {
      return method_not_allowed("POST");
    }
    const auto id = parse_id(route.substr(14, route.size() - 14 - 7));
    const auto since_text = query_param(request, "since");
    const auto last_text = query_param(request, "last");
    ReplaySelection which;
    if (since_text.has_value() == last_text.has_value()) {
      return text(Code::Bad_Request, "give since=<RFC 3339 time> or last=<number of notifications>");
    }
    if (since_text) {
      which.since = parse_rfc3339(*since_text);
      if (!which.since) {
        return text(Code::Bad_Request, "since must be an RFC 3339 time, such as 2026-12-01T00:00:00Z");
      }
    } else if (std::from_chars(last_text->data(), last_text->data() + last_text->size(), which.last).ec !=
                   std::errc{} ||
               which.last == 0 || which.last > k_max_replay) {
      return text(Code::Bad_Request, "last must be a number from 1 to " + std::to_string(k_max_replay));
    }
    auto queued =
        id ? ctx.queries.replay_to_subscription(*id, which, now) : Result<std::optional<std::size_t>>(std::nullopt);
    if (!queued) {
      return storage_unavailable(queued.error().message);
    }
    if (!*queued) {
      return text(Code::Not_Found, "no such active subscription");
    }
    ctx.hooks.deliveries_queued();
    spdlog::info("event=admin_replay subscription={} queued={}", *id, **queued);
    return json_reply(Code::Accepted, {{"subscription", *id}, {"queued", **queued}});
  }
  if (route.starts_with("publishes/") && route.ends_with("/replay")) {
    if (method != Method::Post) {
      return method_not_allowed("POST");
    }
    const std::string_view token = route.substr(10, route.size() - 10 - 7);
    auto queued = ctx.queries.replay_publish(token, now);
    if (!queued) {
      return storage_unavailable(queued.error().message);
    }
    if (!*queued) {
      return text(Code::Not_Found, "no such publish");
    }
    ctx.hooks.deliveries_queued();
    spdlog::info("event=admin_publish_replayed publish={} queued={}", token, **queued);
    return json_reply(Code::Accepted, {{"publish", std::string(token)}, {"queued", **queued}});
  }
  if (route.starts_with("subscriptions/")) {
    std::string_view rest = route.substr(14);
    const bool reverify = rest.ends_with("/reverify");
    if (reverify) {
      rest.remove_suffix(9);
    }
    const auto id = parse_id(rest);
    auto sub = id ? ctx.queries.find_subscription_by_id(*id) : Result<std::optional<Subscription>>(std::nullopt);
    if (!sub) {
      return storage_unavailable(sub.error().message);
    }
    if (!*sub) {
      return text(Code::Not_Found, "no such subscription");
    }
    if (reverify) {
      if (method != Method::Post) {
        return method_not_allowed("POST");
      }
      NewRequest again;
      again.mode = RequestMode::subscribe;
      again.topic = (*sub)->topic;
      again.callback = (*sub)->callback;
      again.secret = (*sub)->secret;
      again.lease_requested = static_cast<std::uint64_t>((*sub)->lease.count());
      again.lease_granted = ctx.leases.grant(again.lease_requested);
      // Like any request, answered once committed (the operator's is never capped).
      ctx.intake.submit(std::move(again), Filer::operator_api, std::move(answer),
                        [subscription = *id](const RequestRecord& accepted, const std::string& monitor) {
                          spdlog::info("event=admin_reverify subscription={} request={}", subscription, accepted.id);
                          return json_reply(Code::Accepted, {{"monitor", monitor}, {"state", "pending"}});
                        });
      return std::nullopt;
    }
    if (method == Method::Delete) {
      auto deleted = ctx.queries.delete_subscription(*id);
      if (!deleted) {
        return storage_unavailable(deleted.error().message);
      }
      spdlog::info("event=admin_subscription_deleted subscription={}", *id);
      Reply r;
      r.code = Code::No_Content;
      return r;
    }
    if (method != Method::Get) {
      return method_not_allowed("GET, DELETE");
    }
    auto deliveries = ctx.queries.subscription_deliveries(*id, k_deliveries_shown);
    if (!deliveries) {
      return storage_unavailable(deliveries.error().message);
    }
    json body = subscription_json(**sub, now);
    body["deliveries"] = json::array();
    for (const auto& d : *deliveries) {
      body["deliveries"].push_back(delivery_json(d));
    }
    return json_reply(Code::Ok, body);
  }
  return text(Code::Not_Found, "no such admin resource");
}

}  // namespace

void handle_admin(const Inbound& request, Answer& answer, HubContext& context, std::string_view route) {
  switch (context.credentials.check_admin(request.header("Authorization"))) {
    case Credentials::Check::disabled:
      answer.send(text(Code::Not_Found, "not found"));
      return;
    case Credentials::Check::missing:
    case Credentials::Check::refused: {
      Reply r = text(Code::Unauthorized, "unauthorized");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"hubbub-admin\"");
      answer.send(std::move(r));
      return;
    }
    case Credentials::Check::allowed:
      break;
  }
  if (auto reply = route_request(request, answer, context, route)) {
    answer.send(std::move(*reply));
  }
}

}  // namespace hubbub
