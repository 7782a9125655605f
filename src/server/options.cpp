#include "server/options.h"

#include <toml++/toml.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ostream>
#include <sstream>
#include <tuple>

#include "store/pg_connection.h"
#include "util/url.h"

namespace hubbub {
namespace {

// The TOML key of a flag: its long name with '_' for '-' ("--lease-min" ->
// "lease_min").
std::string toml_key(std::string_view long_name) {
  std::string key(long_name);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

// CLI11 configuration reader backed by toml++: a flat TOML table whose keys are
// the long flag names with '_' for '-'. Unknown keys and nested tables are
// refused, naming the file and the key as written. Remembers which keys the
// file set, so that a bad value is reported as the file's.
class TomlConfig final : public CLI::Config {
 public:
  explicit TomlConfig(const CLI::App& app) : m_app(app) {}

  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return {}; }

  // The file being read, as given to --config.
  std::string file() const {
    const CLI::Option* config = m_app.get_config_ptr();
    return config != nullptr && !config->results().empty() ? config->results().back() : "the config file";
  }
  const std::vector<std::string>& keys_read() const { return m_keys; }

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::stringstream buffer;
    buffer << input.rdbuf();
    toml::table table;
    try {
      table = toml::parse(buffer.str());
    } catch (const toml::parse_error& e) {
      std::ostringstream where;
      where << e.source().begin;
      throw CLI::ConversionError(file() + ": not valid TOML: " + std::string(e.description()) + " at " + where.str());
    }
    std::vector<CLI::ConfigItem> items;
    for (const auto& [key, node] : table) {
      CLI::ConfigItem item;
      item.name = std::string(key.str());
      std::replace(item.name.begin(), item.name.end(), '_', '-');
      const CLI::Option* option = m_app.get_option_no_throw("--" + item.name);
      if (option == nullptr || item.name == "config" || item.name == "help" || item.name == "version" ||
          key.str().find('-') != std::string_view::npos) {
        throw CLI::ConversionError(file() + ": unknown key '" + std::string(key.str()) +
                                   "' (the keys are the options of hubbub --help, with _ for -)");
      }
      if (node.is_table()) {
        throw CLI::ConversionError(file() + ": key '" + std::string(key.str()) + "' must not be a table");
      }
      m_keys.push_back(std::string(key.str()));
      if (const auto* array = node.as_array()) {
        if (array->empty()) {
          continue;  // an empty list is the default (CLI11 wants at least one value)
        }
        for (const auto& element : *array) {
          item.inputs.push_back(scalar(key.str(), element));
        }
      } else {
        item.inputs.push_back(scalar(key.str(), node));
      }
      items.push_back(std::move(item));
    }
    return items;
  }

 private:
  static std::string scalar(std::string_view key, const toml::node& node) {
    if (const auto* s = node.as_string()) {
      return s->get();
    }
    if (const auto* b = node.as_boolean()) {
      return b->get() ? "true" : "false";
    }
    if (const auto* i = node.as_integer()) {
      return std::to_string(i->get());
    }
    if (const auto* f = node.as_floating_point()) {
      std::ostringstream os;
      os << f->get();
      return os.str();
    }
    throw CLI::ConversionError("key '" + std::string(key) + "' has a value of an unsupported type");
  }

  const CLI::App& m_app;
  mutable std::vector<std::string> m_keys;
};

// CLI11's words for a bad value, in ours: what was given and what is expected.
//   "Value abc not in range 1 to 64"  -> "expected a number from 1 to 64, got \"abc\""
//   "loud not in {trace,debug}"       -> "expected one of trace, debug, got \"loud\""
//   "Could not convert: --x = maybe"  -> "--x: \"maybe\" is not a valid value"
std::string plain_error(std::string message) {
  auto trim_number = [](std::string n) {
    if (n.find('.') != std::string::npos && n.find('e') == std::string::npos) {
      while (!n.empty() && n.back() == '0') {
        n.pop_back();
      }
      if (!n.empty() && n.back() == '.') {
        n.pop_back();
      }
    }
    return n;
  };
  if (message.starts_with("Could not convert: ")) {
    const std::string rest = message.substr(19);
    const auto eq = rest.find(" = ");
    if (eq != std::string::npos) {
      return rest.substr(0, eq) + ": \"" + rest.substr(eq + 3) + "\" is not a valid value";
    }
    return message;
  }
  const auto colon = message.find(": ");
  if (colon == std::string::npos) {
    return message;
  }
  const std::string name = message.substr(0, colon);
  const std::string what = message.substr(colon + 2);
  if (what.starts_with("Value ")) {
    const auto range = what.find(" not in range ");
    const auto to = what.find(" to ", range == std::string::npos ? 0 : range + 14);
    if (range != std::string::npos && to != std::string::npos) {
      return name + ": expected a number from " + trim_number(what.substr(range + 14, to - range - 14)) + " to " +
             trim_number(what.substr(to + 4)) + ", got \"" + what.substr(6, range - 6) + "\"";
    }
  }
  if (const auto in = what.find(" not in {"); in != std::string::npos && what.ends_with("}")) {
    std::string members = what.substr(in + 9, what.size() - in - 10);
    for (std::size_t at = members.find(','); at != std::string::npos; at = members.find(',', at + 2)) {
      members.replace(at, 1, ", ");
    }
    return name + ": expected one of " + members + ", got \"" + what.substr(0, in) + "\"";
  }
  return message;
}

// Whether `flag` ("--threads") was given on the command line.
bool on_command_line(int argc, const char* const* argv, const std::string& flag) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == flag || (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=')) {
      return true;
    }
  }
  return false;
}

Millis seconds_to_millis(double seconds) {
  return Millis{static_cast<std::int64_t>(std::llround(seconds * 1000.0))};
}

}  // namespace

std::string ListenAddress::to_string() const {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                             : host + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress out;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail("listen address must be HOST:PORT or [IPV6]:PORT");
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.substr(0, colon).find(':') != std::string_view::npos) {
      return fail("listen address must be HOST:PORT or [IPV6]:PORT");
    }
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (out.host.empty() || port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return fail("listen address must be HOST:PORT with a port from 0 to 65535");
  }
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

namespace {

// Values read as text or in other units than Options keeps them, converted
// after parsing.
struct RawOptions {
  explicit RawOptions(const Options& o)
      : listen(o.listen.to_string()),
        lease_min(static_cast<std::uint64_t>(o.leases.min.count())),
        lease_default(static_cast<std::uint64_t>(o.leases.fallback.count())),
        lease_max(static_cast<std::uint64_t>(o.leases.max.count())),
        retry_base(static_cast<double>(o.retry_base.count()) / 1000.0),
        outbound_timeout(static_cast<double>(o.outbound_timeout.count()) / 1000.0),
        secret_grace(static_cast<std::uint64_t>(o.secret_grace.count() / 1000)),
        reconfirm_before(static_cast<std::uint64_t>(o.reconfirm_before.count() / 1000)),
        content_retention(static_cast<std::uint64_t>(o.content_retention.count() / 1000)),
        algorithm(to_string(o.signature_algorithm)) {}

  std::string listen;
  std::uint64_t lease_min;
  std::uint64_t lease_default;
  std::uint64_t lease_max;
  double retry_base;
  double outbound_timeout;
  std::uint64_t secret_grace;
  std::uint64_t reconfirm_before;
  std::uint64_t content_retention;
  std::string algorithm;
  std::vector<std::string> trusted_proxies;
  std::vector<std::string> exempt;
};

// Every option, with its default (from `o`), help and checks: the one source
// of --help, the TOML keys and option_catalog().
void define_options(CLI::App& app, Options& o, RawOptions& raw) {
  app.set_config("--config", "", "Read options from this TOML file (flags given on the command line win)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.set_version_flag("--version", std::string("hubbub ") + HUBBUB_VERSION);
  app.get_formatter()->column_width(36);
  app.add_option("--listen", raw.listen, "Address to listen on, HOST:PORT or [IPV6]:PORT (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--database", o.database,
                 "SQLite database file (created if missing), or a PostgreSQL URI postgresql://USER[:PASSWORD]@HOST"
                 "[:PORT]/DB[?PARAMS] that several hub nodes may share")
      ->capture_default_str();
  app.add_option("--node-id", o.node_id,
                 "This node's name among the nodes sharing a PostgreSQL database, in logs and claims (default: "
                 "host name and process id)");
  app.add_option("--pg-notify", o.pg_notify,
                 "PostgreSQL: wake the other nodes with NOTIFY when a commit makes work due, one per commit batch "
                 "(false: they find it at their 1 s poll)")
      ->default_str("true");
  app.add_option("--pg-readers", o.pg_readers,
                 "PostgreSQL: read connections this node keeps (status monitors, the admin API, caps); each node "
                 "also has one writer and one listener")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, k_max_pg_readers));
  app.add_option("--copy-to", o.copy_to,
                 "Copy the SQLite database (--database) into the empty PostgreSQL database at this URI, check the "
                 "counts, and exit; run it while the hub is stopped");
  app.add_option("--public-url", o.public_url,
                 "The hub's URL as clients use it (rel=hub, status monitors; default http://LISTEN/)");
  app.add_flag("--allow-private-networks", o.allow_private_networks,
               "Allow outbound requests to loopback, private and link-local addresses");
  app.add_option("--lease-min", raw.lease_min, "Shortest lease granted, seconds")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  app.add_option("--lease-default", raw.lease_default, "Lease granted when none is requested, seconds")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  app.add_option("--lease-max", raw.lease_max, "Longest lease granted, seconds")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--retry-base", raw.retry_base,
                 "First retry delay of a verification, a topic fetch or a delivery, seconds (doubles each time; "
                 "fractions allowed)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  app.add_option("--verification-attempts", o.verification_attempts,
                 "Attempts at verifying a request before it fails (5xx, timeouts, connection errors)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 20u));
  app.add_option("--outbound-timeout", raw.outbound_timeout, "Timeout of each outbound HTTP request, seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--threads", o.threads, "HTTP server worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  app.add_option("--http-client-threads", o.http_client_threads,
                 "Threads sending outbound requests (verifications, fetches, deliveries), each with its own "
                 "connections; 0: one per core, at most 4")
      ->capture_default_str()
      ->check(CLI::Range(0u, 64u));
  app.add_option("--publish-status", o.publish_status,
                 "Answer to a publish ping: 202 (with a status monitor) or 204 (for old publisher tools)")
      ->capture_default_str()
      ->check(CLI::IsMember({202, 204}));
  app.add_option("--publisher-token", o.publisher_tokens,
                 "Bearer token that may send content itself in a fat ping (repeatable)");
  app.add_option("--signature-algorithm", raw.algorithm, "X-Hub-Signature algorithm: sha1, sha256, sha384 or sha512")
      ->capture_default_str()
      ->check(CLI::IsMember({"sha1", "sha256", "sha384", "sha512"}));
  app.add_flag("--standard-webhooks", o.standard_webhooks,
               "Also sign deliveries to subscriptions with a secret the Standard Webhooks way (webhook-id, "
               "webhook-timestamp, webhook-signature)");
  app.add_option("--secret-grace", raw.secret_grace,
                 "After a renewal changes a subscription's secret, also sign with the old one this long, seconds "
                 "(X-Hub-Signature-Previous, a second webhook-signature; 0: never)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, k_max_secret_grace_seconds));
  app.add_option("--reconfirm-before", raw.reconfirm_before,
                 "Verify the intent of subscribers this long before their lease ends, seconds (at most half a lease "
                 "before), renewing the lease when they confirm (0: never)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, k_max_reconfirm_before_seconds));
  app.add_flag("--feed-diff", o.feed_diff,
               "Send subscribers of Atom and RSS feeds only the entries that are new or updated, inside the feed's "
               "own header (subscribers choose otherwise with hub.feed_diff)");
  app.add_flag("--feed-diff-new-only", o.feed_diff_new_only, "Feed diffs carry new entries only, not updated ones");
  app.add_option("--content-retention", raw.content_retention,
                 "Keep finished publishes, their contents and deliveries this long, seconds: what the admin API "
                 "can replay (dead letters stay until retried or deleted)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{3600}, k_max_content_retention_seconds));
  app.add_option("--delivery-attempts", o.delivery_attempts,
                 "Attempts at delivering a notification before it becomes a dead letter")
      ->capture_default_str()
      ->check(CLI::Range(1u, 50u));
  app.add_option("--max-content-bytes", o.max_content_bytes, "Largest topic content fetched, bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  app.add_option("--max-database-mb", o.max_database_mb,
                 "Largest size of the database file, MiB (0: no cap). Beyond it new requests get 503 until "
                 "space is freed or the cap is raised (SIGHUP re-reads it)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 30));
  app.add_option("--max-connections", o.max_connections,
                 "Connections the HTTP server holds open at once; beyond it a new connection gets 503 and is "
                 "closed (0: the descriptor limit less 512)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, k_max_connections_ceiling));
  app.add_option("--subscribe-rate-per-client", o.subscribe_rate_per_client,
                 "Subscription requests a second from one client address, with 10 s of burst (0: no limit); "
                 "beyond it 429 with Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--subscribe-rate-per-callback", o.subscribe_rate_per_callback,
                 "Subscription requests a second for one callback URL, with 10 s of burst (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--publish-rate-per-client", o.publish_rate_per_client,
                 "Publish pings a second from one client address, with 10 s of burst (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--max-subscriptions-per-topic", o.max_subscriptions_per_topic,
                 "Active subscriptions one topic may have (0: no cap); beyond it new ones get 429")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  app.add_option("--max-subscriptions-per-callback-host", o.max_subscriptions_per_callback_host,
                 "Active subscriptions whose callbacks are on one host (scheme, host and port; 0: no cap)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  app.add_option("--max-pending-verifications-per-callback-host", o.max_pending_verifications_per_callback_host,
                 "Subscription requests waiting for verification whose callbacks are on one host (0: no cap); "
                 "beyond it new ones get 429")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  app.add_option("--max-pending-verifications", o.max_pending_verifications,
                 "Subscription requests waiting for verification in all (0: no cap); beyond it new ones get 429")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  app.add_option("--fanout-chunk", o.fanout_chunk,
                 "Deliveries a fan-out queues per transaction: the first chunk is written with the fetch and sent "
                 "while the rest are written")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  app.add_option("--max-queued-deliveries", o.max_queued_deliveries,
                 "Deliveries queued at most (0: no cap); at it accepted pings wait and new ones get 503 until "
                 "the queue drains")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  app.add_option("--trusted-proxies", raw.trusted_proxies,
                 "Address or block (CIDR) of a reverse proxy whose X-Forwarded-For names the client (repeatable)");
  app.add_option("--rate-limit-exempt", raw.exempt,
                 "Address or block (CIDR) of clients that skip every rate limit, e.g. your own publishers "
                 "(repeatable)");
  app.add_option("--admin-token", o.admin_token,
                 "Bearer token of the admin API under /admin/ (at least 16 characters; unset: the API is off)");
  app.add_option("--topic-allow", o.access.topic_allow,
                 "Only accept subscriptions to topics matching this pattern (repeatable; '*' wildcard)");
  app.add_option("--topic-deny", o.access.topic_deny,
                 "Deny subscriptions to topics matching this pattern (repeatable)");
  app.add_option("--callback-host-allow", o.access.callback_host_allow,
                 "Only accept callbacks on hosts matching this pattern (repeatable; e.g. *.example.com)");
  app.add_option("--callback-host-deny", o.access.callback_host_deny,
                 "Deny callbacks on hosts matching this pattern (repeatable)");
}

}  // namespace

std::vector<OptionDoc> option_catalog() {
  CLI::App app{"", "hubbub"};
  Options o;
  RawOptions raw(o);
  define_options(app, o, raw);
  std::vector<OptionDoc> out;
  for (const CLI::Option* option : app.get_options()) {
    const std::string name = option->get_single_name();
    if (name == "help" || name == "version" || name == "config") {
      continue;
    }
    OptionDoc doc;
    doc.flag = "--" + name;
    doc.key = toml_key(name);
    doc.default_value = option->get_default_str();
    doc.help = option->get_description();
    doc.takes_value = option->get_expected_max() != 0;  // a switch expects nothing
    doc.repeatable = option->get_expected_max() > 1;
    out.push_back(std::move(doc));
  }
  return out;
}

ParsedOptions parse_options(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  ParsedOptions parsed;
  Options& o = parsed.options;
  CLI::App app{"Hubbub: a WebSub (PubSubHubbub) hub.", "hubbub"};
  auto config = std::make_shared<TomlConfig>(app);
  app.config_formatter(config);
  RawOptions raw(o);
  define_options(app, o, raw);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, --version
      app.exit(e, out, err);
      parsed.exit_code = 0;
      return parsed;
    }
    std::string message = plain_error(e.what());
    // A bad value from the file is the file's, under the key as written there.
    if (const auto colon = message.find(": "); message.starts_with("--") && colon != std::string::npos) {
      const std::string flag = message.substr(0, colon);
      const std::string key = toml_key(flag.substr(2));
      const auto& keys = config->keys_read();
      if (std::find(keys.begin(), keys.end(), key) != keys.end() && !on_command_line(argc, argv, flag)) {
        message = config->file() + ": " + key + message.substr(colon);
      }
    }
    err << "hubbub: " << message << "\nRun 'hubbub --help' for the options.\n";
    parsed.exit_code = 2;
    return parsed;
  }

  auto bad = [&](const std::string& message) {
    err << "hubbub: " << message << "\n";
    parsed.exit_code = 2;
    return parsed;
  };
  auto address = parse_listen_address(raw.listen);
  if (!address) {
    return bad("--listen: " + address.error().message);
  }
  o.listen = *address;
  o.leases.min = std::chrono::seconds{static_cast<std::int64_t>(raw.lease_min)};
  o.leases.fallback = std::chrono::seconds{static_cast<std::int64_t>(raw.lease_default)};
  o.leases.max = std::chrono::seconds{static_cast<std::int64_t>(raw.lease_max)};
  if (auto s = o.leases.check(); !s) {
    return bad(s.error().message);
  }
  o.retry_base = seconds_to_millis(raw.retry_base);
  o.signature_algorithm = parse_signature_algorithm(raw.algorithm).value_or(SignatureAlgorithm::sha256);
  if (!o.admin_token.empty() && o.admin_token.size() < 16) {
    return bad("--admin-token must be at least 16 characters");
  }
  for (const auto& token : o.publisher_tokens) {
    if (token.size() < 16) {
      return bad("--publisher-token must be at least 16 characters");
    }
  }
  for (const auto& [name, texts, blocks] : {std::tuple{"--trusted-proxies", &raw.trusted_proxies, &o.trusted_proxies},
                                            std::tuple{"--rate-limit-exempt", &raw.exempt, &o.rate_limit_exempt}}) {
    for (const auto& text : *texts) {
      auto block = Cidr::parse(text);
      if (!block) {
        return bad(std::string(name) + ": " + block.error().message);
      }
      blocks->push_back(*block);
    }
  }
  o.outbound_timeout = seconds_to_millis(raw.outbound_timeout);
  o.secret_grace = std::chrono::seconds{static_cast<std::int64_t>(raw.secret_grace)};
  o.reconfirm_before = std::chrono::seconds{static_cast<std::int64_t>(raw.reconfirm_before)};
  o.content_retention = std::chrono::seconds{static_cast<std::int64_t>(raw.content_retention)};
  if (o.database.empty()) {
    return bad("--database must not be empty");
  }
  if (!o.copy_to.empty() && (!is_postgres_uri(o.copy_to) || is_postgres_uri(o.database))) {
    return bad("--copy-to takes a postgresql:// URI, and copies from a SQLite --database");
  }
  if (o.node_id.size() > k_max_node_id_length || !std::all_of(o.node_id.begin(), o.node_id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
      })) {
    return bad("--node-id: at most " + std::to_string(k_max_node_id_length) +
               " letters, digits and - _ . : characters");
  }
  if (!o.public_url.empty()) {
    auto url = normalize_http_url(o.public_url, k_max_url_bytes);
    if (!url) {
      return bad("--public-url " + url.error().message);
    }
    if (o.public_url.find('?') != std::string::npos) {
      return bad("--public-url must not have a query");
    }
  }
  return parsed;
}

}  // namespace hubbub
