#pragma once
// Periodic clean-up: removes subscriptions whose lease has ended (they stop
// counting at expiry already; this frees the rows) and purges finished status
// monitors after their retention time. It also warns when the system's
// clock has jumped away from the hub's (util/clock.h).

#include <thread>

#include "util/clock.h"
#include "util/stop_signal.h"
#include "websub/limits.h"
#include "websub/store.h"

namespace hubbub {

class Housekeeper {
 public:
  Housekeeper(Housekeeping& store, const Clock& clock, Millis interval = k_housekeeping_interval,
              Millis retention = k_request_retention);
  ~Housekeeper();
  Housekeeper(const Housekeeper&) = delete;
  Housekeeper& operator=(const Housekeeper&) = delete;

  void start();
  void stop();
  // One sweep, now, on the calling thread.
  void sweep();

 private:
  Housekeeping& m_store;
  const Clock& m_clock;
  Millis m_interval;
  Millis m_retention;
  Millis m_reported_offset{0};  // sweep() only
  StopSignal m_stop;
  std::thread m_thread;
};

}  // namespace hubbub
