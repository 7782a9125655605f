#include "websub/lease_policy.h"

#include <limits>

namespace hubbub {

std::chrono::seconds LeasePolicy::grant(std::optional<std::uint64_t> requested) const {
  if (!requested) {
    return fallback;
  }
  if (*requested < static_cast<std::uint64_t>(min.count())) {
    return min;
  }
  if (*requested > static_cast<std::uint64_t>(max.count())) {
    return max;
  }
  return std::chrono::seconds{static_cast<std::int64_t>(*requested)};
}

Status LeasePolicy::check() const {
  if (min.count() < 1) {
    return fail("lease-min must be at least 1 second");
  }
  if (!(min <= fallback && fallback <= max)) {
    return fail("leases must satisfy lease-min <= lease-default <= lease-max (got " + std::to_string(min.count()) +
                " / " + std::to_string(fallback.count()) + " / " + std::to_string(max.count()) + ")");
  }
  return {};
}

Result<std::uint64_t> parse_lease_seconds(std::string_view text) {
  if (text.empty()) {
    return fail("hub.lease_seconds is empty; it must be a positive decimal integer");
  }
  constexpr auto k_max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return fail("hub.lease_seconds must be a positive decimal integer (digits only)");
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    value = value > (k_max - digit) / 10 ? k_max : value * 10 + digit;
  }
  return value;
}

}  // namespace hubbub
