#pragma once
// Small helpers every part of the benchmark uses.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace hubbub::bench {

// Polls `done` every millisecond until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds{1});
// `s` percent-encoded for a form body.
std::string form_encode(const std::string& s);
// The peak resident set of process `pid` (VmHWM), KiB; -1 if unknown.
long peak_rss_kib(pid_t pid);
// The value below which a share `p` (0 … 1) of `v` lies.
double percentile(std::vector<double> v, double p);
// Now, Unix seconds (nginx's $msec clock).
double unix_now();
// The CPU time this process has used so far, user and system, seconds.
double process_cpu_seconds();
// The same for process `pid` (/proc, in clock ticks: 10 ms steps); -1 if unknown.
double process_cpu_seconds(pid_t pid);

}  // namespace hubbub::bench
