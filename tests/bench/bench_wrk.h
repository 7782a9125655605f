#pragma once
// wrk 4.1 from Debian, run by the benchmark as a child process: the load
// generator for intake and for the limits the hub is compared with.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace hubbub::bench {

struct WrkLoad {
  int threads = 2;
  int connections = 64;
  std::chrono::seconds duration{5};
};

struct WrkRun {
  double seconds = 0;
  std::size_t requests = 0;
  std::size_t not_2xx = 0;
  std::size_t socket_errors = 0;
  std::string output;  // what wrk printed, for a run that went wrong
  // Requests answered 2xx per second.
  double ok_rate() const {
    return seconds > 0 ? static_cast<double>(requests - std::min(requests, not_2xx)) / seconds : 0;
  }
};

// The Lua scripts, written into a directory:
//   subscribe  args: prefix, addresses, sink port, topics. Every request a
//              new subscription with a secret: callback
//              http://127.0.0.<1 + n % addresses>:<port>/cb/<prefix>-<thread>-<n>,
//              topic /topic/intake-<n % topics> on the sink.
//   publish    args: prefix, addresses, sink port. Every request a ping of a
//              new topic on the sink (no two coalesce).
//   post       a 1 KiB POST to /wrk/ (the fan-out's limit).
struct WrkScripts {
  std::string subscribe;
  std::string publish;
  std::string post;
};
WrkScripts write_wrk_scripts(const std::string& dir);

// Runs wrk against `url` with `script` and its arguments; a run that could
// not start has requests == 0 and says why in output.
WrkRun run_wrk(const WrkLoad& load, const std::string& url, const std::string& script,
               const std::vector<std::string>& args = {});

}  // namespace hubbub::bench
