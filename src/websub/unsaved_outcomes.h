#pragma once
// Outcomes of settled work whose write failed (a full or locked database),
// kept in memory so that they are written again as soon as the store takes
// writes, instead of the work running again when its claim lapses. Bounded by
// k_max_unsaved_outcomes; beyond it the rest wait for their claim to lapse,
// which repeats the work but never loses it. Thread-safe.

#include <mutex>
#include <utility>
#include <vector>

#include "websub/limits.h"

namespace hubbub {

template <class Outcome>
class UnsavedOutcomes {
 public:
  void keep(Outcome outcome) {
    std::lock_guard lock(m_mutex);
    if (m_outcomes.size() < k_max_unsaved_outcomes) {
      m_outcomes.push_back(std::move(outcome));
    }
  }
  // Everything kept so far, to be written again.
  std::vector<Outcome> take() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_outcomes, {});
  }

 private:
  std::mutex m_mutex;
  std::vector<Outcome> m_outcomes;  // guarded by m_mutex
};

}  // namespace hubbub
