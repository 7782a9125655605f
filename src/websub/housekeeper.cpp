#include "websub/housekeeper.h"

#include <spdlog/spdlog.h>

#include "util/log_text.h"
#include "util/thread_name.h"

namespace hubbub {

Housekeeper::Housekeeper(Housekeeping& store, Coordination& coordination, const Clock& clock,
                         HousekeeperSettings settings)
    : m_store(store), m_coordination(coordination), m_clock(clock), m_settings(std::move(settings)) {}

Housekeeper::~Housekeeper() {
  stop();
}

void Housekeeper::start() {
  m_thread = std::thread([this] {
    name_this_thread("hub-housekeeper");
    do {
      tick();
    } while (m_stop.sleep_for(m_settings.tick));
  });
}

void Housekeeper::stop() {
  m_stop.stop();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  if (m_leading.exchange(false)) {
    if (auto s = m_coordination.release_leadership(); !s) {
      spdlog::warn("event=leadership_release_failed error={}", log_quoted(s.error().message));
    } else if (m_coordination.shared()) {
      spdlog::info("event=leadership_released");
    }
  }
}

void Housekeeper::tick() {
  const TimePoint now = m_clock.now();
  if (m_coordination.shared()) {
    if (auto s = m_coordination.renew_claims(now, now + m_settings.claim_lease); !s) {
      spdlog::warn("event=claim_renewal_failed error={}", log_quoted(s.error().message));
    }
  }
  auto held = m_coordination.hold_leadership(now, m_settings.leader_ttl);
  const bool leading = held && *held;
  if (leading != m_leading.exchange(leading)) {
    if (m_coordination.shared()) {
      if (leading) {
        spdlog::info("event=leadership_acquired");
      } else {
        spdlog::warn("event=leadership_lost error={}",
                     log_quoted(held ? std::string("another node holds it") : held.error().message));
      }
    }
    m_next_sweep = now;  // a new leader sweeps at once
  }
  if (leading && m_next_sweep && now >= *m_next_sweep) {
    sweep();
    m_next_sweep = now + m_settings.sweep_interval;
  }
  if (leading && m_settings.reconfirm_before.count() > 0) {
    reconfirm();
  }
  if (m_settings.refresh && m_coordination.shared()) {
    m_settings.refresh();
  }
}

void Housekeeper::reconfirm() {
  auto queued = m_store.queue_reconfirmations(m_clock.now(), m_settings.reconfirm_before, k_reconfirm_batch);
  if (!queued) {
    spdlog::error("event=reconfirmation_failed error={}", log_quoted(queued.error().message));
    return;
  }
  if (*queued > 0) {
    spdlog::info("event=reconfirmations_queued count={}", *queued);
    if (m_settings.requests_queued) {
      m_settings.requests_queued();
    }
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
  std::size_t expired = 0;
  if (auto n = m_store.remove_expired_subscriptions(now); !n) {
    spdlog::error("event=expiry_sweep_failed error={}", log_quoted(n.error().message));
  } else {
    expired = *n;
    if (*n > 0) {
      spdlog::info("event=subscriptions_expired count={}", *n);
    }
  }
  if (auto n = m_store.purge_finished_publishes(now - m_settings.content_retention); !n) {
    spdlog::error("event=publish_purge_failed error={}", log_quoted(n.error().message));
  }
  if (auto n = m_store.purge_finished_requests(now - m_settings.retention); !n) {
    spdlog::error("event=request_purge_failed error={}", log_quoted(n.error().message));
  } else if (*n > 0) {
    spdlog::debug("event=requests_purged count={}", *n);
  }
  spdlog::debug("event=swept subscriptions_expired={}", expired);
}

}  // namespace hubbub
