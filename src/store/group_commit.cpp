#include "store/group_commit.h"

#include <future>
#include <vector>

#include "websub/limits.h"

namespace hubbub {
namespace {

// A parameterless statement through the connection's statement cache.
Status statement(Database& db, const std::string& sql) {
  auto q = db.query(sql);
  if (!q) {
    return std::unexpected(q.error());
  }
  return q->run();
}

}  // namespace

GroupCommit::GroupCommit(Database db) : m_db(std::move(db)) {
  m_thread = std::thread([this] { loop(); });
}

GroupCommit::~GroupCommit() { stop(); }

void GroupCommit::submit(Work work, Done done) {
  {
    std::lock_guard lock(m_mutex);
    if (!m_stopping) {
      m_queue.push_back({std::move(work), std::move(done)});
      m_cv.notify_one();
      return;
    }
  }
  done(fail("the database writer has stopped"));
}

Status GroupCommit::run(Work work) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  submit(std::move(work), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

void GroupCommit::flush() {
  (void)run([](Database&) -> Status { return {}; });
}

void GroupCommit::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void GroupCommit::loop() {
  for (;;) {
    std::deque<Job> batch;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
      if (m_queue.empty()) {
        return;  // stopping and drained
      }
      const std::size_t n = std::min(m_queue.size(), k_max_write_batch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(m_queue.front()));
        m_queue.pop_front();
      }
    }
    commit_batch(batch);
  }
}

void GroupCommit::commit_batch(std::deque<Job>& batch) {
  std::vector<Status> results(batch.size());
  Transaction txn(m_db);
  Status outcome = txn.begin();
  if (outcome) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (auto s = statement(m_db, "SAVEPOINT job"); !s) {
        results[i] = s;
        continue;
      }
      results[i] = batch[i].work(m_db);
      if (!results[i]) {
        (void)statement(m_db, "ROLLBACK TO job");
      }
      (void)statement(m_db, "RELEASE job");
    }
    outcome = txn.commit();
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(outcome ? std::move(results[i]) : outcome);
  }
}

}  // namespace hubbub
