#include "server/dashboard.h"

#include <nlohmann/json.hpp>

#include "util/json_text.h"
#include "util/media_type.h"
#include "util/time_format.h"

namespace hubbub {
namespace {

constexpr const char* k_content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

bool wants_html(const Inbound& request) {
  const auto accept = request.header("Accept");
  if (!accept) {
    return false;
  }
  // Browsers name text/html; curl's "*/*" gets the text page.
  const std::string& value = *accept;
  const double html = accept_quality(value, "text/html");
  return value.find("text/html") != std::string::npos && html > 0 && html >= accept_quality(value, "text/plain");
}

std::optional<Reply> dashboard_file(std::string_view name, const HubUrls& urls) {
  for (const auto& asset : embedded_assets()) {
    if (asset.name != name) {
      continue;
    }
    Reply r;
    r.content_type = std::string(asset.content_type);
    r.body = std::string(asset.body);
    if (name == "index.html") {
      replace_all(r.body, "{{BASE}}", html_escape(urls.base_path()));
      replace_all(r.body, "{{HUB_URL}}", html_escape(urls.public_url()));
    }
    r.headers.emplace_back("Content-Security-Policy", k_content_security_policy);
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  return std::nullopt;
}

Reply stats_reply(const HubContext& context) {
  const TimePoint now = context.clock.now();
  auto stats = context.queries.statistics(now);
  if (!stats) {
    return storage_unavailable(stats.error().message);
  }
  std::vector<MinuteSeries::Minute> window = context.metrics.activity.window(now);
  if (context.hooks.shared_activity != nullptr && !window.empty()) {
    // The other nodes' counts (each writes its own every few seconds) added
    // to this node's.
    if (auto shared = context.hooks.shared_activity->activity_since(window.front().start)) {
      for (const auto& m : *shared) {
        const auto i = std::chrono::duration_cast<std::chrono::minutes>(m.minute - window.front().start).count();
        if (i >= 0 && static_cast<std::size_t>(i) < window.size()) {
          window[static_cast<std::size_t>(i)].counts[HubMetrics::k_delivered] +=
              static_cast<std::uint64_t>(m.delivered);
          window[static_cast<std::size_t>(i)].counts[HubMetrics::k_failed] += static_cast<std::uint64_t>(m.failed);
        }
      }
    }
  }
  nlohmann::json activity = nlohmann::json::array();
  for (const auto& minute : window) {
    activity.push_back({{"minute", format_rfc3339(minute.start)},
                        {"delivered", minute.counts[HubMetrics::k_delivered]},
                        {"failed", minute.counts[HubMetrics::k_failed]}});
  }
  const nlohmann::json body = {{"version", HUBBUB_VERSION},
                               {"hub_url", context.urls.public_url()},
                               {"started_at", format_rfc3339(context.started_at)},
                               {"now", format_rfc3339(now)},
                               {"counts",
                                {{"active_subscriptions", stats->active_subscriptions},
                                 {"active_topics", stats->active_topics},
                                 {"pending_verifications", stats->pending_requests},
                                 {"pending_fetches", stats->pending_fetches},
                                 {"pending_deliveries", stats->pending_deliveries},
                                 {"dead_letters", stats->dead_letters}}},
                               {"activity", activity}};
  Reply r;
  r.content_type = k_json;
  r.body = json_text(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace hubbub
