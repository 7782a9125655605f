// Several nodes on one PostgreSQL database, each a PostgresStore of its own
// (as each hub process has): leadership, wake-ups, shared pauses and claims
// by node. Needs the test cluster (HUBBUB_TEST_POSTGRES; never skipped).
#include <catch2/catch.hpp>

#include <condition_variable>
#include <future>
#include <mutex>

#include "store/pg_migrator.h"
#include "support/store_builders.h"
#include "support/store_engines.h"
#include "support/store_writes.h"

using namespace hubbub;
using std::chrono::seconds;

namespace {

using test::k_t0;

std::unique_ptr<PostgresStore> node(const test::PostgresDatabase& db, const std::string& id, bool notify = true) {
  auto opened = PostgresStore::open(db.uri(), test::store_clock(), id, notify);
  REQUIRE(opened);
  return std::move(*opened);
}

// The hints a node heard, waited for (bounded).
class Hints {
 public:
  Coordination::WorkHint hint() {
    return [this](unsigned work) {
      std::lock_guard lock(m_mutex);
      m_work |= work;
      m_cv.notify_all();
    };
  }
  // Waits up to 20 s for a hint naming `work`.
  bool wait_for(unsigned work) {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, seconds{20}, [&] { return (m_work & work) == work; });
  }
  unsigned heard() {
    std::lock_guard lock(m_mutex);
    return m_work;
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  unsigned m_work = 0;
};

}  // namespace

TEST_CASE("one node at a time leads, the lease lapses and can be handed over", "[store][postgres][nodes]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  CHECK(a->shared());
  REQUIRE(a->hold_leadership(k_t0, seconds{15}).value());
  CHECK_FALSE(b->hold_leadership(k_t0 + seconds{1}, seconds{15}).value());
  REQUIRE(a->hold_leadership(k_t0 + seconds{10}, seconds{15}).value());      // renewed until t0+25
  CHECK_FALSE(b->hold_leadership(k_t0 + seconds{24}, seconds{15}).value());  // not lapsed yet
  // A dies: its lease lapses and B takes over; A cannot take it back.
  REQUIRE(b->hold_leadership(k_t0 + seconds{25}, seconds{15}).value());
  CHECK_FALSE(a->hold_leadership(k_t0 + seconds{26}, seconds{15}).value());
  // B shuts down and hands over at once.
  REQUIRE(b->release_leadership());
  CHECK(a->hold_leadership(k_t0 + seconds{27}, seconds{15}).value());
}

TEST_CASE("a commit on one node wakes the others with the kinds of work it made due", "[store][postgres][nodes]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  Hints heard_by_b;
  b->watch_work(heard_by_b.hint());
  // B's listener may take a moment to start: the first write is repeated
  // until B hears it (bounded), then each kind is checked on its own.
  bool heard = false;
  for (int i = 0; i < 20 && !heard; ++i) {
    test::add_subscription(*a, "http://p/t", "http://a.example/cb" + std::to_string(i), k_t0);
    heard = heard_by_b.wait_for(Coordination::requests);
  }
  REQUIRE(heard);
  test::add_ping(*a, "p1", "http://p/t", k_t0);
  CHECK(heard_by_b.wait_for(Coordination::fetches));
  b->watch_work({});
}

TEST_CASE("without --pg-notify a commit sends no hint, and a node's own commits never wake it",
          "[store][postgres][nodes]") {
  test::PostgresDatabase db;
  auto quiet = node(db, "node-quiet", false);
  auto loud = node(db, "node-loud");
  Hints heard_by_loud;
  Hints heard_by_quiet;
  loud->watch_work(heard_by_loud.hint());
  quiet->watch_work(heard_by_quiet.hint());
  // The quiet node's publish, then the loud node's: the loud node's hint
  // reaching the quiet node proves the quiet node listens, so its own
  // publish, committed earlier, would have reached the loud node first.
  bool heard = false;
  for (int i = 0; i < 20 && !heard; ++i) {
    test::add_ping(*quiet, "q" + std::to_string(i), "http://p/q", k_t0);
    test::add_ping(*loud, "l" + std::to_string(i), "http://p/l", k_t0);
    heard = heard_by_quiet.wait_for(Coordination::fetches);
  }
  REQUIRE(heard);
  CHECK(heard_by_loud.heard() == 0);
  quiet->watch_work({});
  loud->watch_work({});
}

TEST_CASE("nodes claim disjoint work and a node releases only its own claims", "[store][postgres][nodes]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  for (int i = 0; i < 10; ++i) {
    const NewRequest r =
        test::new_request(RequestMode::subscribe, "http://p/t", "http://h" + std::to_string(i) + ".example/cb", k_t0);
    REQUIRE(test::wait_for_write([&](Store::Done d) { a->add_request(r, d); }));
  }
  auto by_a = a->claim_due_requests(k_t0, seconds{60}, 4, {}).value();
  auto by_b = b->claim_due_requests(k_t0, seconds{60}, 100, {}).value();
  REQUIRE(by_a.size() == 4);
  REQUIRE(by_b.size() == 6);
  for (const auto& r : by_a) {
    CHECK(std::none_of(by_b.begin(), by_b.end(), [&](const RequestRecord& o) { return o.id == r.id; }));
  }
  // A restarts: its own claims come back at once, B's stay B's.
  REQUIRE(a->release_all_claims());
  CHECK(b->claim_due_requests(k_t0 + seconds{1}, seconds{60}, 100, {}).value().size() == 4);
  CHECK(a->claim_due_requests(k_t0 + seconds{1}, seconds{60}, 100, {}).value().empty());
  // B dies: its claims lapse at their deadline and A takes them over.
  CHECK(a->claim_due_requests(k_t0 + seconds{61}, seconds{60}, 100, {}).value().size() == 10);
}

TEST_CASE("a host paused by one node is paused for every node", "[store][postgres][nodes][D12]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  REQUIRE(
      test::wait_for_write([&](Store::Done d) { a->defer_origin("http://down.example:80", k_t0 + seconds{30}, d); }));
  auto pauses = b->origin_pauses(k_t0 + seconds{1}).value();
  REQUIRE(pauses.size() == 1);
  CHECK(pauses[0].first == "http://down.example:80");
  CHECK(pauses[0].second == k_t0 + seconds{30});
}

TEST_CASE("a live node renews its claims and a dead node's lapse", "[store][postgres][nodes]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  test::add_subscription(*a, "http://p/t", "http://a.example/cb", k_t0);
  test::add_ping(*a, "p1", "http://p/t", k_t0);
  REQUIRE(a->claim_due_fetches(k_t0, seconds{20}, 10, {}).value().size() == 1);
  REQUIRE(a->renew_claims(k_t0 + seconds{10}, k_t0 + seconds{30}));
  CHECK(b->claim_due_fetches(k_t0 + seconds{25}, seconds{20}, 10, {}).value().empty());
  // A stops renewing (it died): B takes the fetch once the claim lapses, and
  // A's late renewal does not take it back.
  auto taken = b->claim_due_fetches(k_t0 + seconds{31}, seconds{20}, 10, {}).value();
  REQUIRE(taken.size() == 1);
  REQUIRE(a->renew_claims(k_t0 + seconds{32}, k_t0 + seconds{60}));
  CHECK(a->claim_due_fetches(k_t0 + seconds{52}, seconds{20}, 10, {}).value().size() == 1);  // B's lapsed at 51
}

TEST_CASE("the requests for one pair are settled one at a time and in order across nodes", "[store][postgres][nodes]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  const NewRequest first = test::new_request(RequestMode::subscribe, "http://p/t", "http://a.example/cb", k_t0);
  const NewRequest second =
      test::new_request(RequestMode::unsubscribe, "http://p/t", "http://a.example/cb", k_t0 + seconds{1});
  REQUIRE(test::wait_for_write([&](Store::Done d) { a->add_request(first, d); }));
  REQUIRE(test::wait_for_write([&](Store::Done d) { b->add_request(second, d); }));
  auto by_a = a->claim_due_requests(k_t0 + seconds{2}, seconds{20}, 10, {}).value();
  REQUIRE(by_a.size() == 1);
  CHECK(by_a[0].id == first.id);
  // While A works on the first, B gets nothing of the pair.
  CHECK(b->claim_due_requests(k_t0 + seconds{2}, seconds{20}, 10, {}).value().empty());
  REQUIRE(test::wait_for_write([&](Store::Done d) {
    a->complete_request({first.id, RequestState::verified, std::nullopt, k_t0 + seconds{3}, k_t0 + seconds{3}}, d);
  }));
  auto by_b = b->claim_due_requests(k_t0 + seconds{4}, seconds{20}, 10, {}).value();
  REQUIRE(by_b.size() == 1);
  CHECK(by_b[0].id == second.id);
}

TEST_CASE("a node refuses a PostgreSQL database whose schema is newer than it knows", "[store][postgres][nodes]") {
  test::PostgresDatabase db;
  { auto a = node(db, "node-a"); }
  auto conn = PgConnection::connect(db.uri(), "hubbub tests");
  REQUIRE(conn);
  REQUIRE(conn->exec_script(
      "INSERT INTO schema_migrations (version, description, applied_at) VALUES (999, 'from the future', 0)"));
  auto refused = PostgresStore::open(db.uri(), test::store_clock(), "node-b");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("newer Hubbub") != std::string::npos);
}

TEST_CASE("the subscription tallies are counted from the subscriptions already stored when the schema gains them",
          "[store][postgres][SEC-08]") {
  test::PostgresDatabase db;
  {
    auto conn = PgConnection::connect(db.uri(), "hubbub tests");
    REQUIRE(conn);
    const auto all = postgres_migrations();
    REQUIRE(all.size() >= 4);
    REQUIRE(all[3].version == 4);  // 0004_subscription_tallies
    REQUIRE(migrate_postgres(*conn, all.first(3), k_t0));
    REQUIRE(conn->exec_script(
        "INSERT INTO subscriptions (topic, callback, origin, lease_seconds, expires_at, created_at, updated_at) "
        "VALUES ('http://p/t', 'http://h.example/1', 'http://h.example:80', 100, 4102444800000, 0, 0), "
        "('http://p/t', 'http://h.example/2', 'http://h.example:80', 100, 4102444800000, 0, 0)"));
  }
  auto a = node(db, "node-a");  // migrates to the newest schema
  const auto by_topic = a->subscription_cap_reached("http://p/t", "http://g.example/new", k_t0, {2, 0}).value();
  REQUIRE(by_topic);
  CHECK(by_topic->count == 2);
  const auto by_host = a->subscription_cap_reached("http://p/u", "http://h.example/new", k_t0, {0, 2}).value();
  REQUIRE(by_host);
  CHECK(by_host->count == 2);
}

TEST_CASE("each node keeps its subscription tallies in a slot of its own, summed by every node",
          "[store][postgres][nodes][SEC-08]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  for (int i = 0; i < 3; ++i) {
    test::add_subscription(*a, "http://p/t", "http://h.example/a" + std::to_string(i), k_t0);
    test::add_subscription(*b, "http://p/t", "http://h.example/b" + std::to_string(i), k_t0);
  }
  // B removes one that A made: B's slot goes below zero, the sum is right.
  const NewRequest gone = test::new_request(RequestMode::unsubscribe, "http://p/t", "http://h.example/a0", k_t0);
  REQUIRE(test::wait_for_write([&](Store::Done d) { b->add_request(gone, d); }));
  REQUIRE(test::wait_for_write([&](Store::Done d) {
    b->complete_request({gone.id, RequestState::verified, std::nullopt, k_t0, k_t0}, d);
  }));
  for (auto* n : {a.get(), b.get()}) {
    const auto reached = n->subscription_cap_reached("http://p/t", "http://h.example/new", k_t0, {5, 5}).value();
    REQUIRE(reached);
    CHECK(reached->count == 5);
    CHECK_FALSE(n->subscription_cap_reached("http://p/t", "http://h.example/new", k_t0, {6, 6}).value());
  }
  auto conn = PgConnection::connect(db.uri(), "hubbub tests");
  REQUIRE(conn);
  auto slots = conn->exec("SELECT count(DISTINCT slot), min(slot), sum(n)::bigint FROM topic_tallies");
  REQUIRE(slots);
  CHECK(slots->int64(0, 0) == 2);  // a slot per node, none shared
  CHECK(slots->int64(0, 1) >= 1);  // slot 0 is for sessions that are not a node's writer
  CHECK(slots->int64(0, 2) == 5);
}

TEST_CASE("two nodes writing the rest of a fan-out at once queue each subscription once",
          "[store][postgres][nodes][D1]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  for (int i = 0; i < 40; ++i) {
    test::add_subscription(*a, "http://p/t", "http://h.example/" + std::to_string(i), k_t0);
  }
  test::add_ping(*a, "ping-1", "http://p/t", k_t0);
  auto jobs = a->claim_due_fetches(k_t0, seconds{60}, 1, {}).value();
  REQUIRE(jobs.size() == 1);
  FetchOutcome o;
  o.id = jobs[0].id;
  o.state = FetchState::distributed;
  o.content = Content{0, "http://p/t", "text/plain", "body"};
  o.at = k_t0;
  o.fanout_chunk = 3;
  std::promise<Result<FetchFinished>> first;
  a->finish_fetch(std::move(o), [&](Result<FetchFinished> r) { first.set_value(std::move(r)); });
  REQUIRE(first.get_future().get().value().queued == 3);
  // Both nodes step until neither finds more (bounded).
  auto step = [&](PostgresStore& n) {
    std::promise<Result<FanoutStep>> p;
    n.extend_fanouts(k_t0, 3, [&](Result<FanoutStep> r) { p.set_value(r); });
    return p.get_future().get().value();
  };
  bool more = true;
  for (int i = 0; i < 100 && more; ++i) {
    auto from_b = std::async(std::launch::async, [&] { return step(*b); });
    const FanoutStep from_a = step(*a);
    more = from_a.more || from_b.get().more;
  }
  CHECK_FALSE(more);
  auto conn = PgConnection::connect(db.uri(), "hubbub tests");
  REQUIRE(conn);
  auto queued = conn->exec("SELECT count(*), count(DISTINCT subscription_id) FROM deliveries");
  REQUIRE(queued);
  CHECK(queued->int64(0, 0) == 40);
  CHECK(queued->int64(0, 1) == 40);
  CHECK(a->find_publish("ping-1").value()->topics[0].subscribers == 40);
}

TEST_CASE("a node reads the other nodes' activity and latest failures", "[store][postgres][nodes]") {
  test::PostgresDatabase db;
  auto a = node(db, "node-a");
  auto b = node(db, "node-b");
  auto c = node(db, "node-c");
  const TimePoint minute = k_t0;
  const TimePoint next = k_t0 + std::chrono::minutes{1};
  auto failure = [](const char* reason, TimePoint at) {
    FailureEvent f;
    f.at = at;
    f.kind = "delivery";
    f.outcome = "retry";
    f.topic = "http://p/t";
    f.callback = "http://a.example/cb";
    f.status = 503;
    f.reason = reason;
    return f;
  };
  REQUIRE(a->record_activity({{minute, 10, 1}, {next, 5, 0}}, {failure("a1", k_t0 + seconds{1})}, k_t0, 3));
  REQUIRE(b->record_activity({{minute, 7, 2}}, {failure("b1", k_t0 + seconds{2})}, k_t0, 3));
  // A minute written again replaces the node's count (counts are absolute).
  REQUIRE(a->record_activity({{next, 6, 0}}, {}, k_t0, 3));
  auto seen = c->activity_since(k_t0).value();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].minute == minute);
  CHECK(seen[0].delivered == 17);
  CHECK(seen[0].failed == 3);
  CHECK(seen[1].delivered == 6);
  auto by_b = b->activity_since(k_t0).value();  // without its own (it adds them from memory)
  REQUIRE(by_b.size() == 2);
  CHECK(by_b[0].delivered == 10);
  auto failures = c->recent_failures(10).value();
  REQUIRE(failures.size() == 2);
  CHECK(failures[0].reason == "b1");  // newest first, from either node
  CHECK(failures[0].status == 503);
  CHECK(failures[1].reason == "a1");
  REQUIRE(a->recent_failures(10).value().size() == 1);
  // Old minutes and failures beyond the newest `keep` go.
  REQUIRE(b->record_activity({}, {failure("b2", k_t0 + seconds{3}), failure("b3", k_t0 + seconds{4})}, next, 3));
  CHECK(c->activity_since(k_t0).value().size() == 1);
  failures = c->recent_failures(10).value();
  REQUIRE(failures.size() == 3);
  CHECK(failures[2].reason == "b1");
}
