#pragma once
// The single writer of a SQLite database. Writes from any thread are queued;
// the writer thread runs as many as are waiting (up to k_max_write_batch) in
// one BEGIN IMMEDIATE … COMMIT: one fsync acknowledges a whole batch (group
// commit). The jobs' `done` callbacks then run, in order, on a second thread,
// so that the writer starts the next batch while answers go out. If a job fails, the batch
// is rolled back and every job is run again in a transaction of its own, so
// that one failing job never undoes the others. Jobs must therefore be safe
// to run twice: they reset any output they fill in.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/database.h"
#include "util/result.h"

namespace hubbub {

class GroupCommit {
 public:
  using Work = std::function<Status(Database&)>;
  using Done = std::function<void(Status)>;

  // Takes the write connection; starts the writer thread.
  explicit GroupCommit(Database db);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Queues `work`; `done` runs on the completion thread after the batch
  // commits (or with the error that stopped it). After stop(), fails at once.
  void submit(Work work, Done done);
  // submit() and wait for the result.
  Status run(Work work);
  // Waits until every job submitted before the call is done.
  void flush();
  // Finishes the queued jobs and joins the writer thread.
  void stop();

 private:
  struct Job {
    Work work;
    Done done;
  };
  void loop();
  void complete_loop();
  void commit_batch(std::deque<Job>& batch);
  Status run_together(std::deque<Job>& batch, std::size_t first, std::size_t last);

  Database m_db;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<Job> m_queue;  // guarded by m_mutex
  bool m_stopping = false;  // guarded by m_mutex
  std::thread m_thread;

  // Committed jobs waiting for their `done` to run.
  struct Finished {
    Done done;
    Status status;
  };
  std::mutex m_finished_mutex;
  std::condition_variable m_finished_cv;
  std::deque<Finished> m_finished;  // guarded by m_finished_mutex
  bool m_writer_done = false;       // guarded by m_finished_mutex
  std::thread m_completer;
};

}  // namespace hubbub
