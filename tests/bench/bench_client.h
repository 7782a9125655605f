#pragma once
// The fan-out's ceiling on this machine with the hub's own parts: the hub's
// outbound client (CurlHttpClient, one libcurl multi handle on one thread,
// the daemon's concurrency limits) POSTing signed 1 KiB notifications to the
// nginx sink as fast as it can, with no database, no claims and no retries.
// A fan-out cannot deliver faster than this; the gap between the two is the
// hub's own cost per delivery.

#include <cstddef>

#include "bench/bench_nginx.h"

namespace hubbub::bench {

struct ClientRun {
  double rate = 0;    // requests/s; 0 if any answer was wrong
  double cpu_us = 0;  // this process's CPU time per request, µs (the client is all it runs then)
};

// Deliveries/s for `count` POSTs spread over the sink's addresses, each
// signed with its own HMAC-SHA256 like a delivery with a secret; 0 if not
// every POST was answered 2xx.
ClientRun client_post_rate(const Nginx& nginx, std::size_t count);

// Verifications/s for `count` GETs of intent with a fresh challenge each,
// spread over the sink's addresses, the echo compared like the verifier
// does; 0 if any answer was not the challenge. Intake cannot be sustained
// faster than this, since every accepted request is verified meanwhile.
ClientRun client_verify_rate(const Nginx& nginx, std::size_t count);

}  // namespace hubbub::bench
