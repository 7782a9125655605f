#include "websub/verification.h"

#include <catch2/catch.hpp>

using namespace hubbub;

namespace {

RequestRecord record(std::string callback, RequestMode mode = RequestMode::subscribe) {
  RequestRecord r;
  r.mode = mode;
  r.topic = "http://p/t?a=1&b=2";
  r.callback = std::move(callback);
  if (mode == RequestMode::subscribe) {
    r.lease_granted = std::chrono::seconds{7200};
  }
  return r;
}

HttpResult response(long status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("builds the verification GET with every field", "[websub][verification][VER-02][SUB-17][I9][I14]") {
  CHECK(verification_url(record("http://s/cb"), "CH") ==
        "http://s/cb?hub.mode=subscribe&hub.topic=http%3A%2F%2Fp%2Ft%3Fa%3D1%26b%3D2&hub.challenge=CH&"
        "hub.lease_seconds=7200");
  CHECK(verification_url(record("http://s/cb?x=y&hub.challenge=imahacker"), "CH")
            .starts_with("http://s/cb?x=y&hub.challenge=imahacker&hub.mode=subscribe&"));
  const std::string unsub = verification_url(record("http://s/cb", RequestMode::unsubscribe), "CH");
  CHECK(unsub == "http://s/cb?hub.mode=unsubscribe&hub.topic=http%3A%2F%2Fp%2Ft%3Fa%3D1%26b%3D2&hub.challenge=CH");
  RequestRecord legacy = record("http://s/cb");
  legacy.verify_token = "tok en";
  CHECK(verification_url(legacy, "CH").ends_with("&hub.verify_token=tok%20en"));
}

TEST_CASE("builds the denial GET", "[websub][verification][VAL-02]") {
  CHECK(denial_url(record("http://s/cb?k=v"), "no spam") ==
        "http://s/cb?k=v&hub.mode=denied&hub.topic=http%3A%2F%2Fp%2Ft%3Fa%3D1%26b%3D2&hub.reason=no%20spam");
}

TEST_CASE("verifies only a 2xx echoing the challenge exactly", "[websub][verification][VER-04][VER-06][I2][I3]") {
  CHECK(judge_verification(response(200, "abc"), "abc").kind == VerdictKind::verified);
  CHECK(judge_verification(response(201, "abc"), "abc").kind == VerdictKind::verified);
  CHECK(judge_verification(response(200, "abc\n"), "abc").kind == VerdictKind::refused);
  CHECK(judge_verification(response(200, "ABC"), "abc").kind == VerdictKind::refused);
  CHECK(judge_verification(response(200, ""), "abc").kind == VerdictKind::refused);
  CHECK(judge_verification(response(204, ""), "abc").kind == VerdictKind::refused);
}

TEST_CASE("treats redirects and 4xx as final, 5xx and network trouble as transient",
          "[websub][verification][VER-05][VER-14]") {
  CHECK(judge_verification(response(302, "abc"), "abc").kind == VerdictKind::refused);
  CHECK(judge_verification(response(404, ""), "abc").kind == VerdictKind::refused);
  CHECK(judge_verification(response(400, ""), "abc").kind == VerdictKind::refused);
  CHECK(judge_verification(response(500, ""), "abc").kind == VerdictKind::retry);
  CHECK(judge_verification(response(503, ""), "abc").kind == VerdictKind::retry);
  CHECK(judge_verification(response(429, ""), "abc").kind == VerdictKind::retry);
  CHECK(judge_verification(std::unexpected(HttpError{HttpFailure::timeout, "t"}), "abc").kind == VerdictKind::retry);
  CHECK(judge_verification(std::unexpected(HttpError{HttpFailure::connect, "c"}), "abc").kind == VerdictKind::retry);
  const Verdict blocked =
      judge_verification(std::unexpected(HttpError{HttpFailure::blocked_address, "10.0.0.1 is private-use"}), "abc");
  CHECK(blocked.kind == VerdictKind::refused);
  CHECK(blocked.reason == "blocked_address: 10.0.0.1 is private-use");
}
