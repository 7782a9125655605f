#pragma once
// The HTTP face of the hub: one Pistache handler (no Rest::Router, whose
// method table races between workers in 0.0.5) serving, under the public
// URL's path,
//   POST /               subscribe / unsubscribe (WebSub 5.1), publish (501 for now)
//   GET  /               a short text page about the hub
//   GET  /requests/<id>  status monitor of a subscription request
// Every answer is produced here; no exception escapes to Pistache.

#include "server/pistache.h"

#include <atomic>
#include <memory>
#include <string>

#include "util/clock.h"
#include "websub/lease_policy.h"
#include "websub/store.h"
#include "websub/verifier.h"

namespace hubbub {

// State shared by the handler clones of every worker thread.
struct HubContext {
  HubContext(Store& store, Verifier& verifier, const Clock& clock, LeasePolicy leases, std::string public_url);

  Store& store;
  Verifier& verifier;
  const Clock& clock;
  const LeasePolicy leases;
  const std::string public_url;  // as configured, e.g. "https://hub.example/websub/"
  const std::string base_path;   // its path without the trailing '/': "/websub", or ""
  const std::string origin;      // "https://hub.example"

  // Set at shutdown: new hub requests get 503 while owed answers drain.
  std::atomic<bool> draining{false};
  // Answers handed to the store's writer and not yet sent.
  std::atomic<std::size_t> answers_owed{0};

  std::string monitor_url(std::string_view id) const;
};

class HubHandler final : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(HubHandler)

  explicit HubHandler(std::shared_ptr<HubContext> context) : m_context(std::move(context)) {}

  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override;

 private:
  void dispatch(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response);
  void post_hub(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response);
  void get_monitor(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response,
                   std::string_view id);

  std::shared_ptr<HubContext> m_context;
};

}  // namespace hubbub
