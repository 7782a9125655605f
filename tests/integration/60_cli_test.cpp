// 60: the command line of the real binary: --help, --version, bad flags and
// values exit 2 with a message, a TOML config file is honoured.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "server/options.h"
#include "support/http_call.h"
#include "support/hub_process.h"
#include "support/temp_dir.h"

using namespace hubbub::test;

TEST_CASE("help and version exit 0", "[integration][cli]") {
  const RunResult help = run_hubbub({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--allow-private-networks") != std::string::npos);
  const RunResult version = run_hubbub({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.output.find("hubbub ") != std::string::npos);
}

TEST_CASE("bad flags and values exit 2 with a clear message", "[integration][cli]") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--bogus"}, {"--listen", "nowhere"}, {"--lease-min", "x"}, {"--config", "/nonexistent/hub.toml"}}) {
    INFO(args.front());
    const RunResult r = run_hubbub(args);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("hubbub: ") != std::string::npos);
  }
}

TEST_CASE("a config file configures the daemon, and a flag wins over it", "[integration][cli]") {
  TempDir dir;
  std::ofstream(dir.file("hub.toml")) << "public_url = \"http://hub.example/websub/\"\n"
                                         "log_level = \"debug\"\nlease_default = 4321\n";
  HubProcess hub(dir.file("hub.db"), {"--config", dir.file("hub.toml"), "--allow-private-networks"});
  CHECK(hub.log().find("public_url=http://hub.example/websub/") != std::string::npos);
  // The hub endpoint lives at the public URL's path.
  const HttpReply r =
      http_post_form(hub.url("/websub/"), "hub.mode=subscribe&hub.topic=http://p/&hub.callback=http://127.0.0.1:9/cb");
  REQUIRE(r.status == 202);
  CHECK(r.header("location").starts_with("http://hub.example/websub/requests/"));
  CHECK(r.body.find("\"lease_seconds_granted\":4321") != std::string::npos);
  CHECK(http_post_form(hub.url("/"), "hub.mode=subscribe").status == 404);
}

TEST_CASE("the sample config is accepted, sets every option of the catalog to its default", "[integration][cli]") {
  const std::string example = std::string(HUBBUB_SOURCE_DIR) + "/contrib/hubbub.toml.example";
  TempDir dir;
  HubProcess hub(dir.file("hub.db"), {"--config", example});
  CHECK(hub.terminate() == 0);

  std::ifstream in(example);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  for (const hubbub::OptionDoc& option : hubbub::option_catalog()) {
    INFO(option.key);
    // Set (with its default, or an empty list), or shown commented out.
    const auto set = text.find("\n" + option.key + " = ");
    const auto shown = text.find("\n# " + option.key + " = ");
    REQUIRE((set != std::string::npos || shown != std::string::npos));
    if (set != std::string::npos && !option.default_value.empty()) {
      std::string value = text.substr(set + option.key.size() + 4);
      value = value.substr(0, value.find_first_of(" \n"));
      if (value.size() >= 2 && value.front() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      char* end = nullptr;
      const double number = std::strtod(value.c_str(), &end);
      if (end != value.c_str() && *end == '\0') {
        CHECK(number == std::strtod(option.default_value.c_str(), nullptr));  // 20.0 in TOML is 20
      } else {
        CHECK(value == option.default_value);
      }
    }
  }
}
