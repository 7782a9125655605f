#include "websub/hub_request.h"

#include <algorithm>

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

// An optional true/false extension parameter (empty: not given).
Result<std::optional<bool>> flag(const Form& form, std::string_view name) {
  HUBBUB_TRY_ASSIGN(value, single(form, name));
  if (!*value || (*value)->empty()) {
    return std::nullopt;
  }
  if (**value == "true") {
    return true;
  }
  if (**value == "false") {
    return false;
  }
  return fail(std::string(name) + " must be true or false");
}

Result<std::string> required_url(const Form& form, std::string_view name) {
  HUBBUB_TRY_ASSIGN(value, single(form, name));
  if (!*value) {
    return fail(std::string(name) + " is missing");
  }
  auto url = normalize_http_url(**value, k_max_url_bytes);
  if (!url) {
    return fail(std::string(name) + " " + url.error().message);
  }
  return url;
}

Result<PublishPing> parse_publish(const Form& form) {
  PublishPing ping;
  std::vector<std::string_view> raw;
  for (const auto& field : form.fields()) {
    if (field.name == "hub.url" || field.name == "hub.url[]" || field.name == "hub.topic") {
      raw.push_back(field.value);
    }
  }
  if (raw.empty()) {
    return fail("a publish ping names its topic with hub.url (or hub.topic)");
  }
  auto add = [&ping](std::string url) {
    if (std::find(ping.topics.begin(), ping.topics.end(), url) == ping.topics.end()) {
      ping.topics.push_back(std::move(url));
    }
  };
  for (const std::string_view value : raw) {
    if (value.find(',') != std::string_view::npos) {
      std::vector<std::string> parts;
      bool all_urls = true;
      std::size_t start = 0;
      while (start <= value.size() && all_urls) {
        const std::size_t end = std::min(value.find(',', start), value.size());
        std::string_view part = value.substr(start, end - start);
        while (!part.empty() && part.front() == ' ') {
          part.remove_prefix(1);
        }
        auto url = normalize_http_url(part, k_max_url_bytes);
        all_urls = url.has_value();
        if (url) {
          parts.push_back(std::move(*url));
        }
        start = end + 1;
      }
      if (all_urls) {
        for (auto& p : parts) {
          add(std::move(p));
        }
        continue;
      }
    }
    auto url = normalize_http_url(value, k_max_url_bytes);
    if (!url) {
      return fail("topic URL " + url.error().message);
    }
    add(std::move(*url));
  }
  if (ping.topics.size() > k_max_topics_per_publish) {
    return fail("a publish ping names at most " + std::to_string(k_max_topics_per_publish) + " topics");
  }
  return ping;
}

}  // namespace

Result<HubRequest> parse_hub_request(const Form& form, const LeasePolicy& leases) {
  HUBBUB_TRY_ASSIGN(mode, single(form, "hub.mode"));
  if (!*mode) {
    return fail("hub.mode is missing; use subscribe, unsubscribe or publish");
  }
  if (**mode == "publish") {
    HUBBUB_TRY_ASSIGN(ping, parse_publish(form));
    return *ping;
  }
  NewRequest request;
  if (**mode == "subscribe") {
    request.mode = RequestMode::subscribe;
  } else if (**mode == "unsubscribe") {
    request.mode = RequestMode::unsubscribe;
  } else {
    return fail("hub.mode must be subscribe, unsubscribe or publish");
  }

  HUBBUB_TRY_ASSIGN(callback, required_url(form, "hub.callback"));
  HUBBUB_TRY_ASSIGN(topic, required_url(form, "hub.topic"));
  request.callback = std::move(*callback);
  request.topic = std::move(*topic);

  HUBBUB_TRY_ASSIGN(verify_token, single(form, "hub.verify_token"));
  if (*verify_token) {
    if ((*verify_token)->size() > k_max_verify_token_bytes) {
      return fail("hub.verify_token is longer than " + std::to_string(k_max_verify_token_bytes) + " bytes");
    }
    request.verify_token = std::string(**verify_token);
  }

  if (request.mode == RequestMode::unsubscribe) {
    return request;  // lease and secret mean nothing here (SUB-07)
  }

  HUBBUB_TRY_ASSIGN(secret, single(form, "hub.secret"));
  if (*secret && !(*secret)->empty()) {
    if ((*secret)->size() > k_max_secret_bytes) {
      return fail("hub.secret must be shorter than 200 bytes (it has " + std::to_string((*secret)->size()) + ")");
    }
    request.secret = std::string(**secret);
  }

  HUBBUB_TRY_ASSIGN(lease, single(form, "hub.lease_seconds"));
  if (*lease) {
    HUBBUB_TRY_ASSIGN(seconds, parse_lease_seconds(**lease));
    request.lease_requested = *seconds;
  }
  request.lease_granted = leases.grant(request.lease_requested);

  // Extensions: how this subscriber wants its notifications signed (only
  // meaningful with a secret; kept either way, a renewal may add one).
  HUBBUB_TRY_ASSIGN(algorithm, single(form, "hub.signature_algorithm"));
  if (*algorithm && !(*algorithm)->empty()) {
    request.signature_algorithm = parse_signature_algorithm(**algorithm);
    if (!request.signature_algorithm) {
      return fail("hub.signature_algorithm must be sha1, sha256, sha384 or sha512");
    }
  }
  HUBBUB_TRY_ASSIGN(standard, flag(form, "hub.standard_webhooks"));
  request.standard_webhooks = *standard;
  // Extension: Atom/RSS diffs or whole feeds.
  HUBBUB_TRY_ASSIGN(diff, flag(form, "hub.feed_diff"));
  request.feed_diff = *diff;
  return request;
}

}  // namespace hubbub
