#include "websub/hub_request.h"

#include "util/url.h"
#include "websub/limits.h"

namespace hubbub {
namespace {

// The value of a parameter that may appear at most once.
Result<std::optional<std::string_view>> single(const Form& form, std::string_view name) {
  const std::size_t n = form.count(name);
  if (n > 1) {
    return fail(std::string(name) + " is given " + std::to_string(n) + " times; give it once");
  }
  return form.first(name);
}

Result<std::string> required_url(const Form& form, std::string_view name) {
  auto value = single(form, name);
  if (!value) {
    return std::unexpected(value.error());
  }
  if (!*value) {
    return fail(std::string(name) + " is missing");
  }
  auto url = normalize_http_url(**value, k_max_url_bytes);
  if (!url) {
    return fail(std::string(name) + " " + url.error().message);
  }
  return url;
}

}  // namespace

Result<HubRequest> parse_hub_request(const Form& form, const LeasePolicy& leases) {
  auto mode = single(form, "hub.mode");
  if (!mode) {
    return std::unexpected(mode.error());
  }
  if (!*mode) {
    return fail("hub.mode is missing; use subscribe, unsubscribe or publish");
  }
  if (**mode == "publish") {
    return PublishPing{};
  }
  NewRequest request;
  if (**mode == "subscribe") {
    request.mode = RequestMode::subscribe;
  } else if (**mode == "unsubscribe") {
    request.mode = RequestMode::unsubscribe;
  } else {
    return fail("hub.mode must be subscribe, unsubscribe or publish");
  }

  auto callback = required_url(form, "hub.callback");
  if (!callback) {
    return std::unexpected(callback.error());
  }
  auto topic = required_url(form, "hub.topic");
  if (!topic) {
    return std::unexpected(topic.error());
  }
  request.callback = std::move(*callback);
  request.topic = std::move(*topic);

  auto verify_token = single(form, "hub.verify_token");
  if (!verify_token) {
    return std::unexpected(verify_token.error());
  }
  if (*verify_token) {
    if ((*verify_token)->size() > k_max_verify_token_bytes) {
      return fail("hub.verify_token is longer than " + std::to_string(k_max_verify_token_bytes) + " bytes");
    }
    request.verify_token = std::string(**verify_token);
  }

  if (request.mode == RequestMode::unsubscribe) {
    return request;  // lease and secret mean nothing here (SUB-07)
  }

  auto secret = single(form, "hub.secret");
  if (!secret) {
    return std::unexpected(secret.error());
  }
  if (*secret && !(*secret)->empty()) {
    if ((*secret)->size() > k_max_secret_bytes) {
      return fail("hub.secret must be shorter than 200 bytes (it has " + std::to_string((*secret)->size()) + ")");
    }
    request.secret = std::string(**secret);
  }

  auto lease = single(form, "hub.lease_seconds");
  if (!lease) {
    return std::unexpected(lease.error());
  }
  if (*lease) {
    auto seconds = parse_lease_seconds(**lease);
    if (!seconds) {
      return std::unexpected(seconds.error());
    }
    request.lease_requested = *seconds;
  }
  request.lease_granted = leases.grant(request.lease_requested);
  return request;
}

}  // namespace hubbub
