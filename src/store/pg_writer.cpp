#include "store/pg_writer.h"

#include <algorithm>
#include <future>

#include <spdlog/spdlog.h>

#include "util/log_text.h"
#include "util/thread_name.h"
#include "websub/limits.h"

namespace hubbub {

PgWriter::PgWriter(PgConnection db, bool notify, SessionSetup setup)
    : m_db(std::move(db)), m_notify(notify), m_setup(std::move(setup)), m_backend_pid(PQbackendPID(m_db.handle())) {
  m_thread = std::thread([this] {
    name_this_thread("hub-pg-writer");
    set_up_session();
    loop();
  });
  m_completer = std::thread([this] {
    name_this_thread("hub-answers");
    complete_loop();
  });
}

PgWriter::~PgWriter() {
  stop();
}

void PgWriter::submit(Work work, Done done, unsigned wakes) {
  Job job{std::move(work), std::move(done), wakes};
  if (!m_queue.push(job)) {
    job.done(fail("the database writer has stopped"));
  }
}

void PgWriter::submit(std::shared_ptr<MergeableWrite> write, Done done, unsigned wakes) {
  Job job{[write](PgConnection& db) { return write->run(db); }, std::move(done), wakes, write};
  if (!m_queue.push(job)) {
    job.done(fail("the database writer has stopped"));
  }
}

void PgWriter::merge_neighbours(std::deque<Job>& batch) {
  std::size_t head = 0;
  for (std::size_t i = 1; i < batch.size(); ++i) {
    if (batch[head].mergeable && batch[i].mergeable && batch[head].mergeable->absorb(*batch[i].mergeable)) {
      batch[i].work = [](PgConnection&) -> Status { return {}; };  // its items run with the head's
      batch[head].wakes |= batch[i].wakes;
      batch[i].mergeable.reset();
      batch[i].merged_into = head;
    } else {
      head = i;
    }
  }
}

Status PgWriter::run(Work work, unsigned wakes) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  submit(
      std::move(work), [&promise](Status s) { promise.set_value(std::move(s)); }, wakes);
  return future.get();
}

void PgWriter::flush() {
  (void)run([](PgConnection&) -> Status { return {}; });
}

void PgWriter::stop() {
  m_queue.close();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  if (m_completer.joinable()) {
    m_completer.join();
  }
}

std::optional<std::string> PgWriter::last_failure() const {
  std::lock_guard lock(m_failure_mutex);
  return m_last_failure;
}

void PgWriter::mark_writable() {
  std::lock_guard lock(m_failure_mutex);
  m_last_failure.reset();
}

void PgWriter::note_storage_failure(const std::string& why) {
  std::lock_guard lock(m_failure_mutex);
  m_last_failure = why;
}

void PgWriter::complete_loop() {
  for (auto ready = m_finished.take(); !ready.empty(); ready = m_finished.take()) {
    for (auto& f : ready) {
      f.done(std::move(f.status));
    }
  }
}

void PgWriter::loop() {
  for (auto batch = m_queue.take(k_max_write_batch); !batch.empty(); batch = m_queue.take(k_max_write_batch)) {
    commit_batch(batch);
  }
  m_finished.close();
}

void PgWriter::set_up_session() {
  if (!m_setup) {
    return;
  }
  if (auto s = m_setup(m_db); !s) {
    spdlog::warn("event=pg_session_setup_failed error={}", log_quoted(s.error().message));
  }
}

Status PgWriter::ensure_connected() {
  if (m_db.healthy()) {
    return {};
  }
  m_backend_pid = 0;
  const auto now = std::chrono::steady_clock::now();
  if (now < m_next_reconnect) {
    return fail(last_failure().value_or("the database is unreachable"));
  }
  auto s = m_db.reconnect();
  if (s) {
    m_reconnect_wait = std::chrono::milliseconds{0};
    m_backend_pid = PQbackendPID(m_db.handle());
    m_reconnected = true;
    set_up_session();
    return {};
  }
  m_reconnect_wait = std::clamp(m_reconnect_wait * 2, std::chrono::milliseconds{k_pg_reconnect_min},
                                std::chrono::milliseconds{k_pg_reconnect_max});
  m_next_reconnect = now + m_reconnect_wait;
  note_storage_failure(s.error().message);
  return s;
}

Status PgWriter::run_together(std::deque<Job>& batch, std::size_t first, std::size_t last, bool& job_failed) {
  job_failed = false;
  m_db.begin();  // sent with the first statement
  unsigned wakes = 0;
  for (std::size_t i = first; i < last; ++i) {
    if (auto s = batch[i].work(m_db); !s) {
      job_failed = !m_db.storage_failed();
      (void)m_db.exec_script("ROLLBACK");
      return s;
    }
    wakes |= batch[i].wakes;
  }
  // With work to announce, the NOTIFY goes in the COMMIT's round trip: it is
  // delivered to the listeners when (and only if) the transaction commits.
  // The channel is a constant and the payload a number, so the two
  // statements can be one simple query; should the NOTIFY fail, the COMMIT
  // does not run.
  const std::string finish = m_notify && wakes != 0 ? std::string("SELECT pg_notify('") + k_pg_work_channel + "', '" +
                                                          std::to_string(wakes) + "'); COMMIT"
                                                    : std::string("COMMIT");
  if (auto s = m_db.exec_script(finish); !s) {
    // A COMMIT whose answer was lost may have committed: the jobs are not
    // acknowledged, and whoever submitted them retries (they are idempotent
    // or their caller settles them again after the claim lapses).
    (void)m_db.exec_script("ROLLBACK");
    return s;
  }
  return {};
}

void PgWriter::commit_batch(std::deque<Job>& batch) {
  std::deque<Finished> finished;
  if (auto connected = ensure_connected(); !connected) {
    m_stats.record({}, false);
    for (auto& job : batch) {
      finished.push_back({std::move(job.done), connected});
    }
    m_finished.push_all(finished);
    return;
  }
  merge_neighbours(batch);
  bool job_failed = false;
  const auto started = std::chrono::steady_clock::now();
  const Status together = run_together(batch, 0, batch.size(), job_failed);
  m_stats.record(std::chrono::steady_clock::now() - started, together.has_value());
  if (!together && !job_failed) {
    note_storage_failure(together.error().message);
  }
  if (together || !job_failed || batch.size() == 1) {
    for (auto& job : batch) {
      finished.push_back({std::move(job.done), together});
    }
  } else {
    std::vector<Status> alone(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].merged_into) {
        alone[i] = alone[*batch[i].merged_into];  // its items ran with the head's
      } else {
        bool failed_alone = false;
        alone[i] = run_together(batch, i, i + 1, failed_alone);
        if (!alone[i] && !failed_alone) {
          note_storage_failure(alone[i].error().message);
        }
      }
      finished.push_back({std::move(batch[i].done), alone[i]});
    }
  }
  m_finished.push_all(finished);
}

}  // namespace hubbub
