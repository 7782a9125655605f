#pragma once
// The claim loop shared by the verifier, the fetcher and the distributor: on
// its own thread, while fewer than max_in_flight jobs are running it asks for
// more (claim), then sleeps until the next job falls due, until wake(), or
// until a running job ends. Jobs run asynchronously; each calls job_done()
// exactly once when it is settled.
//
// Under load it claims in batches: while jobs are running it waits until an
// eighth of the slots are free, so that a claim (a write transaction) serves
// many jobs. When nothing is running it claims at once, so an idle hub reacts
// within a millisecond. When its last claim took all it found and since then
// only jobs ended, the last running one among them (no wake()), it asks
// next_due first and claims only if something is due by now: no empty claim
// after every last job.
//
// It is not a queue: what it waits for (woken, and a batch of slots free, or
// the next due time) depends on its in-flight count, so that count, the wake
// flag and the stop flag share one lock and one condition variable here. The
// queue-and-worker pattern is util/batch_queue.h (the database writer and its
// completion thread); a periodic thread's sleep is util/stop_signal.h.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "util/clock.h"
#include "util/result.h"

namespace hubbub {

class JobLoop {
 public:
  // Claims and starts up to `free` jobs; returns how many it started.
  using Claim = std::function<Result<std::size_t>(std::size_t free)>;
  // When the earliest waiting job falls due, if any.
  using NextDue = std::function<Result<std::optional<TimePoint>>()>;

  JobLoop(std::string name, const Clock& clock, std::size_t max_in_flight, Claim claim, NextDue next_due);
  ~JobLoop();
  JobLoop(const JobLoop&) = delete;
  JobLoop& operator=(const JobLoop&) = delete;

  void start();
  // New work may be due. Thread-safe.
  void wake();
  // A started job is settled. Thread-safe.
  void job_done();
  // Takes up to `want` free slots for jobs claimed elsewhere and started by
  // the caller (each then ends with job_done()); 0 when stopping or not
  // started. Thread-safe.
  std::size_t reserve(std::size_t want);
  // Gives back `n` reserved slots no job was started in. Thread-safe.
  void release(std::size_t n);
  // Stops claiming, then waits up to `grace` for running jobs; returns how
  // many are still running.
  std::size_t stop(Millis grace);
  // Waits until no job is running.
  void wait_idle();
  // Started and not stopped, and its thread has not ended.
  bool running() const;

 private:
  void run();
  bool would_claim() const;  // requires m_mutex

  const std::string m_name;
  const Clock& m_clock;
  const std::size_t m_max_in_flight;
  const std::size_t m_min_batch;
  Claim m_claim;
  NextDue m_next_due;

  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_started = false;       // guarded by m_mutex
  bool m_ended = false;         // guarded by m_mutex
  std::size_t m_in_flight = 0;  // guarded by m_mutex
  bool m_woken = false;         // guarded by m_mutex: wake() was called
  bool m_settled = false;       // guarded by m_mutex: a job ended (job_done)
  bool m_stopping = false;      // guarded by m_mutex
  std::thread m_thread;
};

}  // namespace hubbub
