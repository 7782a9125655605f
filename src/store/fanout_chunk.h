#pragma once
// A chunk of a fan-out as both engines write it (FetchQueue::finish_fetch
// and extend_fanouts): how many deliveries one statement queued, and the
// last subscription's id, the cursor the next chunk starts after.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace hubbub {

struct QueuedChunk {
  std::size_t count = 0;
  std::int64_t last_subscription = 0;
};

// What a fan-out sends (publish_topics.content_id, feed_diff,
// diff_content_id): the content, and when it was diffed as a feed, its diff
// to the subscriptions that take diffs (their hub.feed_diff, else
// `diff_default`); with no diff (no entry new or updated) those get nothing.
struct FanoutContents {
  std::optional<std::int64_t> content;
  std::optional<std::int64_t> diff_default;  // none: not diffed; 0 or 1
  std::optional<std::int64_t> diff;
};

}  // namespace hubbub
