#include "store/group_commit.h"

#include <sqlite3.h>

#include <algorithm>
#include <future>
#include <vector>

#include "util/thread_name.h"
#include "websub/limits.h"

namespace hubbub {
GroupCommit::GroupCommit(Database db, Guard guard) : m_db(std::move(db)), m_guard(std::move(guard)) {
  m_thread = std::thread([this] {
    name_this_thread("hub-writer");
    loop();
  });
  m_completer = std::thread([this] {
    name_this_thread("hub-answers");
    complete_loop();
  });
}

GroupCommit::~GroupCommit() {
  stop();
}

void GroupCommit::submit(Work work, Done done, Durability durability) {
  Job job{std::move(work), std::move(done), durability};
  if (!m_queue.push(job)) {
    job.done(fail("the database writer has stopped"));
  }
}

Status GroupCommit::run(Work work, Durability durability) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  submit(
      std::move(work), [&promise](Status s) { promise.set_value(std::move(s)); }, durability);
  return future.get();
}

void GroupCommit::flush() {
  (void)run([](Database&) -> Status { return {}; });
}

void GroupCommit::stop() {
  m_queue.close();
  if (m_thread.joinable()) {
    m_thread.join();  // the writer drains the queue, then closes m_finished
  }
  if (m_completer.joinable()) {
    m_completer.join();
  }
}

void GroupCommit::complete_loop() {
  // Empty once the writer has stopped and everything is answered.
  for (auto ready = m_finished.take(); !ready.empty(); ready = m_finished.take()) {
    for (auto& f : ready) {
      f.done(std::move(f.status));
    }
  }
}

void GroupCommit::loop() {
  // Empty once stopping and drained.
  for (auto batch = m_queue.take(k_max_write_batch); !batch.empty(); batch = m_queue.take(k_max_write_batch)) {
    commit_batch(batch);
  }
  m_finished.close();
}

Status GroupCommit::run_together(std::deque<Job>& batch, std::size_t first, std::size_t last, bool& job_failed) {
  job_failed = false;
  m_failed_code = SQLITE_OK;
  // The error code is taken before the transaction rolls back (which resets it).
  auto failed = [this](Status s) {
    m_failed_code = sqlite3_extended_errcode(m_db.handle());
    return s;
  };
  // Nothing but jobs whose loss is harmless: no fsync for this commit. The
  // mode is switched only when it changes, and a durable batch never begins
  // before synchronous=FULL is back.
  const bool may_be_lost =
      std::all_of(batch.begin() + static_cast<std::ptrdiff_t>(first), batch.begin() + static_cast<std::ptrdiff_t>(last),
                  [](const Job& job) { return job.durability == Durability::may_be_lost; });
  if (may_be_lost == m_synchronous_full) {
    if (auto set = m_db.exec(may_be_lost ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL"); set) {
      m_synchronous_full = !may_be_lost;
    } else if (!may_be_lost) {
      return failed(std::move(set));
    }
  }
  Transaction txn(m_db);
  if (auto s = txn.begin(); !s) {
    return failed(std::move(s));
  }
  for (std::size_t i = first; i < last; ++i) {
    if (auto s = batch[i].work(m_db); !s) {
      job_failed = true;
      return failed(std::move(s));  // the transaction rolls back
    }
  }
  if (auto s = txn.commit(); !s) {
    return failed(std::move(s));
  }
  return {};
}

std::optional<std::string> GroupCommit::last_failure() const {
  std::lock_guard lock(m_failure_mutex);
  return m_last_failure;
}

void GroupCommit::mark_writable() {
  std::lock_guard lock(m_failure_mutex);
  m_last_failure.reset();
}

bool GroupCommit::storage_failed() const {
  switch (m_failed_code & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return true;
    default:
      return false;
  }
}

void GroupCommit::note_storage_failure(const std::string& why) {
  std::lock_guard lock(m_failure_mutex);
  m_last_failure = why;
}

void GroupCommit::commit_batch(std::deque<Job>& batch) {
  std::deque<Finished> finished;
  if (m_guard) {
    if (auto guarded = m_guard(m_db); !guarded) {
      note_storage_failure(guarded.error().message);
      for (auto& job : batch) {
        finished.push_back({std::move(job.done), guarded});
      }
      batch.clear();
    }
  }
  bool job_failed = false;
  const auto started = std::chrono::steady_clock::now();
  const Status together = batch.empty() ? Status{} : run_together(batch, 0, batch.size(), job_failed);
  if (!batch.empty()) {
    m_stats.record(std::chrono::steady_clock::now() - started, together.has_value());
  }
  if (!together && storage_failed()) {
    note_storage_failure(together.error().message);
  }
  if (batch.empty()) {
    // Refused by the guard: answered above.
  } else if (together || !job_failed || batch.size() == 1) {
    for (auto& job : batch) {
      finished.push_back({std::move(job.done), together});
    }
  } else {
    // One job failed: give every job its own transaction and its own answer.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      bool failed_alone = false;
      Status alone = run_together(batch, i, i + 1, failed_alone);
      if (!alone && storage_failed()) {
        note_storage_failure(alone.error().message);
      }
      finished.push_back({std::move(batch[i].done), std::move(alone)});
    }
  }
  m_finished.push_all(finished);
}

}  // namespace hubbub
