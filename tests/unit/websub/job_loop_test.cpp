// The claim loop the verifier, the fetcher and the distributor share: how
// many it claims, when it claims again, and stopping with jobs running.

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "websub/job_loop.h"

using namespace hubbub;

namespace {

// Work waiting to be claimed, and the claims the loop made.
struct Backlog {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t waiting = 0;
  std::vector<std::size_t> asked;    // `free` of each claim that found work
  std::vector<std::size_t> started;  // jobs started by each of those claims
  std::size_t running = 0;
  std::size_t calls = 0;  // every claim, also those that found nothing

  Result<std::size_t> claim(std::size_t free) {
    std::lock_guard lock(mutex);
    ++calls;
    const std::size_t n = std::min(free, waiting);
    if (n > 0) {
      asked.push_back(free);
      started.push_back(n);
    }
    waiting -= n;
    running += n;
    changed.notify_all();
    return n;
  }
  void add(std::size_t n) {
    std::lock_guard lock(mutex);
    waiting += n;
  }
  // Waits (bounded) until `total` jobs have been started.
  bool wait_started(std::size_t total) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds{30}, [&] {
      std::size_t sum = 0;
      for (auto s : started) {
        sum += s;
      }
      return sum >= total;
    });
  }
};

}  // namespace

TEST_CASE("the job loop claims up to its slots, and again once a batch's worth is free", "[websub][job_loop]") {
  ManualClock clock(from_unix_ms(1'700'000'000'000));
  Backlog backlog;
  backlog.add(20);
  JobLoop loop(
      "test", clock, 16, [&](std::size_t free) { return backlog.claim(free); },
      []() -> Result<std::optional<TimePoint>> { return std::nullopt; });
  loop.start();
  REQUIRE(backlog.wait_started(16));
  {
    std::lock_guard lock(backlog.mutex);
    CHECK(backlog.asked.front() == 16);
    CHECK(backlog.running == 16);
  }
  // One settled job frees one slot, less than a batch (16 / 8 = 2): no claim.
  loop.job_done();
  // Two free slots are a batch: the loop claims them.
  loop.job_done();
  REQUIRE(backlog.wait_started(18));
  {
    std::lock_guard lock(backlog.mutex);
    CHECK(backlog.asked.size() == 2);
    CHECK(backlog.asked[1] == 2);
  }
  CHECK(loop.stop(Millis{0}) == 16);
  for (int i = 0; i < 16; ++i) {
    loop.job_done();
  }
  loop.wait_idle();
  CHECK_FALSE(loop.running());
}

TEST_CASE("an idle job loop claims as soon as it is woken", "[websub][job_loop]") {
  ManualClock clock(from_unix_ms(1'700'000'000'000));
  Backlog backlog;
  JobLoop loop(
      "test", clock, 4, [&](std::size_t free) { return backlog.claim(free); },
      []() -> Result<std::optional<TimePoint>> { return std::nullopt; });
  loop.start();
  CHECK(loop.running());
  backlog.add(3);
  loop.wake();
  REQUIRE(backlog.wait_started(3));
  for (int i = 0; i < 3; ++i) {
    loop.job_done();
  }
  loop.wait_idle();
  CHECK(loop.stop(Millis{0}) == 0);
}

TEST_CASE("a failing claim starts nothing and the loop carries on", "[websub][job_loop]") {
  ManualClock clock(from_unix_ms(1'700'000'000'000));
  Backlog backlog;
  std::atomic<int> failures{0};
  JobLoop loop(
      "test", clock, 4,
      [&](std::size_t free) -> Result<std::size_t> {
        if (failures.fetch_add(1) == 0) {
          return fail("database is locked");
        }
        return backlog.claim(free);
      },
      []() -> Result<std::optional<TimePoint>> { return std::nullopt; });
  backlog.add(2);
  loop.start();
  // The first claim fails; the loop pauses, then claims again (bounded wait).
  REQUIRE(backlog.wait_started(2));
  CHECK(failures >= 2);
  loop.job_done();
  loop.job_done();
  CHECK(loop.stop(Millis{0}) == 0);
}

TEST_CASE("slots reserved for jobs claimed elsewhere count as running until done or given back",
          "[websub][job_loop][D1]") {
  ManualClock clock(from_unix_ms(1'700'000'000'000));
  Backlog backlog;
  JobLoop loop(
      "test", clock, 4, [&](std::size_t free) { return backlog.claim(free); },
      []() -> Result<std::optional<TimePoint>> { return std::nullopt; });
  CHECK(loop.reserve(2) == 0);  // not started
  loop.start();
  // While the loop claims it holds every free slot, and a reservation finds
  // none: tried again (bounded) until the claim, which finds nothing, is over.
  auto reserve = [&](std::size_t want) {
    std::size_t got = 0;
    for (int i = 0; i < 1000 && got == 0; ++i) {
      got = loop.reserve(want);
      if (got == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
      }
    }
    return got;
  };
  CHECK(reserve(3) == 3);
  CHECK(reserve(3) == 1);       // what is left of 4
  CHECK(loop.reserve(1) == 0);  // none left: the loop cannot hold any either
  // A claim finds no free slot while they are held.
  backlog.add(5);
  loop.wake();
  loop.release(2);  // two reserved slots never used: a batch is free
  REQUIRE(backlog.wait_started(2));
  {
    std::lock_guard lock(backlog.mutex);
    CHECK(backlog.asked.front() == 2);
  }
  // The two reserved slots in use end like claimed jobs.
  loop.job_done();
  loop.job_done();
  REQUIRE(backlog.wait_started(4));
  CHECK(loop.stop(Millis{0}) == 4);
  CHECK(loop.reserve(1) == 0);  // stopping
  for (int i = 0; i < 4; ++i) {
    loop.job_done();
  }
  loop.wait_idle();
}

TEST_CASE("after a claim that took all it found, the last job ending leads to a claim only if something is due",
          "[websub][job_loop]") {
  ManualClock clock(from_unix_ms(1'700'000'000'000));
  Backlog backlog;
  std::atomic<bool> due{false};  // what next_due says: something waiting is due now, or nothing waits
  std::atomic<int> due_asked{0};
  JobLoop loop(
      "test", clock, 4, [&](std::size_t free) { return backlog.claim(free); },
      [&]() -> Result<std::optional<TimePoint>> {
        ++due_asked;
        return due ? std::optional<TimePoint>(clock.now()) : std::nullopt;
      });
  auto calls = [&] {
    std::lock_guard lock(backlog.mutex);
    return backlog.calls;
  };
  auto wait_for = [](auto done) {
    for (int i = 0; i < 3000 && !done(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    return done();
  };
  backlog.add(2);
  loop.start();
  REQUIRE(backlog.wait_started(2));                          // 2 of 4 slots: the claim took all it found
  REQUIRE(wait_for([&] { return due_asked.load() >= 1; }));  // then waits
  // One job ends while the other runs: claimed as before, without asking.
  loop.job_done();
  REQUIRE(wait_for([&] { return calls() == 2 && due_asked.load() >= 2; }));
  // The last ends and nothing is due: next_due is asked, no claim is made.
  const int asked = due_asked.load();
  loop.job_done();
  REQUIRE(wait_for([&] { return due_asked.load() > asked; }));
  CHECK(calls() == 2);
  // wake() claims without asking.
  backlog.add(1);
  loop.wake();
  REQUIRE(backlog.wait_started(3));
  CHECK(calls() == 3);
  // The last ends while the next of its key has become due: claimed.
  backlog.add(1);
  due = true;
  loop.job_done();
  REQUIRE(backlog.wait_started(4));
  CHECK(calls() == 4);
  CHECK(loop.stop(Millis{0}) == 1);
  loop.job_done();
  loop.wait_idle();
}
