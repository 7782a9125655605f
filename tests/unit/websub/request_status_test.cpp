#include "websub/request_status.h"

#include <catch2/catch.hpp>

using namespace hubbub;

namespace {

RequestRecord pending() {
  RequestRecord r;
  r.id = "abc";
  r.mode = RequestMode::subscribe;
  r.topic = "http://p/t";
  r.callback = "http://s/capability-token";
  r.secret = "s3cr3t";
  r.lease_requested = 100;
  r.lease_granted = std::chrono::seconds{300};
  r.created_at = from_unix_ms(1'700'000'000'000);
  r.updated_at = r.created_at;
  r.due_at = r.created_at + std::chrono::milliseconds{2500};
  return r;
}

}  // namespace

TEST_CASE("status JSON carries state, mode, topic, leases, attempts and last error", "[websub][request_status][D1]") {
  const auto j = request_status_json(pending(), "http://hub/requests/abc");
  CHECK(j["state"] == "pending");
  CHECK(j["mode"] == "subscribe");
  CHECK(j["topic"] == "http://p/t");
  CHECK(j["lease_seconds_requested"] == 100);
  CHECK(j["lease_seconds_granted"] == 300);
  CHECK(j["attempts"] == 0);
  CHECK(j["last_error"].is_null());
  CHECK(j["monitor"] == "http://hub/requests/abc");
  CHECK(j["created_at"] == "2023-11-14T22:13:20.000Z");
}

TEST_CASE("status never shows the secret or the full callback", "[websub][request_status][A11][SEC-11]") {
  const std::string json = request_status_json(pending(), "m").dump();
  const std::string text = request_status_text(pending(), "m");
  for (const auto& out : {json, text}) {
    CHECK(out.find("s3cr3t") == std::string::npos);
    CHECK(out.find("capability-token") == std::string::npos);
  }
}

TEST_CASE("Retry-After points at the next attempt while pending", "[websub][request_status]") {
  RequestRecord r = pending();
  CHECK(request_retry_after(r, r.created_at) == std::chrono::seconds{3});
  CHECK(request_retry_after(r, r.created_at + std::chrono::seconds{10}) == std::chrono::seconds{1});
  r.state = RequestState::verified;
  CHECK_FALSE(request_retry_after(r, r.created_at));
}
