// hubbub: a WebSub hub. Parses the options and runs the daemon; everything
// else lives in the hubbub_core library (see src/README.md).

#include <curl/curl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <sstream>

#include "server/copy_command.h"
#include "server/daemon.h"
#include "server/options.h"

int main(int argc, char** argv) {
  const hubbub::ParsedOptions parsed = hubbub::parse_options(argc, argv, std::cout, std::cerr);
  if (parsed.exit_code) {
    return *parsed.exit_code;
  }
  if (!parsed.options.copy_to.empty()) {
    return hubbub::run_copy(parsed.options, std::cout, std::cerr);
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::cerr << "hubbub: libcurl failed to initialise\n";
    return 1;
  }
  // Logs go to stderr, one line per event, flushed at once (journald, tests).
  spdlog::set_default_logger(spdlog::stderr_color_mt("hubbub"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::flush_on(spdlog::level::trace);
  const auto reload = [argc, argv]() -> hubbub::Result<hubbub::Options> {
    std::ostringstream out;
    std::ostringstream err;
    hubbub::ParsedOptions again = hubbub::parse_options(argc, argv, out, err);
    if (again.exit_code) {
      return hubbub::fail(err.str().empty() ? "the options do not parse" : err.str());
    }
    return again.options;
  };
  const int code = hubbub::run_daemon(parsed.options, reload);
  curl_global_cleanup();
  return code;
}
