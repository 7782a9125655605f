#include "websub/job_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "util/log_text.h"
#include "util/thread_name.h"

namespace hubbub {
namespace {

constexpr auto k_idle_poll = std::chrono::milliseconds{1000};
constexpr auto k_error_pause = std::chrono::milliseconds{1000};

}  // namespace

JobLoop::JobLoop(std::string name, const Clock& clock, std::size_t max_in_flight, Claim claim, NextDue next_due)
    : m_name(std::move(name)),
      m_clock(clock),
      m_max_in_flight(max_in_flight),
      m_min_batch(std::max<std::size_t>(1, max_in_flight / 8)),
      m_claim(std::move(claim)),
      m_next_due(std::move(next_due)) {}

JobLoop::~JobLoop() {
  stop(Millis{0});
  wait_idle();
}

void JobLoop::start() {
  {
    std::lock_guard lock(m_mutex);
    m_started = true;
  }
  m_thread = std::thread([this] {
    name_this_thread("hub-" + m_name);
    run();
    std::lock_guard lock(m_mutex);
    m_ended = true;
  });
}

// Whether the loop, once woken, would claim: nothing running, or a batch's
// worth of slots free. Waking it otherwise costs a context switch for nothing
// (the wake is remembered and acted on when a batch frees up).
bool JobLoop::would_claim() const {
  return m_in_flight == 0 || m_max_in_flight - m_in_flight >= m_min_batch;
}

void JobLoop::wake() {
  std::lock_guard lock(m_mutex);  // notified under it, as in job_done()
  m_woken = true;
  if (would_claim()) {
    m_cv.notify_all();
  }
}

void JobLoop::job_done() {
  // Notified under the lock: wait_idle() (and so the destructor) returns
  // only after this call is done with the condition variable.
  std::lock_guard lock(m_mutex);
  --m_in_flight;
  m_settled = true;  // a settled job may unblock the next one for its key
  if (would_claim() || m_stopping || m_in_flight == 0) {
    m_cv.notify_all();
  }
}

std::size_t JobLoop::reserve(std::size_t want) {
  std::lock_guard lock(m_mutex);
  if (!m_started || m_stopping) {
    return 0;
  }
  const std::size_t free = m_max_in_flight - std::min(m_in_flight, m_max_in_flight);
  const std::size_t n = std::min(want, free);
  m_in_flight += n;
  return n;
}

void JobLoop::release(std::size_t n) {
  if (n == 0) {
    return;
  }
  std::lock_guard lock(m_mutex);  // notified under it, as in job_done()
  m_in_flight -= std::min(n, m_in_flight);
  if (would_claim() || m_stopping || m_in_flight == 0) {
    m_cv.notify_all();
  }
}

std::size_t JobLoop::stop(Millis grace) {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  std::unique_lock lock(m_mutex);
  m_cv.wait_for(lock, grace, [this] { return m_in_flight == 0; });
  return m_in_flight;
}

bool JobLoop::running() const {
  std::lock_guard lock(m_mutex);
  return m_started && !m_stopping && !m_ended;
}

void JobLoop::wait_idle() {
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [this] { return m_in_flight == 0; });
}

void JobLoop::run() {
  bool drained = false;  // the last claim found less than it had room for
  TimePoint claimed_at;  // when the last claim ran
  for (;;) {
    std::size_t free = 0;
    bool settled_only = false;
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) {
        return;
      }
      // Only jobs ending since the last claim, the last of them among them.
      settled_only = m_settled && !m_woken && m_in_flight == 0;
      m_woken = false;
      m_settled = false;
      free = m_max_in_flight - std::min(m_in_flight, m_max_in_flight);
      if (m_in_flight > 0 && free < m_min_batch) {
        free = 0;  // wait for a batch's worth of slots
      }
      // Counted before the jobs start: one may finish before claim() returns.
      m_in_flight += free;
    }
    std::size_t started = 0;
    Millis pause = k_idle_poll;
    // When the earliest waiting job falls due; asked at most once a turn.
    Result<std::optional<TimePoint>> next;
    bool looked = false;
    if (free > 0 && settled_only && drained && m_clock.now() < claimed_at + k_idle_poll) {
      // The last running job ended since a claim that took all it found:
      // claim again only if something waiting is due. A settled job can
      // unblock the next of its key, which is then due; otherwise the claim,
      // a write transaction, would find nothing (and on a shared database sit
      // in the writer's queue in front of the next publish). While jobs run,
      // the batches claim as before: no look at next_due first. Claims that
      // lapsed (next_due does not see them) are still looked for at least
      // once an idle poll.
      next = m_next_due();
      looked = next && (!*next || **next > m_clock.now());
      if (looked) {  // nothing due: no claim
        std::lock_guard lock(m_mutex);
        m_in_flight -= free;
        if (m_in_flight == 0) {
          m_cv.notify_all();
        }
        free = 0;
      }
    }
    if (free > 0) {
      claimed_at = m_clock.now();
      auto claimed = m_claim(free);
      if (!claimed) {
        spdlog::error("event={}_claim_failed error={}", m_name, log_quoted(claimed.error().message));
        pause = k_error_pause;
      } else {
        started = *claimed;
      }
      drained = !claimed || started < free;
      {
        // The slots counted for jobs that did not start are given back; jobs
        // may have settled meanwhile, so this can be what leaves nothing
        // running: wait_idle() is told.
        std::lock_guard lock(m_mutex);
        m_in_flight -= free - started;
        if (m_in_flight == 0) {
          m_cv.notify_all();
        }
      }
      if (started > 0 && started == free) {
        continue;  // maybe more is due
      }
    }
    if (!looked) {
      next = m_next_due();
    }
    if (next && *next) {
      // Rounded up: waking a fraction early would find nothing due and fall
      // back to the idle poll.
      const auto until = std::chrono::ceil<Millis>(**next - m_clock.now());
      if (until > Millis{0}) {
        pause = std::min(pause, until);
      }
    }
    spdlog::trace("event={}_pause ms={} started={} free={}", m_name, pause.count(), started, free);
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, pause, [this] { return m_stopping || ((m_woken || m_settled) && would_claim()); });
  }
}

}  // namespace hubbub
