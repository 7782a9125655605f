#pragma once
// The scale curve: the hub with 10,000, 100,000 and 1,000,000 stored
// subscriptions (a tenth of them, at most 100,000, on one topic), each size
// written straight into the database while the hub is stopped, then the hub
// started on it and measured: the durable subscribe's latency, the cost per
// delivery of a 1,000-subscriber fan-out, the big topic's fan-out, the hub's
// peak RSS and the database's size. Flat latency and per-delivery cost from
// the first size to the last are the goal; the RSS goal is 64 MiB.

#include <cstddef>
#include <string>
#include <vector>

#include "bench/bench_nginx.h"

namespace hubbub::bench {

struct ScaleOptions {
  std::size_t up_to = 1'000'000;
  std::vector<std::string> hub_args;
};

// Runs the curve on `database` (an empty SQLite path or PostgreSQL
// database) and prints it; `name` heads the table.
void run_scale(const std::string& name, const std::string& database, const ScaleOptions& options, Nginx& nginx);

}  // namespace hubbub::bench
