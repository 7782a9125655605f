#include "bench/bench_wrk.h"

#include <cstdio>
#include <fstream>
#include <regex>

namespace hubbub::bench {

namespace {

// Each wrk thread has its own Lua state: setup() numbers them.
const char* const k_thread_numbers = R"(local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
)";

const char* const k_subscribe = R"(local n = 0
function init(args)
  prefix, addresses, port, topics = args[1], tonumber(args[2]), args[3], tonumber(args[4])
end
request = function()
  n = n + 1
  local host = "http%3A%2F%2F127.0.0." .. (1 + n % addresses) .. "%3A" .. port
  local body = "hub.mode=subscribe&hub.topic=" .. host .. "%2Ftopic%2Fintake-" .. (n % topics) ..
    "&hub.callback=" .. host .. "%2Fcb%2F" .. prefix .. "-" .. tid .. "-" .. n ..
    "&hub.secret=bench-secret-" .. n
  return wrk.format("POST", "/", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
)";

const char* const k_publish = R"(local n = 0
function init(args)
  prefix, addresses, port = args[1], tonumber(args[2]), args[3]
end
request = function()
  n = n + 1
  local body = "hub.mode=publish&hub.url=http%3A%2F%2F127.0.0." .. (1 + n % addresses) .. "%3A" .. port ..
    "%2Ftopic%2Fping-" .. prefix .. "-" .. tid .. "-" .. n
  return wrk.format("POST", "/", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
)";

const char* const k_post = R"(wrk.method = "POST"
wrk.path = "/wrk/post"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
)";

std::string write_script(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// Shell-quoted.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

}  // namespace

WrkScripts write_wrk_scripts(const std::string& dir) {
  WrkScripts s;
  s.subscribe = write_script(dir + "/subscribe.lua", std::string(k_thread_numbers) + k_subscribe);
  s.publish = write_script(dir + "/publish.lua", std::string(k_thread_numbers) + k_publish);
  s.post = write_script(dir + "/post.lua", k_post);
  return s;
}

WrkRun run_wrk(const WrkLoad& load, const std::string& url, const std::string& script,
               const std::vector<std::string>& args) {
  std::string command = "wrk -t" + std::to_string(load.threads) + " -c" + std::to_string(load.connections) + " -d" +
                        std::to_string(load.duration.count()) + "s --timeout 30s -s " + quoted(script) + " " +
                        quoted(url);
  if (!args.empty()) {
    command += " --";
    for (const auto& a : args) {
      command += " " + quoted(a);
    }
  }
  command += " 2>&1";
  WrkRun run;
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) {
    run.output = "cannot run wrk";
    return run;
  }
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, out) != nullptr) {
    run.output += buffer;
  }
  pclose(out);
  std::smatch m;
  static const std::regex total(R"((\d+) requests in ([0-9.]+)(us|ms|s|m))");
  if (std::regex_search(run.output, m, total)) {
    run.requests = std::stoul(m[1]);
    const double v = std::stod(m[2]);
    const std::string unit = m[3];
    run.seconds = unit == "us" ? v / 1e6 : unit == "ms" ? v / 1e3 : unit == "m" ? v * 60 : v;
  }
  static const std::regex not_2xx(R"(Non-2xx or 3xx responses: (\d+))");
  if (std::regex_search(run.output, m, not_2xx)) {
    run.not_2xx = std::stoul(m[1]);
  }
  static const std::regex errors(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))");
  if (std::regex_search(run.output, m, errors)) {
    run.socket_errors = std::stoul(m[1]) + std::stoul(m[2]) + std::stoul(m[3]) + std::stoul(m[4]);
  }
  return run;
}

}  // namespace hubbub::bench
