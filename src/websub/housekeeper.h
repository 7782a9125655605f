#pragma once
// The node's periodic work, on a thread of its own, every k_node_tick:
// - leadership: it takes or renews this node's lease on the leadership of
//   the sweeps (Coordination::hold_leadership); on SQLite the node always
//   leads, on PostgreSQL one node at a time does, and when it dies another
//   takes over once the lease lapses (k_leader_ttl);
// - sweeps, only while leading (at once when leadership is gained, then
//   every sweep interval): it removes subscriptions whose lease has ended
//   (they stop counting at expiry already; this frees the rows) and purges
//   finished status monitors after their retention time. Sweeps are
//   idempotent, so two nodes sweeping at the edge of a lease do no harm;
// - re-confirmation, only while leading, every tick when reconfirm_before is
//   set: verifications of intent queued for the subscriptions whose lease
//   is about to end (Housekeeping::queue_reconfirmations);
// - claims, when the database is shared: this node's live claims renewed
//   (Coordination::renew_claims), so that only a dead node's lapse;
// - `refresh`, when the database is shared: what the node counts in memory
//   read again from the database (other nodes change it);
// - it warns when the system's clock has jumped away from the hub's
//   (util/clock.h).

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "util/clock.h"
#include "util/stop_signal.h"
#include "websub/limits.h"
#include "websub/store.h"

namespace hubbub {

struct HousekeeperSettings {
  Millis tick = k_node_tick;
  Millis sweep_interval = k_housekeeping_interval;
  Millis retention = k_request_retention;  // finished status monitors
  // Finished publishes with their contents and deliveries (what a replay
  // can send again).
  Millis content_retention = k_default_content_retention;
  Millis leader_ttl = k_leader_ttl;
  Millis claim_lease = k_shared_claim;  // live claims renewed to now + this (shared)
  // Re-confirm subscriptions this long before their lease ends (at most half
  // a lease before; 0: never), calling `requests_queued` (may be empty) when
  // some were queued.
  Millis reconfirm_before{0};
  std::function<void()> requests_queued;
  // Run every tick when the database is shared; may be empty.
  std::function<void()> refresh;
};

class Housekeeper {
 public:
  Housekeeper(Housekeeping& store, Coordination& coordination, const Clock& clock, HousekeeperSettings settings = {});
  ~Housekeeper();
  Housekeeper(const Housekeeper&) = delete;
  Housekeeper& operator=(const Housekeeper&) = delete;

  void start();
  // Stops the thread and gives the leadership up, if this node held it.
  void stop();
  // One tick, now, on the calling thread (what the thread does each time).
  void tick();
  // One sweep, now, on the calling thread.
  void sweep();
  // Queues the re-confirmations due now (every tick while leading).
  void reconfirm();
  // Whether this node led the sweeps at its latest tick.
  bool leading() const { return m_leading.load(); }

 private:
  Housekeeping& m_store;
  Coordination& m_coordination;
  const Clock& m_clock;
  HousekeeperSettings m_settings;
  std::atomic<bool> m_leading{false};
  std::optional<TimePoint> m_next_sweep;  // tick() only
  Millis m_reported_offset{0};            // sweep() only
  StopSignal m_stop;
  std::thread m_thread;
};

}  // namespace hubbub
