#include "server/connection_limit.h"

#include <algorithm>

#include "websub/limits.h"

namespace hubbub {

ConnectionLimit::ConnectionLimit(std::size_t max) : m_state(std::make_shared<State>(max)) {}

std::size_t ConnectionLimit::automatic(rlim_t fd_limit) {
  if (fd_limit == RLIM_INFINITY) {
    return k_max_connections_ceiling;
  }
  const auto limit = static_cast<std::size_t>(fd_limit);
  const std::size_t room = limit > k_reserved_fds ? limit - k_reserved_fds : 0;
  return std::clamp(room, std::min(k_min_connections, limit / 2), k_max_connections_ceiling);
}

std::shared_ptr<void> ConnectionLimit::admit(std::uint64_t* refusal) {
  const std::size_t now_open = m_state->open.fetch_add(1, std::memory_order_relaxed) + 1;
  if (m_state->max > 0 && now_open > m_state->max) {
    m_state->open.fetch_sub(1, std::memory_order_relaxed);
    const std::uint64_t n = m_state->refused.fetch_add(1, std::memory_order_relaxed) + 1;
    if (refusal != nullptr) {
      *refusal = n;
    }
    return nullptr;
  }
  // The token owns nothing but the slot: its deleter gives the slot back.
  auto state = m_state;
  return {static_cast<void*>(state.get()), [state](void*) { state->open.fetch_sub(1, std::memory_order_relaxed); }};
}

}  // namespace hubbub
