#pragma once
// Store writes made synchronous for tests: submit, then wait for `done`; and
// the clock stores are opened with when a test does not care about it.

#include <functional>
#include <future>

#include "util/clock.h"
#include "websub/store.h"

namespace hubbub::test {

inline Status wait_for_write(const std::function<void(Store::Done)>& write) {
  std::promise<Status> p;
  write([&p](Status s) { p.set_value(s); });
  return p.get_future().get();
}

// The time unit tests start at (2027-01-15).
inline const TimePoint k_t0 = from_unix_ms(1'800'000'000'000);

// Stamps what no write of a test dates (migrations, a detached copy's name).
inline const Clock& store_clock() {
  static const ManualClock clock(k_t0);
  return clock;
}

}  // namespace hubbub::test
