#include <catch2/catch.hpp>

#include "net/http_failure.h"

using namespace hubbub;

TEST_CASE("a failure that waiting cannot change is never retried", "[net][http_failure]") {
  CHECK_FALSE(is_retryable(HttpFailure::blocked_address));
  CHECK_FALSE(is_retryable(HttpFailure::bad_url));
  CHECK_FALSE(is_retryable(HttpFailure::too_large));
  CHECK_FALSE(is_retryable(HttpFailure::cancelled));
  CHECK(is_retryable(HttpFailure::dns));
  CHECK(is_retryable(HttpFailure::connect));
  CHECK(is_retryable(HttpFailure::tls));
  CHECK(is_retryable(HttpFailure::timeout));
  CHECK(is_retryable(HttpFailure::protocol));
}

TEST_CASE("a failure is described by its kind and its detail", "[net][http_failure]") {
  CHECK(describe({HttpFailure::blocked_address, "127.0.0.1 port 8080 is the hub itself"}) ==
        "blocked_address: 127.0.0.1 port 8080 is the hub itself");
  CHECK(describe({HttpFailure::timeout, "Operation timed out"}) == "timeout: Operation timed out");
  CHECK(std::string(to_string(HttpFailure::too_large)) == "too_large");
}
