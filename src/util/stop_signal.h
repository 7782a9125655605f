#pragma once
// A periodic thread's sleep that stop() cuts short. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace hubbub {

class StopSignal {
 public:
  // Sleeps for `duration`; false when stopped (before or during the sleep).
  template <class Rep, class Period>
  bool sleep_for(std::chrono::duration<Rep, Period> duration) {
    std::unique_lock lock(m_mutex);
    return !m_cv.wait_for(lock, duration, [this] { return m_stopped; });
  }
  void stop() {
    {
      std::lock_guard lock(m_mutex);
      m_stopped = true;
    }
    m_cv.notify_all();
  }
  bool stopped() const {
    std::lock_guard lock(m_mutex);
    return m_stopped;
  }

 private:
  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_stopped = false;  // guarded by m_mutex
};

}  // namespace hubbub
