#include "server/options.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

using namespace hubbub;

namespace {

struct Run {
  ParsedOptions parsed;
  std::string out;
  std::string err;
};

Run parse_args(std::vector<std::string> args) {
  args.insert(args.begin(), "hubbub");
  std::vector<const char*> argv;
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  std::ostringstream out;
  std::ostringstream err;
  Run r{parse_options(static_cast<int>(argv.size()), argv.data(), out, err), "", ""};
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_CASE("defaults match the documentation", "[server][options]") {
  const Run r = parse_args({});
  REQUIRE_FALSE(r.parsed.exit_code);
  const Options& o = r.parsed.options;
  CHECK(o.listen.to_string() == "127.0.0.1:8080");
  CHECK(o.database == "./hubbub.db");
  CHECK(o.public_url.empty());
  CHECK_FALSE(o.allow_private_networks);
  CHECK(o.leases.min == std::chrono::seconds{300});
  CHECK(o.leases.fallback == std::chrono::seconds{864000});
  CHECK(o.leases.max == std::chrono::seconds{2592000});
  CHECK(o.log_level == "info");
  CHECK(o.retry_base == std::chrono::milliseconds{30000});
}

TEST_CASE("reads flags, IPv6 listen addresses and fractional seconds", "[server][options]") {
  const Run r = parse_args({"--listen", "[::1]:9000", "--database", "/tmp/x.db", "--public-url",
                            "https://hub.example/ws/", "--allow-private-networks", "--lease-min", "60", "--retry-base",
                            "0.25", "--topic-deny", "http://a/*", "--topic-deny", "http://b/*"});
  REQUIRE_FALSE(r.parsed.exit_code);
  const Options& o = r.parsed.options;
  CHECK(o.listen.host == "::1");
  CHECK(o.listen.port == 9000);
  CHECK(o.allow_private_networks);
  CHECK(o.leases.min == std::chrono::seconds{60});
  CHECK(o.retry_base == std::chrono::milliseconds{250});
  CHECK(o.access.topic_deny.size() == 2);
}

TEST_CASE("reads a TOML config file, and a flag wins over it", "[server][options]") {
  test::TempDir dir;
  std::ofstream(dir.file("hub.toml")) << "listen = \"0.0.0.0:7000\"\nlease_max = 4000\nlease_default = 3000\n"
                                         "allow_private_networks = true\nretry_base = 1.5\n"
                                         "callback_host_deny = [\"*.evil\", \"bad.example\"]\n";
  const Run r = parse_args({"--config", dir.file("hub.toml"), "--listen", "127.0.0.1:7001"});
  REQUIRE_FALSE(r.parsed.exit_code);
  const Options& o = r.parsed.options;
  CHECK(o.listen.to_string() == "127.0.0.1:7001");
  CHECK(o.leases.max == std::chrono::seconds{4000});
  CHECK(o.allow_private_networks);
  CHECK(o.retry_base == std::chrono::milliseconds{1500});
  CHECK(o.access.callback_host_deny == std::vector<std::string>{"*.evil", "bad.example"});
}

TEST_CASE("bad flags, keys and values exit with 2 and a message", "[server][options]") {
  test::TempDir dir;
  std::ofstream(dir.file("unknown.toml")) << "no_such_key = 1\n";
  std::ofstream(dir.file("broken.toml")) << "listen = \n";
  std::ofstream(dir.file("table.toml")) << "[section]\nx = 1\n";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--no-such-flag"},
                                             {"--listen", "nonsense"},
                                             {"--listen", "127.0.0.1:70000"},
                                             {"--lease-min", "0"},
                                             {"--lease-min", "abc"},
                                             {"--lease-min", "1000", "--lease-default", "500"},
                                             {"--log-level", "loud"},
                                             {"--public-url", "ftp://x/"},
                                             {"--retry-base", "-1"},
                                             {"--config", dir.file("unknown.toml")},
                                             {"--config", dir.file("broken.toml")},
                                             {"--config", dir.file("table.toml")},
                                             {"--config", dir.file("missing.toml")}}) {
    INFO(args.front() << " " << (args.size() > 1 ? args[1] : ""));
    const Run r = parse_args(args);
    CHECK(r.parsed.exit_code == 2);
    CHECK_FALSE(r.err.empty());
  }
}

TEST_CASE("help lists every option of the catalog with its default, and version prints the version",
          "[server][options]") {
  const Run help = parse_args({"--help"});
  CHECK(help.parsed.exit_code == 0);
  const auto catalog = option_catalog();
  CHECK(catalog.size() >= 34);
  for (const OptionDoc& option : catalog) {
    INFO(option.flag);
    const auto at = help.out.find("  " + option.flag + (option.takes_value ? " " : ""));
    REQUIRE(at != std::string::npos);
    const std::string line = help.out.substr(at, help.out.find('\n', at) - at);
    if (!option.default_value.empty()) {
      CHECK((line + " ").find("=" + option.default_value + " ") != std::string::npos);
    }
    CHECK(help.out.find(option.help.substr(0, 40)) != std::string::npos);
  }
  // Nothing in --help that is not in the catalog.
  std::size_t flags = 0;
  for (std::size_t at = help.out.find("  --"); at != std::string::npos; at = help.out.find("  --", at + 4)) {
    ++flags;
  }
  CHECK(flags == catalog.size() + 2);  // and --config, --version (-h,--help is listed as such)
  const Run version = parse_args({"--version"});
  CHECK(version.parsed.exit_code == 0);
  CHECK(version.out.find(HUBBUB_VERSION) != std::string::npos);
}

TEST_CASE("errors name the flag, or the file and the key as written, and what is expected", "[server][options]") {
  test::TempDir dir;
  std::ofstream(dir.file("unknown.toml")) << "bogus_key = 1\n";
  std::ofstream(dir.file("dashed.toml")) << "lease-min = 1\n";
  std::ofstream(dir.file("number.toml")) << "lease_min = \"abc\"\n";
  std::ofstream(dir.file("member.toml")) << "log_level = \"loud\"\n";
  CHECK(parse_args({"--config", dir.file("unknown.toml")})
            .err.starts_with("hubbub: " + dir.file("unknown.toml") + ": unknown key 'bogus_key'"));
  CHECK(parse_args({"--config", dir.file("dashed.toml")})
            .err.starts_with("hubbub: " + dir.file("dashed.toml") + ": unknown key 'lease-min'"));
  CHECK(parse_args({"--config", dir.file("number.toml")})
            .err.starts_with("hubbub: " + dir.file("number.toml") +
                             ": lease_min: expected a number from 1 to 1099511627776, got \"abc\""));
  CHECK(parse_args({"--config", dir.file("member.toml")})
            .err.starts_with("hubbub: " + dir.file("member.toml") +
                             ": log_level: expected one of trace, debug, info, warn, error, "
                             "critical, off, got \"loud\""));
  CHECK(parse_args({"--lease-min", "abc"})
            .err.starts_with("hubbub: --lease-min: expected a number from 1 to 1099511627776, got \"abc\""));
  CHECK(
      parse_args({"--retry-base", "0"}).err.starts_with("hubbub: --retry-base: expected a number from 0.001 to 86400"));
  // The command line's own bad value is the command line's, even with a file.
  CHECK(parse_args({"--config", dir.file("number.toml"), "--lease-min", "x"}).err.starts_with("hubbub: --lease-min: "));
}

TEST_CASE("parses listen addresses", "[server][options]") {
  CHECK(parse_listen_address("127.0.0.1:0").value().port == 0);
  CHECK(parse_listen_address("[::]:80").value().host == "::");
  CHECK(parse_listen_address("localhost:8080").value().host == "localhost");
  CHECK_FALSE(parse_listen_address("::1:80"));
  CHECK_FALSE(parse_listen_address("[::1]80"));
  CHECK_FALSE(parse_listen_address(":80"));
  CHECK_FALSE(parse_listen_address("h:"));
}
