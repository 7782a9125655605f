// The Catch2 main shared by the test binaries; libcurl is initialised once,
// before any test starts a thread.
#define CATCH_CONFIG_RUNNER
#include <curl/curl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  spdlog::set_level(spdlog::level::warn);  // in-process components; hubs under test log to their own files
  const int result = Catch::Session().run(argc, argv);
  curl_global_cleanup();
  return result;
}
