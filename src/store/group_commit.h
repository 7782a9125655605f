#pragma once
// The single writer of a SQLite database. Writes from any thread are queued;
// the writer thread runs as many as are waiting (up to k_max_write_batch) in
// one BEGIN IMMEDIATE … COMMIT, each inside its own savepoint so that one
// failing job does not undo the others, and only then calls each job's `done`.
// One fsync thus acknowledges a whole batch (group commit).

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

  // Queues `work`; `done` runs on the writer thread after the batch commits
  // (or with the error that stopped it). After stop(), fails at once.
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
  void commit_batch(std::deque<Job>& batch);

  Database m_db;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<Job> m_queue;  // guarded by m_mutex
  bool m_stopping = false;  // guarded by m_mutex
  std::thread m_thread;
};

}  // namespace hubbub
