#pragma once
// Requests for the hub's HTTP client, as its unit tests send them.

#include <chrono>
#include <string>

#include "net/http_client.h"

namespace hubbub::test {

// A GET of `url` with a timeout long enough for a loaded machine.
inline HttpRequest get_request(std::string url) {
  HttpRequest r;
  r.url = std::move(url);
  r.timeout = std::chrono::milliseconds{5000};
  return r;
}

}  // namespace hubbub::test
