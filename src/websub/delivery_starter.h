#pragma once
// The distributor as the fetcher sees it when a fan-out hands its first
// deliveries over (FetchOutcome::hand_off): slots reserved for deliveries
// the fetch's own transaction claims, then the claimed jobs, started at once
// without a claim of their own.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "websub/model.h"

namespace hubbub {

class DeliveryStarter {
 public:
  virtual ~DeliveryStarter() = default;
  // Reserves slots for up to `want` deliveries: how many (max), how long to
  // claim them for, and the origins not to claim for now. Thread-safe.
  virtual DeliveryHandOff reserve(std::size_t want) = 0;
  // Starts `jobs` (claimed in `reserved` slots, at most that many) and gives
  // back the slots left over; called once for every reserve(), with no jobs
  // when the fetch's transaction failed. Thread-safe.
  virtual void take(std::size_t reserved, std::vector<DeliveryJob> jobs) = 0;
  // The content stored as `content_id`, as the fetch that stored it has it:
  // deliveries of it are sent without reading it back. Thread-safe.
  virtual void remember(std::int64_t content_id, std::optional<std::string> content_type,
                        std::shared_ptr<const std::string> body) = 0;
};

}  // namespace hubbub
