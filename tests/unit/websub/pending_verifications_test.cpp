#include "websub/pending_verifications.h"

#include <catch2/catch.hpp>

using hubbub::PendingVerifications;
using Admission = PendingVerifications::Admission;

TEST_CASE("PendingVerifications caps requests waiting per callback host and in all", "[websub][pending][A2]") {
  PendingVerifications pending;
  CHECK(pending.admit("http://a:80", 2, 3) == Admission::admitted);
  CHECK(pending.admit("http://a:80", 2, 3) == Admission::admitted);
  CHECK(pending.admit("http://a:80", 2, 3) == Admission::origin_full);
  CHECK(pending.count("http://a:80") == 2);
  CHECK(pending.admit("http://b:80", 2, 3) == Admission::admitted);
  CHECK(pending.admit("http://c:80", 2, 3) == Admission::hub_full);
  CHECK(pending.total() == 3);
  CHECK(pending.count("http://c:80") == 0);

  pending.remove("http://a:80");
  CHECK(pending.count("http://a:80") == 1);
  CHECK(pending.admit("http://c:80", 2, 3) == Admission::admitted);
  CHECK(pending.total() == 3);
}

TEST_CASE("PendingVerifications: a cap of 0 is none, and counts never go below zero", "[websub][pending]") {
  PendingVerifications pending;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(pending.admit("http://a:80", 0, 0) == Admission::admitted);
  }
  CHECK(pending.count("http://a:80") == 100);
  pending.remove("http://never:80");
  CHECK(pending.total() == 100);
  for (int i = 0; i < 150; ++i) {
    pending.remove("http://a:80");
  }
  CHECK(pending.count("http://a:80") == 0);
  CHECK(pending.total() == 0);
}

TEST_CASE("PendingVerifications::reset replaces the counts (at start, from the store)", "[websub][pending]") {
  PendingVerifications pending;
  pending.admit("http://old:80", 0, 0);
  pending.committed("http://old:80", true);  // the store has it (or settled it): its count is the store's
  pending.reset({{"http://a:80", 3}, {"http://b:80", 1}, {"http://zero:80", 0}});
  CHECK(pending.count("http://old:80") == 0);
  CHECK(pending.count("http://a:80") == 3);
  CHECK(pending.total() == 4);
  CHECK(pending.admit("http://a:80", 3, 0) == Admission::origin_full);
  CHECK(pending.admit("http://zero:80", 1, 0) == Admission::admitted);
}

TEST_CASE("PendingVerifications: a reset keeps the requests whose commit is not answered yet",
          "[websub][pending][A2]") {
  // Nodes sharing a database read the counts again every few seconds; a
  // request admitted here may not be in the database yet, and must not be
  // forgotten (the cap would let one more in).
  PendingVerifications pending;
  REQUIRE(pending.admit("http://a:80", 3, 0) == Admission::admitted);
  REQUIRE(pending.admit("http://a:80", 3, 0) == Admission::admitted);
  REQUIRE(pending.admit("http://a:80", 3, 0) == Admission::admitted);
  pending.committed("http://a:80", true);
  pending.reset({{"http://a:80", 1}});  // the store has the committed one only
  CHECK(pending.count("http://a:80") == 3);
  CHECK(pending.admit("http://a:80", 3, 0) == Admission::origin_full);
  // A refused write counts its request out; an answered one is the store's.
  pending.committed("http://a:80", false);
  CHECK(pending.count("http://a:80") == 2);
  pending.committed("http://a:80", true);
  pending.reset({{"http://a:80", 2}});
  CHECK(pending.count("http://a:80") == 2);
  CHECK(pending.total() == 2);
}
