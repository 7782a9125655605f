#include "websub/verification.h"

#include <algorithm>

#include "util/percent_encoding.h"
#include "util/url.h"
#include "util/utf8.h"

namespace hubbub {
namespace {

void add_param(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) {
    out.push_back('&');
  }
  out.append(name);
  out.push_back('=');
  out.append(percent_encode(value));
}

}  // namespace

std::string verification_url(const RequestRecord& request, std::string_view challenge) {
  std::string params;
  add_param(params, "hub.mode", to_string(request.mode));
  add_param(params, "hub.topic", request.topic);
  add_param(params, "hub.challenge", challenge);
  if (request.mode == RequestMode::subscribe && request.lease_granted) {
    add_param(params, "hub.lease_seconds", std::to_string(request.lease_granted->count()));
  }
  if (request.verify_token) {
    add_param(params, "hub.verify_token", *request.verify_token);
  }
  return append_query(request.callback, params);
}

std::string denial_url(const RequestRecord& request, std::string_view reason) {
  std::string params;
  add_param(params, "hub.mode", "denied");
  add_param(params, "hub.topic", request.topic);
  add_param(params, "hub.reason", reason);
  return append_query(request.callback, params);
}

Verdict judge_verification(const HttpResult& result, std::string_view challenge) {
  if (!result) {
    const HttpError& e = result.error();
    return {is_retryable(e.kind) ? VerdictKind::retry : VerdictKind::refused, describe(e)};
  }
  const long status = result->status;
  const std::string code = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) {
    if (result->body == challenge) {
      return {VerdictKind::verified, ""};
    }
    return {VerdictKind::refused,
            code + " but the body did not echo hub.challenge exactly (got " + std::to_string(result->body.size()) +
                " bytes)",
            to_valid_utf8(utf8_prefix(result->body, k_answer_excerpt_bytes))};
  }
  if (status >= 300 && status < 400) {
    return {VerdictKind::refused, code + ": redirects are not followed"};
  }
  if (status == 429 || status >= 500) {
    return {VerdictKind::retry, code};
  }
  if (status == 404) {
    return {VerdictKind::refused, code + ": the subscriber declined"};
  }
  return {VerdictKind::refused, code};
}

}  // namespace hubbub
