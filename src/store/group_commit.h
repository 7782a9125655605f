#pragma once
// The single writer of a SQLite database. Writes from any thread are queued;
// the writer thread runs as many as are waiting (up to k_max_write_batch) in
// one BEGIN IMMEDIATE … COMMIT: one fsync acknowledges a whole batch (group
// commit). The jobs' `done` callbacks then run, in order, on a second thread,
// so that the writer starts the next batch while answers go out. If a job
// fails, the batch is rolled back and every job is run again in a transaction
// of its own, so that one failing job never undoes the others; jobs must
// therefore be safe to run twice (they reset any output they fill in). If the
// database itself refuses (locked, full, read-only), every job of the batch
// fails at once with that error: no replay, no second wait.
//
// An optional guard runs before every batch (the store checks there that its
// file is still the one at its path); when it fails, so does every job of the
// batch. A failure of the storage itself (full, I/O, read-only, corrupt, or
// the guard), in a batch or in one job, marks the database unwritable until
// a write proves otherwise (mark_writable(), after a probe that needs room).
//
// A job may say that losing it in a crash is harmless (Durability::may_be_lost:
// a claim, which the store releases at start anyway). A batch of nothing but
// such jobs commits without an fsync (synchronous=NORMAL until the next
// durable batch, which sets FULL again before it begins); the next durable
// commit's fsync covers it too.

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/commit_stats.h"
#include "store/database.h"
#include "util/batch_queue.h"
#include "util/result.h"

namespace hubbub {

class GroupCommit {
 public:
  using Work = std::function<Status(Database&)>;
  using Done = std::function<void(Status)>;

  using Guard = std::function<Status(Database&)>;
  enum class Durability { durable, may_be_lost };

  // Takes the write connection; starts the writer thread.
  explicit GroupCommit(Database db, Guard guard = {});
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Queues `work`; `done` runs on the completion thread after the batch
  // commits (or with the error that stopped it). After stop(), fails at once.
  void submit(Work work, Done done, Durability durability = Durability::durable);
  // submit() and wait for the result.
  Status run(Work work, Durability durability = Durability::durable);
  // Waits until every job submitted before the call is done.
  void flush();
  // Finishes the queued jobs and joins the writer thread.
  void stop();
  // Why the database does not take writes: the latest failure of the
  // storage itself, until mark_writable(). Never blocks.
  std::optional<std::string> last_failure() const;
  // A write that needs room has just committed.
  void mark_writable();

  StoreHealth health() const { return m_stats.read(true); }

 private:
  struct Job {
    Work work;
    Done done;
    Durability durability = Durability::durable;
  };
  void loop();
  void complete_loop();
  void commit_batch(std::deque<Job>& batch);
  // Runs jobs [first, last) in one transaction. job_failed tells whether a
  // job's own work failed (rather than BEGIN or COMMIT).
  Status run_together(std::deque<Job>& batch, std::size_t first, std::size_t last, bool& job_failed);
  // Whether the connection's latest error is the storage's (full, I/O,
  // read-only, corrupt, cannot open) rather than a job's own.
  bool storage_failed() const;
  void note_storage_failure(const std::string& why);

  Database m_db;
  Guard m_guard;
  int m_failed_code = 0;           // SQLite's code for the latest failed transaction (writer thread)
  bool m_synchronous_full = true;  // the connection's mode (writer thread); the store opens it FULL
  BatchQueue<Job> m_queue;
  std::thread m_thread;

  // Committed jobs waiting for their `done` to run.
  struct Finished {
    Done done;
    Status status;
  };
  BatchQueue<Finished> m_finished;
  CommitStats m_stats;
  std::thread m_completer;

  mutable std::mutex m_failure_mutex;
  std::optional<std::string> m_last_failure;  // guarded by m_failure_mutex
};

}  // namespace hubbub
