#pragma once
// What a store's writer counts of its commits, for /metrics: how many batches
// committed or failed, and how long the latest commit took. Written by the
// writer thread, read from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "websub/store.h"

namespace hubbub {

class CommitStats {
 public:
  void record(std::chrono::steady_clock::duration took, bool committed) {
    (committed ? m_commits : m_failures).fetch_add(1, std::memory_order_relaxed);
    if (committed) {
      m_last_commit_us.store(std::chrono::duration_cast<std::chrono::microseconds>(took).count(),
                             std::memory_order_relaxed);
    }
  }
  StoreHealth read(bool connected) const {
    StoreHealth h;
    h.connected = connected;
    h.commits = m_commits.load(std::memory_order_relaxed);
    h.failed_commits = m_failures.load(std::memory_order_relaxed);
    h.last_commit_seconds = static_cast<double>(m_last_commit_us.load(std::memory_order_relaxed)) / 1e6;
    return h;
  }

 private:
  std::atomic<std::uint64_t> m_commits{0};
  std::atomic<std::uint64_t> m_failures{0};
  std::atomic<std::int64_t> m_last_commit_us{0};
};

}  // namespace hubbub
