#pragma once
// What a POST to the hub URL asks for, parsed and validated from its form
// (WebSub 5.1; websub-requirements.md SUB-01…SUB-26, §2.2 legacy parameters).

#include <string>
#include <variant>
#include <vector>

#include "util/form.h"
#include "util/result.h"
#include "websub/lease_policy.h"
#include "websub/model.h"

namespace hubbub {

// hub.mode=publish: the topics named by hub.url (repeatable), hub.url[] and
// hub.topic, each validated like a subscription's topic, duplicates removed,
// in order. A hub.url holding a comma-separated list is split only when every
// part is an absolute http(s) URL (commas are legal in URLs).
struct PublishPing {
  std::vector<std::string> topics;
};

// A valid subscribe/unsubscribe request; id and created_at are left for the
// caller to fill in.
using HubRequest = std::variant<NewRequest, PublishPing>;

// Parses the hub parameters. Unknown parameters are ignored (SUB-08), as are
// hub.verify (verification is always asynchronous) and, on unsubscribe,
// hub.lease_seconds and hub.secret. A single-valued hub parameter given twice
// is an error. Errors are messages for a 400 text/plain answer.
Result<HubRequest> parse_hub_request(const Form& form, const LeasePolicy& leases);

}  // namespace hubbub
