#pragma once
// Verification of intent and denial (WebSub 5.2, 5.3): the requests the hub
// sends to a callback and how it judges the answers. Pure functions; the
// Verifier does the sending.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/http_client.h"
#include "util/clock.h"
#include "websub/model.h"

namespace hubbub {

// GET URL for verifying `request`: the callback with its own query kept byte
// for byte, then hub.mode, hub.topic, hub.challenge, hub.lease_seconds
// (subscribe) and hub.verify_token (when given), percent-encoded.
std::string verification_url(const RequestRecord& request, std::string_view challenge);

// GET URL telling the callback its subscription was denied: hub.mode=denied,
// hub.topic and hub.reason appended to the callback's query.
std::string denial_url(const RequestRecord& request, std::string_view reason);

enum class VerdictKind {
  verified,  // 2xx whose body is exactly the challenge
  refused,   // a definite "no": final
  retry,     // transient: 5xx, 429, timeout, connection failure
};

struct Verdict {
  VerdictKind kind;
  // Empty when verified. In the hub's own words: it goes to the status
  // monitor that anyone who filed the request may read, so it never quotes
  // the callback's answer.
  std::string reason;
  // What the callback answered, for the operator only (admin API, dashboard):
  // the first k_answer_excerpt_bytes of the body, as valid UTF-8. Empty when
  // there is nothing to show.
  std::string answer_excerpt = {};
};

// The part of a callback's answer shown to the operator.
inline constexpr std::size_t k_answer_excerpt_bytes = 40;

Verdict judge_verification(const HttpResult& result, std::string_view challenge);

}  // namespace hubbub
