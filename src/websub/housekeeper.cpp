#include "websub/housekeeper.h"

#include <spdlog/spdlog.h>

#include "util/log_text.h"
#include "util/thread_name.h"

namespace hubbub {

Housekeeper::Housekeeper(Housekeeping& store, const Clock& clock, Millis interval, Millis retention)
    : m_store(store), m_clock(clock), m_interval(interval), m_retention(retention) {}

Housekeeper::~Housekeeper() {
  stop();
}

void Housekeeper::start() {
  m_thread = std::thread([this] {
    name_this_thread("hub-housekeeper");
    while (m_stop.sleep_for(m_interval)) {
      sweep();
    }
  });
}

void Housekeeper::stop() {
  m_stop.stop();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void Housekeeper::sweep() {
  const TimePoint now = m_clock.now();
  if (const Millis offset = m_clock.wall_offset();
      std::chrono::abs(offset - m_reported_offset) > k_clock_jump_reported) {
    spdlog::warn(
        "event=clock_jump wall_offset_ms={} note=\"the system clock moved; the hub keeps counting from its "
        "start so no lease or retry moves with it, and adopts the system clock at its next start\"",
        offset.count());
    m_reported_offset = offset;
  }
  if (auto n = m_store.remove_expired_subscriptions(now); !n) {
    spdlog::error("event=expiry_sweep_failed error={}", log_quoted(n.error().message));
  } else if (*n > 0) {
    spdlog::info("event=subscriptions_expired count={}", *n);
  }
  if (auto n = m_store.purge_finished_publishes(now - m_retention); !n) {
    spdlog::error("event=publish_purge_failed error={}", log_quoted(n.error().message));
  }
  if (auto n = m_store.purge_finished_requests(now - m_retention); !n) {
    spdlog::error("event=request_purge_failed error={}", log_quoted(n.error().message));
  } else if (*n > 0) {
    spdlog::debug("event=requests_purged count={}", *n);
  }
}

}  // namespace hubbub
