// What only the SQLite engine does: its file, its lock, its stored codes
// read back from a golden database. The store contract it shares with every
// engine is in store_contract_test.cpp.
#include "store/sqlite_store.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/database.h"
#include "store/state_codes.h"
#include "support/store_builders.h"
#include "support/temp_dir.h"
#include "util/random.h"

using namespace hubbub;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

using test::k_t0;

using test::wait_for_write;

NewRequest sqlite_request(RequestMode mode, std::string callback) {
  NewRequest r;
  r.id = random_token(24);
  r.mode = mode;
  r.topic = "http://p/t";
  r.callback = std::move(callback);
  r.lease_granted = seconds{100};
  r.created_at = k_t0;
  return r;
}

using test::add_request;

// A copy of tests/data/<name> in `dir`.
std::string golden_copy(const test::TempDir& dir, const std::string& name) {
  const std::string copy = dir.file(name);
  std::filesystem::copy_file(std::string(HUBBUB_SOURCE_DIR) + "/tests/data/" + name, copy);
  return copy;
}

// The (code, name) rows of one of migration 0006's tables.
std::vector<std::pair<std::int64_t, std::string>> named_codes(const std::string& path, const std::string& table) {
  auto db = Database::open(path, Database::Access::read_only).value();
  auto q = db.query(("SELECT code, name FROM " + table + " ORDER BY code").c_str()).value();
  std::vector<std::pair<std::int64_t, std::string>> rows;
  REQUIRE(q.for_each([&](const Query& row) { rows.emplace_back(row.int64(0), row.text(1)); }));
  return rows;
}

template <class State>
std::vector<std::pair<std::int64_t, std::string>> listed_codes() {
  std::vector<std::pair<std::int64_t, std::string>> rows;
  for (const auto& c : StateCodes<State>::all) {
    rows.emplace_back(c.code, c.name);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

}  // namespace

TEST_CASE("every state has one code, named alike in C++ and in SQL", "[store][sqlite_store][state_codes]") {
  // A state added to an enum of websub/model.h without a code fails here.
  CHECK(std::size(k_request_mode_codes) == static_cast<std::size_t>(RequestMode::unsubscribe) + 1);
  CHECK(std::size(k_request_state_codes) == static_cast<std::size_t>(RequestState::denied) + 1);
  CHECK(std::size(k_fetch_state_codes) == static_cast<std::size_t>(FetchState::coalesced) + 1);
  CHECK(std::size(k_delivery_state_codes) == static_cast<std::size_t>(DeliveryState::dropped) + 1);
  for (const auto& c : k_request_state_codes) {
    CHECK(std::string(to_string(c.state)) == c.name);
    CHECK(state_from_code<RequestState>(c.code).value() == c.state);
  }
  for (const auto& c : k_fetch_state_codes) {
    CHECK(std::string(to_string(c.state)) == c.name);
    CHECK(state_from_code<FetchState>(c.code).value() == c.state);
  }
  for (const auto& c : k_request_mode_codes) {
    CHECK(std::string(to_string(c.state)) == c.name);
  }
  auto unknown = state_from_code<DeliveryState>(9);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "unknown code 9 in delivery_states");

  test::TempDir dir;
  const std::string path = dir.file("hub.db");
  { auto store = SqliteStore::open(path, test::store_clock()).value(); }
  CHECK(named_codes(path, StateCodes<RequestMode>::table) == listed_codes<RequestMode>());
  CHECK(named_codes(path, StateCodes<RequestState>::table) == listed_codes<RequestState>());
  CHECK(named_codes(path, StateCodes<FetchState>::table) == listed_codes<FetchState>());
  CHECK(named_codes(path, StateCodes<DeliveryState>::table) == listed_codes<DeliveryState>());
}

TEST_CASE("a golden database written at schema 5 reads back with every code as it was meant",
          "[store][sqlite_store][state_codes]") {
  test::TempDir dir;
  auto store = SqliteStore::open(golden_copy(dir, "golden-v5.db"), test::store_clock()).value();
  const std::pair<const char*, RequestState> states[] = {{"pending", RequestState::pending},
                                                         {"verified", RequestState::verified},
                                                         {"failed", RequestState::failed},
                                                         {"denied", RequestState::denied}};
  for (const auto& [mode_name, mode] :
       {std::pair{"subscribe", RequestMode::subscribe}, std::pair{"unsubscribe", RequestMode::unsubscribe}}) {
    for (const auto& [state_name, state] : states) {
      const std::string token = std::string("golden-") + mode_name + "-" + state_name;
      INFO(token);
      auto r = store->find_request(token).value();
      REQUIRE(r);
      CHECK(r->mode == mode);
      CHECK(r->state == state);
    }
  }
  auto claimed = store->claim_due_requests(k_t0, seconds{60}, 10, {}).value();
  REQUIRE(claimed.size() == 2);
  CHECK(claimed[0].mode != claimed[1].mode);

  auto publish = store->find_publish("golden-publish").value();
  REQUIRE(publish);
  const FetchState fetch_states[] = {FetchState::pending,        FetchState::distributed, FetchState::unchanged,
                                     FetchState::no_subscribers, FetchState::failed,      FetchState::coalesced};
  REQUIRE(publish->topics.size() == std::size(fetch_states));
  for (std::size_t i = 0; i < std::size(fetch_states); ++i) {
    CHECK(publish->topics[i].state == fetch_states[i]);
  }
  CHECK(publish->topics[1].delivered == 1);
  CHECK(publish->topics[1].pending == 1);
  CHECK(publish->topics[1].failed == 2);  // the dead letter and the dropped one

  const auto deliveries = store->subscription_deliveries(1, 10).value();
  REQUIRE(deliveries.size() == 4);  // newest first
  CHECK(deliveries[0].state == DeliveryState::dropped);
  CHECK(deliveries[1].state == DeliveryState::dead);
  CHECK(deliveries[2].state == DeliveryState::delivered);
  CHECK(deliveries[3].state == DeliveryState::pending);
  const auto dead = store->list_dead_letters(10, 0).value();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].last_error == "HTTP 500");

  const auto stats = store->statistics(k_t0).value();
  CHECK(stats.pending_requests == 2);
  CHECK(stats.pending_fetches == 1);
  CHECK(stats.pending_deliveries == 1);
  CHECK(stats.dead_letters == 1);
  auto jobs = store->claim_due_deliveries(k_t0 + seconds{1}, seconds{60}, 10, {}).value();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].delivery_id == "golden-delivery-pending");
  CHECK(jobs[0].secret == "golden-secret");
}

TEST_CASE("a stored code the hub does not know is an error, not a guess", "[store][sqlite_store][state_codes]") {
  test::TempDir dir;
  const std::string path = dir.file("hub.db");
  const std::string id = [&] {
    auto store = SqliteStore::open(path, test::store_clock()).value();
    return add_request(*store, sqlite_request(RequestMode::subscribe, "http://s/cb"));
  }();
  {
    auto db = Database::open(path, Database::Access::read_write_create).value();
    REQUIRE(db.exec("UPDATE subscription_requests SET state = 7"));
  }
  auto store = SqliteStore::open(path, test::store_clock()).value();
  auto found = store->find_request(id);
  REQUIRE_FALSE(found);
  CHECK(found.error().message == "unknown code 7 in request_states");
  auto claim = store->claim_due_requests(k_t0, seconds{60}, 10, {});
  CHECK(claim);  // a state 7 row is not pending: never claimed
}

TEST_CASE("one hub process per database file", "[store][sqlite_store]") {
  test::TempDir dir;
  auto first = SqliteStore::open(dir.file("hub.db"), test::store_clock());
  REQUIRE(first);
  auto second = SqliteStore::open(dir.file("hub.db"), test::store_clock());
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("in use") != std::string::npos);
}

TEST_CASE(
    "a database file replaced under the store is left alone, the data goes to a copy named by the "
    "hub's clock",
    "[store][sqlite_store]") {
  test::TempDir dir;
  ManualClock clock(k_t0 + seconds{7});
  auto store = SqliteStore::open(dir.file("hub.db"), clock).value();
  const std::string id = add_request(*store, sqlite_request(RequestMode::subscribe, "http://s/cb"));
  { std::ofstream(dir.file("other.db")) << ""; }
  REQUIRE(std::rename(dir.file("other.db").c_str(), dir.file("hub.db").c_str()) == 0);
  clock.advance(seconds{5});
  CHECK_FALSE(wait_for_write(
      [&](Store::Done d) { store->add_request(sqlite_request(RequestMode::subscribe, "http://s/cb2"), d); }));
  const std::string copy = dir.file("hub.db.detached-" + std::to_string(to_unix_ms(k_t0 + seconds{12})));
  REQUIRE(std::ifstream(copy).good());
  store.reset();
  auto saved = SqliteStore::open(copy, clock).value();
  CHECK(saved->find_request(id).value());
}

TEST_CASE("the caps count the subscriptions of a database from before the tallies", "[store][sqlite_store][SEC-08]") {
  test::TempDir dir;
  // Schema 2: the subscription's origin is filled in when the hub starts.
  // Schema 5: it was already there.
  const std::tuple<const char*, const char*, const char*> golden[] = {
      {"schema-v2.db", "http://127.0.0.1:1/topic", "http://127.0.0.1:1/other"},
      {"golden-v5.db", "http://p.example/t", "http://s.example/other"}};
  for (const auto& [file, topic, callback] : golden) {
    INFO(file);
    auto store = SqliteStore::open(golden_copy(dir, file), test::store_clock()).value();
    const auto by_topic = store->subscription_cap_reached(topic, callback, k_t0, {1, 0}).value();
    REQUIRE(by_topic);
    CHECK(by_topic->count == 1);
    const auto by_host = store->subscription_cap_reached("http://p.example/another", callback, k_t0, {0, 1}).value();
    REQUIRE(by_host);
    CHECK(by_host->scope == SubscriptionCapReached::Scope::callback_host);
    CHECK(by_host->count == 1);
  }
}
