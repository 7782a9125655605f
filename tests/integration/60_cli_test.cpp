// 60: the command line of the real binary: --help, --version, bad flags and
// values exit 2 with a message, a TOML config file is honoured.

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "support/hub_process.h"
#include "support/http_call.h"
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
  const HttpReply r = http_post_form(hub.url("/websub/"),
                                     "hub.mode=subscribe&hub.topic=http://p/&hub.callback=http://127.0.0.1:9/cb");
  REQUIRE(r.status == 202);
  CHECK(r.header("location").starts_with("http://hub.example/websub/requests/"));
  CHECK(r.body.find("\"lease_seconds_granted\":4321") != std::string::npos);
  CHECK(http_post_form(hub.url("/"), "hub.mode=subscribe").status == 404);
}

TEST_CASE("the sample config is accepted and names every option of --help", "[integration][cli]") {
  const std::string example = std::string(HUBBUB_SOURCE_DIR) + "/contrib/hubbub.toml.example";
  TempDir dir;
  HubProcess hub(dir.file("hub.db"), {"--config", example});
  CHECK(hub.terminate() == 0);

  std::ifstream in(example);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  const RunResult help = run_hubbub({"--help"});
  std::size_t pos = 0;
  int options = 0;
  while ((pos = help.output.find("  --", pos)) != std::string::npos) {
    const std::size_t start = pos + 4;
    const std::size_t end = help.output.find_first_of(" \n", start);
    std::string key = help.output.substr(start, end - start);
    pos = end;
    if (key == "help" || key == "version" || key == "config") {
      continue;
    }
    std::replace(key.begin(), key.end(), '-', '_');
    INFO(key);
    CHECK(text.find(key + " =") != std::string::npos);
    ++options;
  }
  CHECK(options >= 15);
}
