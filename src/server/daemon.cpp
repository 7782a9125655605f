#include "server/daemon.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include "server/pistache.h"

#include <cerrno>
#include <cstring>
#include <thread>

#include "net/egress_policy.h"
#include "net/http_client_pool.h"
#include "server/hub_context.h"
#include "server/hub_handler.h"
#include "server/intake.h"
#include "store/open_store.h"
#include "store/pg_connection.h"
#include "util/log_text.h"
#include "util/metrics.h"
#include "util/url.h"
#include "websub/distributor.h"
#include "websub/fetcher.h"
#include "websub/housekeeper.h"
#include "websub/verifier.h"

namespace hubbub {
namespace {

constexpr auto k_drain_deadline = std::chrono::seconds{5};
constexpr auto k_work_grace = std::chrono::seconds{5};

// Pistache 0.0.5 spins on EMFILE (engineering notes, bug 6): give it room.
// Returns the descriptor limit now in force.
rlim_t raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return 1024;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      return raised.rlim_cur;
    }
  }
  return limit.rlim_cur;
}

// A free TCP port on `host`, for --listen HOST:0 (Pistache 0.0.5 cannot report
// the port before serving).
Result<std::uint16_t> pick_free_port(const std::string& host) {
  const auto ip = IpAddress::parse(host);
  const bool v6 = ip && !ip->is_v4();
  const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    std::memcpy(&a->sin6_addr, ip->bytes(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ip) {
      std::memcpy(&a->sin_addr, ip->bytes(), 4);
    }
    len = sizeof(sockaddr_in);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    return fail("cannot bind " + host + ": " + why);
  }
  close(fd);
  return ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                  : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

// The hub's own endpoints, refused as outbound targets (with every address
// that reaches them: egress_policy.h).
void add_own_endpoints(EgressPolicy& policy, const ListenAddress& listen) {
  if (const auto ip = IpAddress::parse(listen.host)) {
    policy.add_own_endpoint(*ip, listen.port);
  } else {
    // A host name: whatever it resolves to is this machine; judge it as a
    // wildcard listener.
    policy.add_own_endpoint(IpAddress::v4(0, 0, 0, 0), listen.port);
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
      if (auto a = i->ifa_addr != nullptr ? IpAddress::from_sockaddr(i->ifa_addr) : std::nullopt) {
        policy.add_local_address(*a);
      }
    }
    freeifaddrs(list);
  }
}

std::string derived_public_url(const ListenAddress& listen) {
  std::string host = listen.host;
  if (host == "0.0.0.0") {
    host = "127.0.0.1";
  } else if (host == "::") {
    host = "::1";
  }
  return "http://" + ListenAddress{host, listen.port}.to_string() + "/";
}

}  // namespace

namespace {

void apply_size_limit(Store& store, std::uint64_t mb) {
  if (auto s = store.set_size_limit(mb * 1024 * 1024); !s) {
    spdlog::error("event=size_limit_failed error={}", log_quoted(s.error().message));
  }
}

// What a reload changes in the running hub.
struct Reloadable {
  Store& store;
  Credentials& credentials;
  AccessPolicy& access;
  std::function<void(Millis)> set_retry_base;
};

// The settings that only a restart changes, each with how to tell whether a
// new configuration changes it.
struct RestartSetting {
  const char* name;
  std::function<bool(const Options&, const Options&)> same;
};

template <class Field>
RestartSetting setting(const char* name, Field Options::*field) {
  return {name, [field](const Options& a, const Options& b) { return a.*field == b.*field; }};
}

const std::vector<RestartSetting>& restart_settings() {
  static const std::vector<RestartSetting> settings = {
      {"listen", [](const Options& a, const Options& b) { return a.listen.to_string() == b.listen.to_string(); }},
      setting("database", &Options::database),
      setting("node_id", &Options::node_id),
      setting("pg_notify", &Options::pg_notify),
      setting("pg_readers", &Options::pg_readers),
      setting("public_url", &Options::public_url),
      setting("allow_private_networks", &Options::allow_private_networks),
      {"lease_min", [](const Options& a, const Options& b) { return a.leases.min == b.leases.min; }},
      {"lease_default", [](const Options& a, const Options& b) { return a.leases.fallback == b.leases.fallback; }},
      {"lease_max", [](const Options& a, const Options& b) { return a.leases.max == b.leases.max; }},
      setting("verification_attempts", &Options::verification_attempts),
      setting("outbound_timeout", &Options::outbound_timeout),
      setting("threads", &Options::threads),
      setting("http_client_threads", &Options::http_client_threads),
      setting("publish_status", &Options::publish_status),
      setting("signature_algorithm", &Options::signature_algorithm),
      setting("standard_webhooks", &Options::standard_webhooks),
      setting("secret_grace", &Options::secret_grace),
      setting("reconfirm_before", &Options::reconfirm_before),
      setting("content_retention", &Options::content_retention),
      setting("feed_diff", &Options::feed_diff),
      setting("feed_diff_new_only", &Options::feed_diff_new_only),
      setting("delivery_attempts", &Options::delivery_attempts),
      setting("max_content_bytes", &Options::max_content_bytes),
      setting("max_connections", &Options::max_connections),
      setting("subscribe_rate_per_client", &Options::subscribe_rate_per_client),
      setting("subscribe_rate_per_callback", &Options::subscribe_rate_per_callback),
      setting("publish_rate_per_client", &Options::publish_rate_per_client),
      setting("trusted_proxies", &Options::trusted_proxies),
      setting("rate_limit_exempt", &Options::rate_limit_exempt),
      setting("max_subscriptions_per_topic", &Options::max_subscriptions_per_topic),
      setting("max_subscriptions_per_callback_host", &Options::max_subscriptions_per_callback_host),
      setting("max_pending_verifications_per_callback_host", &Options::max_pending_verifications_per_callback_host),
      setting("max_pending_verifications", &Options::max_pending_verifications),
      setting("max_queued_deliveries", &Options::max_queued_deliveries),
      setting("fanout_chunk", &Options::fanout_chunk),
  };
  return settings;
}

bool same_rules(const AccessRules& a, const AccessRules& b) {
  return a.topic_allow == b.topic_allow && a.topic_deny == b.topic_deny &&
         a.callback_host_allow == b.callback_host_allow && a.callback_host_deny == b.callback_host_deny;
}

// Applies what changes without a restart: the log level, the database cap,
// the admin and publisher tokens (a removed token stops working at once),
// the allow and deny lists, and the retry base. Logs each setting it
// changed, and by name each changed setting that needs a restart (kept as
// it was). Never touches the running hub when the new options do not parse.
// `running` becomes what is now in force.
void reload_options(Options& running, const ReloadOptions& reload, Reloadable& hub) {
  auto fresh = reload();
  if (!fresh) {
    std::string why = fresh.error().message;
    while (!why.empty() && why.back() == '\n') {
      why.pop_back();
    }
    spdlog::error("event=reload_refused error={} (the running configuration is kept)", log_quoted(why));
    return;
  }
  std::vector<std::string> applied;
  if (fresh->log_level != running.log_level) {
    spdlog::set_level(spdlog::level::from_str(fresh->log_level));
    applied.emplace_back("log_level");
  }
  if (fresh->max_database_mb != running.max_database_mb) {
    apply_size_limit(hub.store, fresh->max_database_mb);
    applied.emplace_back("max_database_mb");
  }
  // Secrets: replaced and named, never shown.
  if (fresh->admin_token != running.admin_token || fresh->publisher_tokens != running.publisher_tokens) {
    hub.credentials.replace(fresh->admin_token, fresh->publisher_tokens);
    if (fresh->admin_token != running.admin_token) {
      applied.emplace_back("admin_token");
    }
    if (fresh->publisher_tokens != running.publisher_tokens) {
      applied.emplace_back("publisher_tokens");
    }
  }
  if (!same_rules(fresh->access, running.access)) {
    hub.access.replace(fresh->access);
    applied.emplace_back("access_rules");
  }
  if (fresh->retry_base != running.retry_base) {
    hub.set_retry_base(fresh->retry_base);
    applied.emplace_back("retry_base");
  }
  std::string needs_restart;
  for (const auto& s : restart_settings()) {
    if (!s.same(*fresh, running)) {
      needs_restart += (needs_restart.empty() ? "" : ",") + std::string(s.name);
    }
  }
  std::string changed;
  for (const auto& name : applied) {
    changed += (changed.empty() ? "" : ",") + name;
  }
  spdlog::warn("event=reloaded applied={}{}", changed.empty() ? "none" : changed,
               needs_restart.empty() ? "" : " needs_restart=" + needs_restart + " note=\"kept until a restart\"");
  // What is in force: the applied settings are the new ones, the others stay.
  Options now = running;
  now.log_level = fresh->log_level;
  now.max_database_mb = fresh->max_database_mb;
  now.admin_token = fresh->admin_token;
  now.publisher_tokens = fresh->publisher_tokens;
  now.access = fresh->access;
  now.retry_base = fresh->retry_base;
  running = std::move(now);
}

}  // namespace

int run_daemon(const Options& options, const ReloadOptions& reload) {
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  signal(SIGPIPE, SIG_IGN);
  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const rlim_t fd_limit = raise_fd_limit();

  ListenAddress listen = options.listen;
  if (listen.port == 0) {
    auto port = pick_free_port(listen.host);
    if (!port) {
      spdlog::critical("event=start_failed error={}", log_quoted(port.error().message));
      return 1;
    }
    listen.port = *port;
  }
  const std::string public_url = options.public_url.empty() ? derived_public_url(listen) : options.public_url;

  SystemClock clock;
  const std::string node_id = options.node_id.empty() ? default_node_id() : options.node_id;
  auto opened = open_store(options.database, clock, node_id, options.pg_notify, options.pg_readers);
  if (!opened) {
    spdlog::critical("event=start_failed error={}", log_quoted(opened.error().message));
    return 1;
  }
  std::unique_ptr<Store> store = std::move(*opened);
  if (options.max_database_mb > 0) {
    apply_size_limit(*store, options.max_database_mb);
  }

  auto policy = std::make_shared<EgressPolicy>(options.allow_private_networks);
  add_own_endpoints(*policy, listen);
  HttpClientLimits client_limits;
  client_limits.max_in_flight = k_max_outbound_in_flight;
  client_limits.max_per_origin = k_max_outbound_per_origin;
  client_limits.user_agent = std::string("Hubbub/") + HUBBUB_VERSION + " (+" + public_url + ")";
  const std::size_t client_threads = options.http_client_threads > 0
                                         ? options.http_client_threads
                                         : HttpClientPool::automatic(std::thread::hardware_concurrency());
  HttpClientPool http(policy, client_limits, client_threads);

  AccessPolicy access(options.access);
  HubMetrics metrics;
  PendingVerifications pending;
  if (auto counts = store->pending_requests_per_origin()) {
    pending.reset(*counts);
  } else {
    spdlog::critical("event=start_failed error={}",
                     log_quoted("cannot count pending requests: " + counts.error().message));
    return 1;
  }
  VerifierSettings verifier_settings;
  verifier_settings.metrics = &metrics;
  verifier_settings.pending = &pending;
  verifier_settings.max_attempts = options.verification_attempts;
  verifier_settings.retry_base = options.retry_base;
  verifier_settings.timeout = options.outbound_timeout;
  verifier_settings.secret_grace = options.secret_grace;
  if (store->shared()) {
    verifier_settings.claim = k_shared_claim;
  }
  Verifier verifier(*store, http, access, clock, verifier_settings);

  DistributorSettings distributor_settings;
  distributor_settings.metrics = &metrics;
  distributor_settings.max_attempts = options.delivery_attempts;
  distributor_settings.retry_base = options.retry_base;
  distributor_settings.timeout = options.outbound_timeout;
  distributor_settings.algorithm = options.signature_algorithm;
  distributor_settings.standard_webhooks = options.standard_webhooks;
  distributor_settings.public_url = public_url;
  if (store->shared()) {
    // Short claims, renewed by the housekeeper while this node lives.
    distributor_settings.claim = k_shared_claim;
    distributor_settings.shared = true;
  }
  Distributor distributor(*store, http, clock, distributor_settings);

  FetcherSettings fetcher_settings;
  fetcher_settings.metrics = &metrics;
  fetcher_settings.retry_base = options.retry_base;
  fetcher_settings.timeout = options.outbound_timeout;
  fetcher_settings.max_content_bytes = options.max_content_bytes;
  fetcher_settings.max_queued_deliveries = options.max_queued_deliveries;
  fetcher_settings.fanout_chunk = options.fanout_chunk;
  fetcher_settings.feed_diff = options.feed_diff;
  fetcher_settings.feed_diff_new_only = options.feed_diff_new_only;
  fetcher_settings.deliveries = &distributor;
  fetcher_settings.user_agent = std::string("Hubbub/") + HUBBUB_VERSION + " (+" + public_url;
  if (store->shared()) {
    fetcher_settings.claim = k_shared_claim;
  }
  Fetcher fetcher(*store, http, clock, fetcher_settings, [&distributor] { distributor.wake(); });
  HousekeeperSettings housekeeper_settings;
  // Other nodes accept and settle requests too: the counts per callback host
  // follow the database (so the caps on them are global), read every tick.
  // The dashboard's chart and the latest failures are written for the other
  // nodes to show (only an engine that nodes share keeps them).
  auto* shared_activity = dynamic_cast<SharedActivity*>(store.get());
  housekeeper_settings.refresh = [&store, &pending, &metrics, &clock, shared_activity] {
    // Read in the order of this node's writes, and applied with their
    // answers: exact for the requests admitted here (a count read beside
    // the writes missed some or counted some twice until the next tick).
    store->pending_requests_per_origin_in_write_order([&pending](Result<RequestLog::PendingCounts> counts) {
      if (counts) {
        pending.reset(*counts);
      }
    });
    if (shared_activity != nullptr) {
      (void)metrics.share_activity(*shared_activity, clock.now());  // failures wait for the next tick
    }
  };
  housekeeper_settings.reconfirm_before = options.reconfirm_before;
  housekeeper_settings.content_retention = options.content_retention;
  housekeeper_settings.requests_queued = [&verifier] { verifier.wake(); };
  Housekeeper housekeeper(*store, *store, clock, housekeeper_settings);

  RateLimits limits({options.subscribe_rate_per_client, options.subscribe_rate_per_callback,
                     options.publish_rate_per_client, options.trusted_proxies, options.rate_limit_exempt});
  ConnectionLimit connections(options.max_connections > 0 ? options.max_connections
                                                          : ConnectionLimit::automatic(fd_limit));
  Credentials credentials(options.admin_token, options.publisher_tokens);
  OwedAnswers owed;
  const HubUrls urls(public_url);
  SubscriptionIntake intake(*store, clock, pending, urls, owed,
                            {options.max_subscriptions_per_topic, options.max_subscriptions_per_callback_host,
                             options.max_pending_verifications_per_callback_host, options.max_pending_verifications},
                            [&verifier] { verifier.wake(); });
  HubHooks hooks;
  hooks.publish_stored = [&fetcher] { fetcher.wake(); };
  hooks.deliveries_queued = [&distributor] { distributor.wake(); };
  hooks.deliveries_held_back = [&fetcher] { return fetcher.held_back(); };
  hooks.readiness_problem = [&]() -> std::optional<std::string> {
    if (auto s = store->check_writable(clock.now()); !s) {
      return "the database does not take writes: " + s.error().message;
    }
    if (!http.running()) {
      return "the HTTP client has stopped";
    }
    if (!verifier.running() || !fetcher.running() || !distributor.running()) {
      return "a worker is not running";
    }
    return std::nullopt;
  };
  const std::string engine = is_postgres_uri(options.database) ? "postgresql" : "sqlite";
  hooks.node_metrics = [&] {
    const StoreHealth health = store->health();
    MetricFamilies f;
    f.push_back(gauge_family("hubbub_node_info", "This node: its id and its storage engine (always 1).",
                             {{{{"node_id", node_id}, {"engine", engine}}, 1.0}}));
    f.push_back(gauge_family("hubbub_leader", "1 while this node leads the periodic sweeps (expiry, purges).",
                             {{{}, housekeeper.leading() ? 1.0 : 0.0}}));
    f.push_back(gauge_family("hubbub_database_connected", "1 while the database writer has a session.",
                             {{{}, health.connected ? 1.0 : 0.0}}));
    f.push_back(gauge_family("hubbub_database_last_commit_seconds", "How long the latest committed write batch took.",
                             {{{}, health.last_commit_seconds}}));
    f.push_back(counter_family("hubbub_database_commits_total", "Write batches committed.",
                               static_cast<double>(health.commits)));
    f.push_back(counter_family("hubbub_database_commit_failures_total", "Write batches that failed as a whole.",
                               static_cast<double>(health.failed_commits)));
    return f;
  };
  hooks.shared_activity = shared_activity;
  HubContext context{*store,     *store, *store,      clock,       urls,   options.leases, {options.publish_status},
                     metrics,    limits, connections, credentials, intake, owed,           std::move(hooks),
                     clock.now()};
  Pistache::Http::Endpoint endpoint{Pistache::Address(listen.to_string())};
  try {
    auto server_options = Pistache::Http::Endpoint::options()
                              .threads(static_cast<int>(options.threads))
                              .flags(Pistache::Tcp::Options::ReuseAddr)
                              .maxRequestSize(std::max(k_max_request_bytes, k_max_fat_ping_bytes + k_max_request_bytes))
                              .maxResponseSize(k_max_response_bytes)
                              .headerTimeout(k_header_timeout)
                              .bodyTimeout(k_body_timeout)
                              .keepaliveTimeout(k_keepalive_timeout);
    endpoint.init(server_options);
    // Options::backlog() is ignored by 0.0.5 (bug 5): set it on the listener.
    endpoint.initArgs(static_cast<std::size_t>(options.threads),
                      Pistache::Flags<Pistache::Tcp::Options>(Pistache::Tcp::Options::ReuseAddr),
                      std::string("hub-http-in"), k_listen_backlog);
    endpoint.setHandler(std::make_shared<HubHandler>(context));
    endpoint.serveThreaded();
  } catch (const std::exception& e) {
    spdlog::critical("event=start_failed error={}",
                     log_quoted("cannot listen on " + listen.to_string() + ": " + e.what()));
    return 1;
  }

  verifier.start();
  fetcher.start();
  distributor.start();
  housekeeper.start();
  // Work other nodes commit wakes this node's services at once (PostgreSQL
  // with --pg-notify); they poll besides.
  store->watch_work([&](unsigned work) {
    if ((work & Coordination::requests) != 0) {
      verifier.wake();
    }
    if ((work & Coordination::fetches) != 0) {
      fetcher.wake();
    }
    if ((work & Coordination::deliveries) != 0) {
      distributor.wake();
    }
  });
  spdlog::info(
      "event=listening address={} public_url={} database={} node_id={} allow_private_networks={} max_connections={} "
      "http_client_threads={}",
      listen.to_string(), public_url, log_quoted(redact_database_uri(options.database)), log_quoted(node_id),
      options.allow_private_networks, connections.max(), http.threads());

  // systemd (Type=notify): ready now; alive while the workers run. Without
  // NOTIFY_SOCKET these calls do nothing.
  sd_notifyf(0, "READY=1\nSTATUS=listening on %s", listen.to_string().c_str());
  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0;
  const timespec ping_every{static_cast<time_t>(watchdog_usec / 2 / 1000000),
                            static_cast<long>(watchdog_usec / 2 % 1000000 * 1000)};
  Options in_force = options;
  Reloadable reloadable{*store, credentials, access, [&](Millis base) {
                          verifier.set_retry_base(base);
                          fetcher.set_retry_base(base);
                          distributor.set_retry_base(base);
                        }};
  int signal_number = 0;
  for (;;) {
    if (watchdog) {
      signal_number = sigtimedwait(&stop_signals, nullptr, &ping_every);
      if (signal_number < 0) {  // the interval passed: say we are alive, if we are
        if (verifier.running() && fetcher.running() && distributor.running() && http.running()) {
          sd_notify(0, "WATCHDOG=1");
        }
        continue;
      }
    } else if (sigwait(&stop_signals, &signal_number) != 0) {
      continue;
    }
    if (signal_number != SIGHUP) {
      break;
    }
    sd_notify(0, "RELOADING=1");
    reload_options(in_force, reload, reloadable);
    sd_notify(0, "READY=1");
  }
  sd_notify(0, "STOPPING=1");
  spdlog::info("event=stopping signal={}", strsignal(signal_number));

  // 1. Refuse new hub requests; answer every request already committed or
  //    being committed (Pistache writers must be drained before shutdown()).
  owed.start_draining();
  store->flush();
  const auto drain_until = std::chrono::steady_clock::now() + k_drain_deadline;
  while (owed.owed() > 0 && std::chrono::steady_clock::now() < drain_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    store->flush();
  }
  endpoint.shutdown();
  // 2. Stop claiming work; let what is in flight finish for a moment, then
  //    cancel the rest: claims are released and the work runs again at the
  //    next start (a delivery cut off after the subscriber's 2xx is repeated,
  //    never lost).
  const auto grace_end = std::chrono::steady_clock::now() + k_work_grace;
  auto remaining = [&] {
    return std::chrono::duration_cast<Millis>(
        std::max(grace_end - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero()));
  };
  store->watch_work({});  // before the services it wakes go
  const std::size_t unfinished = fetcher.stop(remaining()) + verifier.stop(remaining()) + distributor.stop(remaining());
  http.stop();
  verifier.wait_idle();
  fetcher.wait_idle();
  distributor.wait_idle();
  housekeeper.stop();
  store->flush();
  if (auto s = store->release_all_claims(); !s) {
    spdlog::error("event=release_claims_failed error={}", log_quoted(s.error().message));
  }
  spdlog::info("event=stopped jobs_abandoned={}", unfinished);
  return 0;
}

}  // namespace hubbub
