#include "server/router.h"

#include <string_view>

#include "server/admin_api.h"
#include "server/dashboard.h"
#include "server/hub_endpoint.h"
#include "server/monitors.h"
#include "server/ops_endpoints.h"

namespace hubbub {
namespace {

using Pistache::Http::Method;

enum class Match { exact, prefix };

// `rest` is what follows the route's path (a monitor's id, an admin route).
using Endpoint = void (*)(const Inbound& request, Answer& answer, HubContext& context, std::string_view rest);

struct Route {
  std::string_view path;  // under the base path
  Match match;
  std::string_view allow;  // the methods accepted, as the Allow header lists them; empty: the endpoint decides
  Endpoint endpoint;
};

void hub_url(const Inbound& request, Answer& answer, HubContext& context, std::string_view) {
  if (request.method() == Method::Post) {
    post_hub(request, std::move(answer), context);
  } else {
    get_front_page(request, answer, context);
  }
}

void dashboard_asset(const Inbound& request, Answer& answer, HubContext& context, std::string_view) {
  answer.send(
      *dashboard_file(std::string_view(request.path()).substr(context.urls.base_path().size() + 1), context.urls));
}

// clang-format off
constexpr Route k_routes[] = {
    {"",               Match::exact,  "GET, HEAD, POST", hub_url},
    {"/",              Match::exact,  "GET, HEAD, POST", hub_url},
    {"/dashboard.js",  Match::exact,  "GET, HEAD", dashboard_asset},
    {"/dashboard.css", Match::exact,  "GET, HEAD", dashboard_asset},
    {"/stats",         Match::exact,  "GET, HEAD", [](const Inbound&, Answer& a, HubContext& c, std::string_view) { a.send(stats_reply(c)); }},
    {"/metrics",       Match::exact,  "GET, HEAD", [](const Inbound& r, Answer& a, HubContext& c, std::string_view) { get_metrics(r, a, c); }},
    {"/healthz",       Match::exact,  "GET, HEAD", [](const Inbound& r, Answer& a, HubContext& c, std::string_view) { get_healthz(r, a, c); }},
    {"/readyz",        Match::exact,  "GET, HEAD", [](const Inbound& r, Answer& a, HubContext& c, std::string_view) { get_readyz(r, a, c); }},
    {"/requests/",     Match::prefix, "GET, HEAD", get_request_monitor},
    {"/publishes/",    Match::prefix, "GET, HEAD", get_publish_monitor},
    {"/admin/",        Match::prefix, "",          handle_admin},
};
// clang-format on

bool accepts(std::string_view allow, Method method) {
  if (allow.empty()) {
    return true;
  }
  const std::string_view name = Pistache::Http::methodString(method);
  for (std::size_t start = 0; start < allow.size();) {
    std::size_t end = allow.find(',', start);
    if (end == std::string_view::npos) {
      end = allow.size();
    }
    std::string_view item = allow.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    if (item == name) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

}  // namespace

void route(const Inbound& request, Answer& answer, HubContext& context) {
  std::string_view path = request.path();
  const std::string& base = context.urls.base_path();
  if (!path.starts_with(base)) {
    answer.send(text(Pistache::Http::Code::Not_Found, "not found"));
    return;
  }
  path.remove_prefix(base.size());
  for (const Route& r : k_routes) {
    const bool hit = r.match == Match::exact ? path == r.path : path.starts_with(r.path);
    if (!hit) {
      continue;
    }
    if (!accepts(r.allow, request.method())) {
      answer.send(method_not_allowed(r.allow));
      return;
    }
    r.endpoint(request, answer, context, path.substr(r.path.size()));
    return;
  }
  answer.send(text(Pistache::Http::Code::Not_Found, "not found"));
}

}  // namespace hubbub
