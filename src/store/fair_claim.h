#pragma once
// Sharing one claim between origins (websub/store.h, OriginShare), for every
// engine: the engine supplies the claim and the hand-back, this decides who
// keeps what.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "util/result.h"
#include "websub/store.h"

namespace hubbub {

// The most rounds a fair claim takes: each round finds at least one more
// origin out of room, so a few rounds serve even a queue led by several
// greedy hosts; what a round left unclaimed waits for the next claim.
constexpr int k_fair_claim_rounds = 4;

// Claims up to `max` jobs into `out`, sharing them between origins as
// `share` says. `claim(n, busy, jobs)` claims up to n due jobs whose origin
// is not in `busy` into `jobs`; a job beyond its origin's room is handed back
// with `unclaim(job)`, and its origin is skipped by the next round. Meant to
// run inside the caller's write transaction: one commit.
template <class Job, class Claim, class OriginOf, class Unclaim>
Status claim_fairly(std::size_t max, const OriginShare& share, std::vector<Job>& out, Claim claim, OriginOf origin_of,
                    Unclaim unclaim) {
  std::map<std::string, std::size_t> running = share.in_flight;
  std::vector<std::string> busy;
  auto full = [&](const std::string& origin) { return share.per_origin > 0 && running[origin] >= share.per_origin; };
  for (const auto& [origin, n] : running) {
    if (share.per_origin > 0 && n >= share.per_origin) {
      busy.push_back(origin);
    }
  }
  for (int round = 0; round < k_fair_claim_rounds && out.size() < max; ++round) {
    std::vector<Job> claimed;
    HUBBUB_TRY(claim(max - out.size(), busy, claimed));
    bool handed_back = false;
    for (auto& job : claimed) {
      const std::string origin = origin_of(job);
      if (full(origin)) {
        HUBBUB_TRY(unclaim(job));
        handed_back = true;
        continue;
      }
      if (++running[origin] == share.per_origin) {
        busy.push_back(origin);
      }
      out.push_back(std::move(job));
    }
    if (!handed_back) {
      break;  // the claim was all it could be: full, or nothing more is due
    }
  }
  return {};
}

}  // namespace hubbub
