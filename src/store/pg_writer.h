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
//
// Wake-ups between nodes: a job may say which kinds of work it makes due
// (Coordination::Work). When notifying is on, a batch whose jobs made work
// due sends one NOTIFY on k_pg_work_channel inside its transaction (so it is
// delivered at the commit, and only then), its payload the mask of kinds:
// one per commit batch however many jobs it holds, never one per job.

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/commit_stats.h"
#include "store/pg_connection.h"
#include "util/batch_queue.h"
#include "util/result.h"

namespace hubbub {

// A write whose items can join those of the same kind submitted right after
// it, so that a batch runs them as one statement (a batch of delivery
// outcomes settled by one UPDATE, not one per outcome). Only neighbours in
// the queue merge, so writes still commit in submission order.
class MergeableWrite {
 public:
  virtual ~MergeableWrite() = default;
  // Takes `next`'s items when it is of the same kind; true when it did
  // (`next` then has nothing left to run).
  virtual bool absorb(MergeableWrite& next) = 0;
  virtual Status run(PgConnection& db) = 0;
};

// The usual mergeable write: a list of `Item`s that neighbours of the same
// type `Self` join (when Self::joins() allows), run by Self::run() on
// m_items.
template <class Self, class Item>
class MergeableItems : public MergeableWrite {
 public:
  explicit MergeableItems(Item first) { m_items.push_back(std::move(first)); }
  explicit MergeableItems(std::vector<Item> items) : m_items(std::move(items)) {}

  bool absorb(MergeableWrite& next) override {
    auto* other = dynamic_cast<Self*>(&next);
    if (other == nullptr || !static_cast<const Self*>(this)->joins(*other)) {
      return false;
    }
    m_items.insert(m_items.end(), std::make_move_iterator(other->m_items.begin()),
                   std::make_move_iterator(other->m_items.end()));
    other->m_items.clear();
    return true;
  }
  // Whether `other`'s items may join these (all may, unless Self says not).
  bool joins(const Self&) const { return true; }

 protected:
  std::vector<Item> m_items;
};

class PgWriter {
 public:
  using Work = std::function<Status(PgConnection&)>;
  using Done = std::function<void(Status)>;

  // Sets up a session of the writer (the first and each after a
  // reconnect); a failure is logged and the session used as it is.
  using SessionSetup = std::function<Status(PgConnection&)>;

  PgWriter(PgConnection db, bool notify, SessionSetup setup = {});
  ~PgWriter();
  PgWriter(const PgWriter&) = delete;
  PgWriter& operator=(const PgWriter&) = delete;

  // `wakes`: the kinds of work the job makes due, for the other nodes.
  void submit(Work work, Done done, unsigned wakes = 0);
  // A write that may merge with its neighbours (MergeableWrite).
  void submit(std::shared_ptr<MergeableWrite> write, Done done, unsigned wakes = 0);
  Status run(Work work, unsigned wakes = 0);
  void flush();
  void stop();
  // Why the database does not take writes (the latest failure of the
  // database itself), until mark_writable().
  std::optional<std::string> last_failure() const;
  void mark_writable();
  // The server process of the writer's session (its notifications carry
  // it), 0 while disconnected.
  int backend_pid() const { return m_backend_pid.load(); }
  StoreHealth health() const { return m_stats.read(m_backend_pid.load() != 0); }
  // Whether the writer opened a new session since the last call.
  bool take_reconnected() { return m_reconnected.exchange(false); }

 private:
  struct Job {
    Work work;
    Done done;
    unsigned wakes = 0;
    std::shared_ptr<MergeableWrite> mergeable;
    std::optional<std::size_t> merged_into;  // the job whose statement carries its items
  };
  // Folds each run of mergeable neighbours in `batch` into its first job.
  static void merge_neighbours(std::deque<Job>& batch);
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

  void set_up_session();

  CommitStats m_stats;
  PgConnection m_db;
  const bool m_notify;
  const SessionSetup m_setup;
  std::atomic<int> m_backend_pid{0};
  std::atomic<bool> m_reconnected{false};
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
