#pragma once
// The daemon's configuration: command-line flags, each also a key of the TOML
// file given with --config (a flag wins over the file). See
// contrib/hubbub.toml.example for every key.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "util/cidr.h"
#include "util/clock.h"
#include "util/result.h"
#include "websub/access_policy.h"
#include "websub/lease_policy.h"
#include "websub/limits.h"
#include "websub/signature.h"

namespace hubbub {

struct ListenAddress {
  std::string host;        // without brackets
  std::uint16_t port = 0;  // 0: any free port (the log says which)

  // "host:port", IPv6 hosts in brackets.
  std::string to_string() const;
};

// "HOST:PORT" or "[IPV6]:PORT".
Result<ListenAddress> parse_listen_address(std::string_view text);

struct Options {
  ListenAddress listen{"127.0.0.1", 8080};
  std::string database = "./hubbub.db";            // a SQLite file, or a postgresql:// URI
  std::string node_id;                             // empty: host name and process id
  bool pg_notify = true;                           // PostgreSQL: wake other nodes with LISTEN/NOTIFY
  std::size_t pg_readers = k_pg_read_connections;  // PostgreSQL: read connections per node
  std::string copy_to;                             // set: copy the SQLite database there and exit
  std::string public_url;                          // empty: derived from the listen address once bound
  bool allow_private_networks = false;
  LeasePolicy leases;
  std::string log_level = "info";
  AccessRules access;
  Millis retry_base = k_default_retry_base;
  std::uint32_t verification_attempts = static_cast<std::uint32_t>(k_default_verification_attempts);
  Millis outbound_timeout = k_default_outbound_timeout;
  unsigned threads = 2;
  unsigned http_client_threads = 0;  // 0: one per core, at most k_max_http_client_threads
  int publish_status = 202;
  std::vector<std::string> publisher_tokens;  // secrets: never logged
  SignatureAlgorithm signature_algorithm = SignatureAlgorithm::sha256;
  bool standard_webhooks = false;  // also webhook-id/-timestamp/-signature for subscriptions with a secret
  Millis secret_grace = k_default_secret_grace;  // a replaced secret signs too this long (0: not at all)
  Millis reconfirm_before{0};                    // re-confirm subscriptions this long before expiry (0: never)
  Millis content_retention = k_default_content_retention;  // finished publishes and their contents kept
  bool feed_diff = false;                                  // Atom/RSS diffs for subscriptions without a choice
  bool feed_diff_new_only = false;                         // diffs carry new entries only, not updated ones
  std::uint32_t delivery_attempts = static_cast<std::uint32_t>(k_default_delivery_attempts);
  std::size_t max_content_bytes = k_default_max_content_bytes;
  std::string admin_token;            // a secret: never logged; empty disables the admin API
  std::uint64_t max_database_mb = 0;  // 0: no cap; SIGHUP applies a new value
  std::size_t max_connections = 0;    // 0: from the descriptor limit (server/connection_limit.h)
  // Abuse limits (server/rate_limits.h); rates are a second, 0 disables.
  double subscribe_rate_per_client = k_default_subscribe_rate_per_client;
  double subscribe_rate_per_callback = k_default_subscribe_rate_per_callback;
  double publish_rate_per_client = k_default_publish_rate_per_client;
  std::vector<Cidr> trusted_proxies;
  std::vector<Cidr> rate_limit_exempt;
  // Caps on active subscriptions; 0: none.
  std::int64_t max_subscriptions_per_topic = k_default_max_subscriptions_per_topic;
  std::int64_t max_subscriptions_per_callback_host = k_default_max_subscriptions_per_callback_host;
  // Caps on subscription requests waiting for verification; 0: none.
  std::int64_t max_pending_verifications_per_callback_host = k_default_max_pending_per_callback_host;
  std::int64_t max_pending_verifications = k_default_max_pending_verifications;
  // Cap on queued deliveries; 0: none.
  std::int64_t max_queued_deliveries = k_default_max_queued_deliveries;
  std::size_t fanout_chunk = k_default_fanout_chunk;
};

struct ParsedOptions {
  Options options;
  // Set when the process should exit at once with this code: 0 after --help
  // or --version, 2 after a bad flag, key or value (the message is printed).
  std::optional<int> exit_code;
};

// One option as --help, the TOML file and the man page present it.
struct OptionDoc {
  std::string flag;           // "--lease-min"
  std::string key;            // "lease_min" (TOML)
  std::string default_value;  // as --help shows it; empty: none
  std::string help;
  bool takes_value = true;  // false: a switch (--allow-private-networks)
  bool repeatable = false;  // may be given several times (a list in TOML)
};

// Every option but --help, --version and --config, in --help's order: the one
// source of truth the tests hold the sample config and the man page to.
std::vector<OptionDoc> option_catalog();

// Parses argv (and the --config file). Writes help and version to `out`,
// errors to `err`.
ParsedOptions parse_options(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace hubbub
