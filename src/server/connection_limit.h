#pragma once
// A cap on the connections the HTTP server keeps open (reliability-plan A5).
// Pistache 0.0.5 has no such cap, and when accept() meets EMFILE it spins a
// core until descriptors free up (engineering notes, bug 6). So every
// accepted connection takes a slot here; past the cap it is answered 503 and
// closed at once, and the descriptors kept in reserve stay free for outbound
// requests, the database and the log.

#include <sys/resource.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace hubbub {

class ConnectionLimit {
 public:
  explicit ConnectionLimit(std::size_t max);  // 0: no cap

  // The cap that fits `fd_limit` descriptors (RLIMIT_NOFILE), keeping
  // k_reserved_fds of them for everything else.
  static std::size_t automatic(rlim_t fd_limit);

  // A slot for a new connection, held for as long as the returned token
  // lives; null when the cap is reached (counted as refused, and
  // `refusal`, when given, set to which refusal this is: 1 for the first).
  std::shared_ptr<void> admit(std::uint64_t* refusal = nullptr);

  std::size_t max() const { return m_state->max; }
  std::size_t open() const { return m_state->open.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return m_state->refused.load(std::memory_order_relaxed); }

 private:
  struct State {
    explicit State(std::size_t m) : max(m) {}
    const std::size_t max;
    std::atomic<std::size_t> open{0};
    std::atomic<std::uint64_t> refused{0};
  };
  // Shared with the tokens, which may outlive this object in Pistache's peers.
  std::shared_ptr<State> m_state;
};

}  // namespace hubbub
