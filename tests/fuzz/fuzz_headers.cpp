// Headers Hubbub reads from strangers: Content-Type (media_type_essence),
// Accept (accept_quality), Retry-After (parse_retry_after) and the topic's
// ETag / Last-Modified passing through untouched. No crash; qualities stay in
// [0, 1]; a Retry-After delay is never negative.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/media_type.h"
#include "util/retry_after.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const std::string essence = hubbub::media_type_essence(value);
  if (essence.size() > value.size()) {
    std::abort();
  }
  for (const char* type : {"text/html", "text/plain", "application/json"}) {
    const double q = hubbub::accept_quality(value, type);
    if (!(q >= 0.0 && q <= 1.0)) {
      std::abort();
    }
  }
  const auto now = hubbub::from_unix_ms(1'800'000'000'000);
  if (const auto wait = hubbub::parse_retry_after(value, now); wait && wait->count() < 0) {
    std::abort();
  }
  return 0;
}
