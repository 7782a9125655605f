// The PostgreSQL writer (store/pg_writer.h) on the test cluster: neighbouring
// mergeable writes run as one statement and keep their order, a batch that
// fails for one job replays the others alone (merged ones answered with their
// statement's outcome), and a commit batch that made work due sends one
// NOTIFY, delivered only once committed.
#include "store/pg_writer.h"

#include <catch2/catch.hpp>

#include <future>
#include <mutex>

#include "support/store_engines.h"

using namespace hubbub;

namespace {

// Appends values to table t, all of a merged run in one INSERT.
class AppendValues final : public MergeableWrite {
 public:
  explicit AppendValues(std::string value, int* statements) : m_statements(statements) {
    m_values.push_back(std::move(value));
  }
  bool absorb(MergeableWrite& next) override {
    auto* other = dynamic_cast<AppendValues*>(&next);
    if (other == nullptr) {
      return false;
    }
    m_values.insert(m_values.end(), other->m_values.begin(), other->m_values.end());
    other->m_values.clear();
    return true;
  }
  Status run(PgConnection& db) override {
    ++*m_statements;
    HUBBUB_TRY(db.exec("INSERT INTO t (v) SELECT unnest($1::text[])", PgParams().add_array(m_values)));
    return {};
  }

 private:
  std::vector<std::string> m_values;
  int* m_statements;
};

// Collects the outcomes of writes.
struct Outcomes {
  std::mutex mutex;
  std::vector<std::pair<std::string, bool>> seen;
  PgWriter::Done done(std::string name) {
    return [this, name](Status s) {
      std::lock_guard lock(mutex);
      seen.emplace_back(name, s.has_value());
    };
  }
};

// Holds the writer: submits a job (no wake-ups) and returns once it runs, so
// it makes a batch of its own and whatever is submitted next waits for the
// returned promise and then makes one batch together.
std::promise<void> hold_writer(PgWriter& writer, Outcomes& outcomes) {
  std::promise<void> release;
  auto released = release.get_future().share();
  auto running = std::make_shared<std::promise<void>>();
  auto started = running->get_future();
  writer.submit(
      [released, running](PgConnection&) mutable -> Status {
        if (running) {
          running->set_value();
          running.reset();
        }
        released.wait();
        return {};
      },
      outcomes.done("hold"));
  started.wait();
  return release;
}

}  // namespace

TEST_CASE("the writer merges neighbouring writes and replays a failed batch without losing them",
          "[store][postgres][pg_writer]") {
  test::PostgresDatabase db;
  {
    auto setup = db.session();
    REQUIRE(setup.exec_script("CREATE TABLE t (n BIGINT GENERATED ALWAYS AS IDENTITY, v TEXT NOT NULL)"));
  }
  PgWriter writer(db.session(), false);
  int statements = 0;
  Outcomes outcomes;
  // Hold the writer so that what follows lands in one batch.
  auto release = hold_writer(writer, outcomes);
  writer.submit(std::make_shared<AppendValues>("a", &statements), outcomes.done("a"));
  writer.submit(std::make_shared<AppendValues>("b", &statements), outcomes.done("b"));
  writer.submit([](PgConnection& db) -> Status { return db.exec_script("SELECT no_such_function()"); },
                outcomes.done("bad"));
  writer.submit(std::make_shared<AppendValues>("c", &statements), outcomes.done("c"));
  release.set_value();
  writer.flush();

  std::map<std::string, bool> by_name;
  {
    std::lock_guard lock(outcomes.mutex);
    for (const auto& [name, ok] : outcomes.seen) {
      by_name[name] = ok;
    }
    // Answered in submission order.
    REQUIRE(outcomes.seen.size() == 5);
    CHECK(outcomes.seen[1].first == "a");
    CHECK(outcomes.seen[2].first == "b");
  }
  CHECK(by_name["a"]);
  CHECK(by_name["b"]);
  CHECK_FALSE(by_name["bad"]);
  CHECK(by_name["c"]);
  auto check = db.session();
  auto rows = check.exec("SELECT string_agg(v, '' ORDER BY n) FROM t");
  REQUIRE(rows);
  CHECK(rows->text(0, 0) == "abc");  // each once, in order
  // a and b merged: together, then replayed alone, as one statement each time.
  CHECK(statements <= 4);
}

TEST_CASE("a batch that makes work due sends one NOTIFY, delivered at its commit", "[store][postgres][pg_writer]") {
  test::PostgresDatabase db;
  auto listener = db.session();
  REQUIRE(listener.exec_script(std::string("LISTEN ") + k_pg_work_channel));
  PgWriter writer(db.session(), true);
  Outcomes outcomes;
  auto release = hold_writer(writer, outcomes);
  for (int i = 0; i < 5; ++i) {
    writer.submit([](PgConnection&) -> Status { return {}; }, outcomes.done("w"), i % 2 == 0 ? 1u : 4u);
  }
  release.set_value();
  writer.flush();
  // What the listener got: one notification for the five jobs, their kinds
  // together (requests | deliveries).
  REQUIRE(listener.exec_script("SELECT 1"));
  REQUIRE(PQconsumeInput(listener.handle()) == 1);
  std::vector<std::string> payloads;
  while (PGnotify* n = PQnotifies(listener.handle())) {
    payloads.emplace_back(n->extra);
    PQfreemem(n);
  }
  REQUIRE(payloads.size() == 1);
  CHECK(payloads[0] == "5");
}
