#include "server/connection_limit.h"

#include <catch2/catch.hpp>

#include <vector>

#include "websub/limits.h"

using hubbub::ConnectionLimit;

TEST_CASE("ConnectionLimit: a slot per connection, refused past the cap, given back when the token goes",
          "[connections][A5]") {
  ConnectionLimit limit(3);
  std::vector<std::shared_ptr<void>> slots;
  for (int i = 0; i < 3; ++i) {
    slots.push_back(limit.admit());
    REQUIRE(slots.back() != nullptr);
  }
  CHECK(limit.open() == 3);
  CHECK(limit.admit() == nullptr);
  CHECK(limit.admit() == nullptr);
  CHECK(limit.refused() == 2);
  CHECK(limit.open() == 3);
  slots.pop_back();
  CHECK(limit.open() == 2);
  auto again = limit.admit();
  CHECK(again != nullptr);
  CHECK(limit.open() == 3);
}

TEST_CASE("ConnectionLimit: 0 means no cap", "[connections]") {
  ConnectionLimit limit(0);
  std::vector<std::shared_ptr<void>> slots;
  for (int i = 0; i < 1000; ++i) {
    slots.push_back(limit.admit());
  }
  CHECK(limit.open() == 1000);
  CHECK(limit.refused() == 0);
}

TEST_CASE("ConnectionLimit::automatic keeps descriptors in reserve for outbound work", "[connections]") {
  using hubbub::k_reserved_fds;
  CHECK(ConnectionLimit::automatic(65536) == 65536 - k_reserved_fds);
  CHECK(ConnectionLimit::automatic(20000) == 20000 - k_reserved_fds);
  CHECK(ConnectionLimit::automatic(1024) == 1024 - k_reserved_fds);
  CHECK(ConnectionLimit::automatic(256) == 64);  // at least 64 ...
  CHECK(ConnectionLimit::automatic(64) == 32);   // ... but never more than half the limit
  CHECK(ConnectionLimit::automatic(RLIM_INFINITY) == hubbub::k_max_connections_ceiling);
}
