#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "util/batch_queue.h"
#include "util/stop_signal.h"

using namespace hubbub;

TEST_CASE("a batch queue hands out what waits, up to a maximum, oldest first", "[util][batch_queue]") {
  BatchQueue<std::string> q;
  for (const char* s : {"a", "b", "c"}) {
    std::string item = s;
    REQUIRE(q.push(item));
    CHECK(item.empty());  // moved in
  }
  CHECK(q.take(2) == std::deque<std::string>{"a", "b"});
  CHECK(q.take() == std::deque<std::string>{"c"});
}

TEST_CASE("a closed batch queue refuses pushes, drains, then gives nothing", "[util][batch_queue]") {
  BatchQueue<int> q;
  int one = 1;
  REQUIRE(q.push(one));
  q.close();
  int two = 2;
  CHECK_FALSE(q.push(two));
  CHECK(two == 2);  // untouched
  CHECK(q.take() == std::deque<int>{1});
  CHECK(q.take().empty());
}

TEST_CASE("a worker waiting on a batch queue wakes for a push and for close", "[util][batch_queue]") {
  BatchQueue<int> q;
  std::deque<int> got;
  std::thread worker([&] {
    for (auto batch = q.take(); !batch.empty(); batch = q.take()) {
      got.insert(got.end(), batch.begin(), batch.end());
    }
  });
  std::deque<int> items{1, 2, 3};
  q.push_all(items);
  q.close();
  worker.join();
  CHECK(got == std::deque<int>{1, 2, 3});
}

TEST_CASE("a stop signal ends a sleep at once", "[util][stop_signal]") {
  StopSignal stop;
  CHECK(stop.sleep_for(std::chrono::milliseconds{0}));
  std::thread sleeper([&] { CHECK_FALSE(stop.sleep_for(std::chrono::hours{1})); });
  stop.stop();
  sleeper.join();
  CHECK(stop.stopped());
  CHECK_FALSE(stop.sleep_for(std::chrono::hours{1}));
}
