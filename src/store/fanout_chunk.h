#pragma once
// A chunk of a fan-out as both engines write it (FetchQueue::finish_fetch
// and extend_fanouts): how many deliveries one statement queued, and the
// last subscription's id, the cursor the next chunk starts after.

#include <cstddef>
#include <cstdint>

namespace hubbub {

struct QueuedChunk {
  std::size_t count = 0;
  std::int64_t last_subscription = 0;
};

}  // namespace hubbub
