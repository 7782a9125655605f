#pragma once
// Why an outbound request got no HTTP response, and what that means: the one
// classification the verifier, the fetcher and the distributor use to decide
// whether trying again can help, and the one way a failure is described in
// logs, monitors and the failure log.

#include <string>

namespace hubbub {

enum class HttpFailure {
  blocked_address,  // refused by the egress policy before connecting
  bad_url,          // not a URL the client will fetch (scheme, syntax)
  dns,              // the name did not resolve
  connect,          // refused, unreachable
  tls,              // handshake or certificate failure
  timeout,
  too_large,  // response body over the cap (OversizeBody::fail)
  protocol,   // malformed HTTP from the peer, connection reset mid-way
  cancelled,  // the client was stopped first
};

// The failure's name as logs and metrics spell it: "blocked_address", "dns"…
const char* to_string(HttpFailure failure);

// Whether the same request may succeed later. A refused address, a URL the
// client will not fetch and a body over the cap do not change by waiting, so
// they are never retried (and never hammer anyone). A cancelled request is
// neither: the work is released and runs again after a restart.
bool is_retryable(HttpFailure failure);

struct HttpError {
  HttpFailure kind;
  std::string message;  // the detail, for logs and monitors; never contains secrets
};

// "<kind>: <message>", e.g. "blocked_address: 10.0.0.1 is private-use (…)".
std::string describe(const HttpError& error);

}  // namespace hubbub
