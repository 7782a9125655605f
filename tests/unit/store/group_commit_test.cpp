// The single writer: batches, the replay that keeps one failing job from
// undoing the others, transactions that roll back, and stopping.

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <vector>

#include "store/database.h"
#include "store/group_commit.h"
#include "support/temp_dir.h"

using namespace hubbub;

namespace {

Database open_table_db(const std::string& path) {
  auto db = Database::open(path, Database::Access::read_write_create);
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE IF NOT EXISTS t (v INTEGER PRIMARY KEY)"));
  return std::move(*db);
}

std::int64_t rows(const std::string& path) {
  auto db = Database::open(path, Database::Access::read_only);
  REQUIRE(db);
  return db->scalar("SELECT count(*) FROM t").value();
}

GroupCommit::Work insert(std::int64_t v) {
  return [v](Database& db) -> Status {
    auto q = db.query("INSERT INTO t (v) VALUES (?)");
    if (!q) {
      return std::unexpected(q.error());
    }
    q->bind(1, v);
    return q->run();
  };
}

// Holds the writer in a job until the promise is kept, so that the jobs
// queued meanwhile form one batch.
// Holds the writer in a job of its own until the returned promise is set.
// Returns once that job runs, so the jobs queued next make one batch (were
// they queued before the writer took the hold job, some could join its
// batch: a TSan CI run once saw that).
std::promise<void> hold(GroupCommit& writer) {
  std::promise<void> release;
  auto released = release.get_future().share();
  auto running = std::make_shared<std::promise<void>>();
  auto started = running->get_future();
  writer.submit(
      [released, running](Database&) mutable -> Status {
        if (running) {
          running->set_value();
          running.reset();
        }
        released.wait();
        return {};
      },
      [](Status) {});
  started.wait();
  return release;
}

}  // namespace

TEST_CASE("a transaction that is not committed rolls back", "[store][database]") {
  test::TempDir dir;
  Database db = open_table_db(dir.file("t.db"));
  {
    Transaction txn(db);
    REQUIRE(txn.begin());
    REQUIRE(insert(1)(db));
  }  // no commit
  CHECK(db.scalar("SELECT count(*) FROM t").value() == 0);
  {
    Transaction txn(db);
    REQUIRE(txn.begin());
    REQUIRE(insert(2)(db));
    REQUIRE(txn.commit());
  }
  CHECK(db.scalar("SELECT count(*) FROM t").value() == 1);
}

TEST_CASE("group commit: jobs queued together commit in one batch, answered in order", "[store][group_commit]") {
  test::TempDir dir;
  GroupCommit writer(open_table_db(dir.file("t.db")));
  std::promise<void> release = hold(writer);
  std::vector<int> order;
  std::mutex mutex;
  for (int i = 1; i <= 5; ++i) {
    writer.submit(insert(i), [&, i](Status s) {
      CHECK(s);
      std::lock_guard lock(mutex);
      order.push_back(i);
    });
  }
  release.set_value();
  writer.flush();
  CHECK(order == std::vector<int>{1, 2, 3, 4, 5});
  CHECK(rows(dir.file("t.db")) == 5);
}

TEST_CASE("group commit: one failing job fails alone, the rest of its batch commits", "[store][group_commit]") {
  test::TempDir dir;
  GroupCommit writer(open_table_db(dir.file("t.db")));
  std::promise<void> release = hold(writer);
  std::atomic<int> runs_of_first{0};
  std::vector<Status> results(3);
  writer.submit(
      [&](Database& db) -> Status {
        ++runs_of_first;  // run twice: in the batch, then alone
        return insert(1)(db);
      },
      [&](Status s) { results[0] = s; });
  writer.submit(insert(1), [&](Status s) { results[1] = s; });  // a duplicate key: this one fails
  writer.submit(insert(3), [&](Status s) { results[2] = s; });
  release.set_value();
  writer.flush();
  CHECK(results[0]);
  CHECK_FALSE(results[1]);
  CHECK(results[2]);
  CHECK(runs_of_first == 2);
  CHECK(rows(dir.file("t.db")) == 2);
  // A job's own failure says nothing about the storage.
  CHECK_FALSE(writer.last_failure());
}

TEST_CASE("group commit: after stop, queued jobs are done and new ones fail at once", "[store][group_commit]") {
  test::TempDir dir;
  GroupCommit writer(open_table_db(dir.file("t.db")));
  std::atomic<int> done{0};
  for (int i = 1; i <= 20; ++i) {
    writer.submit(insert(i), [&](Status s) {
      CHECK(s);
      ++done;
    });
  }
  writer.stop();
  CHECK(done == 20);
  Status after;
  writer.submit(insert(99), [&](Status s) { after = s; });
  CHECK_FALSE(after);
  CHECK(rows(dir.file("t.db")) == 20);
}

TEST_CASE("group commit: a guard that fails refuses the whole batch and marks the storage unwritable",
          "[store][group_commit]") {
  test::TempDir dir;
  std::atomic<bool> refuse{true};
  GroupCommit writer(open_table_db(dir.file("t.db")), [&](Database&) -> Status {
    return refuse ? Status(fail("the file at the path is another one")) : Status{};
  });
  CHECK_FALSE(writer.run(insert(1)));
  REQUIRE(writer.last_failure());
  CHECK(*writer.last_failure() == "the file at the path is another one");
  refuse = false;
  CHECK(writer.run(insert(1)));
  CHECK(writer.last_failure());  // sticky until a probe proves otherwise
  writer.mark_writable();
  CHECK_FALSE(writer.last_failure());
  CHECK(rows(dir.file("t.db")) == 1);
}

TEST_CASE("a batch of nothing but jobs whose loss is harmless commits without an fsync, every other with one",
          "[store][group_commit]") {
  test::TempDir dir;
  const std::string path = dir.file("w.db");
  Database db = open_table_db(path);
  REQUIRE(db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL"));
  GroupCommit writer(std::move(db));
  // What the connection's mode is while a job runs (1 NORMAL, 2 FULL).
  auto mode_into = [](std::int64_t* out) {
    return [out](Database& db) -> Status {
      auto m = db.scalar("PRAGMA synchronous");
      if (!m) {
        return std::unexpected(m.error());
      }
      *out = *m;
      return {};
    };
  };
  std::int64_t mode = 0;
  REQUIRE(writer.run(mode_into(&mode), GroupCommit::Durability::may_be_lost));
  CHECK(mode == 1);
  REQUIRE(writer.run(mode_into(&mode)));
  CHECK(mode == 2);  // durable again

  // A batch that mixes both is durable: hold the writer so that they make one.
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> holding;
  writer.submit(
      [released, &holding](Database&) -> Status {
        holding.set_value();
        released.wait();
        return {};
      },
      [](Status) {}, GroupCommit::Durability::may_be_lost);
  holding.get_future().wait();
  std::int64_t in_mixed = 0;
  std::promise<Status> mixed_done;
  writer.submit(
      mode_into(&in_mixed), [](Status) {}, GroupCommit::Durability::may_be_lost);
  writer.submit(insert(1), [&mixed_done](Status s) { mixed_done.set_value(s); });
  release.set_value();
  REQUIRE(mixed_done.get_future().get());
  CHECK(in_mixed == 2);
  CHECK(rows(path) == 1);
}
