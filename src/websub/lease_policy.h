#pragma once
// Lease policy (websub-requirements.md D5): a requested lease is clamped into
// [min, max], never refused for its size; none requested gets the default.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "util/result.h"
#include "websub/limits.h"

namespace hubbub {

struct LeasePolicy {
  std::chrono::seconds min = k_default_lease_min;
  std::chrono::seconds fallback = k_default_lease;
  std::chrono::seconds max = k_default_lease_max;

  // The lease to grant for a requested value (seconds), or the default.
  std::chrono::seconds grant(std::optional<std::uint64_t> requested) const;
  // min <= fallback <= max and min >= 1 s.
  Status check() const;
};

// hub.lease_seconds: one or more ASCII digits and nothing else; values beyond
// 64 bits saturate (and are then clamped). Signs, spaces, decimals, exponents
// and empty values are refused.
Result<std::uint64_t> parse_lease_seconds(std::string_view text);

}  // namespace hubbub
