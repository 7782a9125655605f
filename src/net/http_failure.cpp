#include "net/http_failure.h"

namespace hubbub {

const char* to_string(HttpFailure failure) {
  switch (failure) {
    case HttpFailure::blocked_address:
      return "blocked_address";
    case HttpFailure::bad_url:
      return "bad_url";
    case HttpFailure::dns:
      return "dns";
    case HttpFailure::connect:
      return "connect";
    case HttpFailure::tls:
      return "tls";
    case HttpFailure::timeout:
      return "timeout";
    case HttpFailure::too_large:
      return "too_large";
    case HttpFailure::protocol:
      return "protocol";
    case HttpFailure::cancelled:
      return "cancelled";
  }
  return "unknown";
}

bool is_retryable(HttpFailure failure) {
  switch (failure) {
    case HttpFailure::blocked_address:
    case HttpFailure::bad_url:
    case HttpFailure::too_large:
    case HttpFailure::cancelled:
      return false;
    case HttpFailure::dns:
    case HttpFailure::connect:
    case HttpFailure::tls:
    case HttpFailure::timeout:
    case HttpFailure::protocol:
      return true;
  }
  return false;
}

std::string describe(const HttpError& error) {
  return std::string(to_string(error.kind)) + ": " + error.message;
}

}  // namespace hubbub
