#pragma once
// The writer connection of a PostgreSQL store: GroupCommit's contract
// (store/group_commit.h) on a PgConnection. Writes from any thread are
// queued; the writer thread runs what is waiting (up to k_max_write_batch)
// in one transaction, then answers on a second thread. When a job fails the
// batch rolls back and each job runs again alone, so jobs must be safe to
// run twice. When the connection is lost, every job of the batch fails with
// the reason (nothing is acknowledged that is not committed) and the writer
// reconnects before its next batch, waiting longer after each failure (up
// to k_pg_reconnect_max) so that an outage is not hammered.

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/pg_connection.h"
#include "util/batch_queue.h"
#include "util/result.h"

namespace hubbub {

class PgWriter {
 public:
  using Work = std::function<Status(PgConnection&)>;
  using Done = std::function<void(Status)>;

  explicit PgWriter(PgConnection db);
  ~PgWriter();
  PgWriter(const PgWriter&) = delete;
  PgWriter& operator=(const PgWriter&) = delete;

  void submit(Work work, Done done);
  Status run(Work work);
  void flush();
  void stop();
  // Why the database does not take writes (the latest failure of the
  // database itself), until mark_writable().
  std::optional<std::string> last_failure() const;
  void mark_writable();

 private:
  struct Job {
    Work work;
    Done done;
  };
  struct Finished {
    Done done;
    Status status;
  };
  void loop();
  void complete_loop();
  void commit_batch(std::deque<Job>& batch);
  Status run_together(std::deque<Job>& batch, std::size_t first, std::size_t last, bool& job_failed);
  // A usable session, reconnecting when the last one broke (with backoff).
  Status ensure_connected();
  void note_storage_failure(const std::string& why);

  PgConnection m_db;
  std::chrono::steady_clock::time_point m_next_reconnect{};
  std::chrono::milliseconds m_reconnect_wait{0};
  BatchQueue<Job> m_queue;
  BatchQueue<Finished> m_finished;
  std::thread m_thread;
  std::thread m_completer;
  mutable std::mutex m_failure_mutex;
  std::optional<std::string> m_last_failure;  // guarded by m_failure_mutex
};

}  // namespace hubbub
