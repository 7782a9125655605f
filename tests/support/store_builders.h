#pragma once
// Records as the hub's parts put them into a Store, for unit tests that need
// subscriptions or pings to exist: requests as the intake files them, and
// subscriptions verified as the verifier would.

#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "support/store_writes.h"
#include "util/random.h"
#include "websub/model.h"
#include "websub/store.h"

namespace hubbub::test {

inline NewRequest new_request(RequestMode mode, std::string topic, std::string callback, TimePoint at,
                              std::optional<std::string> secret = std::nullopt) {
  NewRequest r;
  r.id = random_token(24);
  r.mode = mode;
  r.topic = std::move(topic);
  r.callback = std::move(callback);
  r.secret = std::move(secret);
  r.lease_granted = std::chrono::seconds{86400};
  r.created_at = at;
  return r;
}

// Files `r` as the intake does; its id.
inline std::string add_request(Store& store, const NewRequest& r) {
  REQUIRE(wait_for_write([&](Store::Done d) { store.add_request(r, d); }));
  return r.id;
}

// An active subscription of `topic` by `callback`, verified at `at`.
inline void add_subscription(Store& store, const std::string& topic, const std::string& callback, TimePoint at,
                             std::optional<std::string> secret = std::nullopt) {
  const NewRequest r = new_request(RequestMode::subscribe, topic, callback, at, std::move(secret));
  REQUIRE(wait_for_write([&](Store::Done d) { store.add_request(r, d); }));
  REQUIRE(wait_for_write([&](Store::Done d) {
    store.complete_request({r.id, RequestState::verified, std::nullopt, at, at}, d);
  }));
}

// A publish ping of `topic`, as the publish endpoint files it.
inline void add_ping(Store& store, const std::string& id, const std::string& topic, TimePoint at) {
  REQUIRE(wait_for_write([&](Store::Done d) { store.add_publish({id, {topic}, std::nullopt, at}, d); }));
}

}  // namespace hubbub::test
