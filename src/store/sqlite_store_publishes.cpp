#include "store/sqlite_store.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "store/fair_claim.h"
#include "store/fanout_chunk.h"
#include "store/sqlite_rows.h"
#include "store/state_codes.h"
#include "util/url.h"

namespace hubbub {

namespace {

// Queues a delivery of `contents` (the diff to those that take it) for each
// of the first `chunk` subscriptions of `topic` (by id) after subscription
// `after` that are active at `at` and get something. Those `hand_off`
// selects are queued claimed until `claim_until`, and added to `handed`.
Result<QueuedChunk> queue_deliveries(Database& db, std::int64_t publish_topic_id, const FanoutContents& contents,
                                     std::string_view topic, std::int64_t at, std::int64_t after, std::size_t chunk,
                                     const DeliveryHandOff& hand_off = {},
                                     std::vector<ClaimedDelivery>* handed = nullptr) {
  std::optional<std::int64_t> claim_until;
  std::int64_t last_handed = std::numeric_limits<std::int64_t>::max();  // the hand-off's last subscription
  std::string busy = "[]";
  const std::size_t hand_off_max = handed != nullptr ? std::min(hand_off.max, chunk) : 0;
  if (hand_off_max > 0) {
    claim_until = at + hand_off.claim.count();
    busy = json_text_array(hand_off.busy_origins);
    HUBBUB_TRY_ASSIGN(q, db.query("SELECT id FROM subscriptions WHERE topic = ?1 AND id > ?2 AND expires_at > ?3 "
                                  "ORDER BY id LIMIT 1 OFFSET ?4"));
    q->bind(1, topic).bind(2, after).bind(3, at).bind(4, static_cast<std::int64_t>(hand_off_max - 1));
    HUBBUB_TRY_ASSIGN(row, q->step());
    if (*row) {
      last_handed = q->int64(0);
    }
    q->reset();
  }
  HUBBUB_TRY_ASSIGN(
      q, db.query("INSERT INTO deliveries (publish_topic_id, content_id, subscription_id, origin, "
                  "delivery_id, published_at, state, attempts, due_at, created_at, updated_at, claimed_until) "
                  "SELECT ?1, CASE WHEN ?7 IS NOT NULL AND coalesce(feed_diff, ?7) = 1 THEN ?8 ELSE ?2 END, id, "
                  "origin, lower(hex(randomblob(12))), "
                  "(SELECT p.created_at FROM publish_topics t JOIN publishes p ON p.id = t.publish_id "
                  "WHERE t.id = ?1), 0, handed, ?3, ?3, ?3, CASE WHEN handed = 1 THEN ?9 END "
                  "FROM (SELECT id, feed_diff, origin, CASE WHEN ?9 IS NOT NULL AND id <= ?10 AND origin NOT IN "
                  "(SELECT value FROM json_each(?11)) THEN 1 ELSE 0 END AS handed "
                  "FROM (SELECT id, feed_diff, hubbub_origin(callback) AS origin FROM subscriptions "
                  "WHERE topic = ?4 AND id > ?5 AND expires_at > ?3 "
                  "AND NOT (?7 IS NOT NULL AND coalesce(feed_diff, ?7) = 1 AND ?8 IS NULL) ORDER BY id LIMIT ?6)) "
                  "RETURNING id, delivery_id, origin, content_id, subscription_id, claimed_until, published_at"));
  q->bind(1, publish_topic_id)
      .bind(2, contents.content)
      .bind(7, contents.diff_default)
      .bind(8, contents.diff)
      .bind(3, at)
      .bind(4, topic)
      .bind(5, after)
      .bind(6, static_cast<std::int64_t>(chunk))
      .bind(9, claim_until)
      .bind(10, last_handed)
      .bind(11, std::string_view(busy));
  QueuedChunk queued;
  HUBBUB_TRY(q->for_each([&](const Query& row) {
    ++queued.count;
    queued.last_subscription = std::max(queued.last_subscription, row.int64(4));
    if (handed != nullptr && !row.is_null(5)) {
      handed->push_back(
          {row.int64(0), row.text(1), row.text(2), row.int64(3), row.int64(4), 1, at, row.int64(6), false});
    }
  }));
  return queued;
}

// Stores a content of `topic` (a fat ping's, a fetch's or a feed's diff);
// returns its id.
Result<std::int64_t> insert_content(Database& db, std::string_view topic,
                                    const std::optional<std::string>& content_type, const std::string& body,
                                    std::int64_t at) {
  HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO contents (topic, content_type, body, created_at) VALUES (?, ?, ?, ?)"));
  q->bind(1, topic).bind(2, content_type).bind_blob(3, body).bind(4, at);
  HUBBUB_TRY(q->run());
  return db.last_insert_rowid();
}

// Remembers the entries of `topic`'s feed as of `at`, and forgets the oldest
// beyond k_feed_entries_kept and those unseen for k_feed_entry_max_age.
Status remember_feed_entries(Database& db, std::string_view topic, const std::vector<FeedEntryState>& entries,
                             std::int64_t at) {
  HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO feed_entries (topic, key_hash, hash, seen_at) VALUES (?1, ?2, ?3, ?4) "
                                "ON CONFLICT (topic, key_hash) DO UPDATE SET hash = excluded.hash, "
                                "seen_at = excluded.seen_at"));
  for (const auto& [key, hash] : entries) {
    q->reset();
    q->bind(1, topic).bind(2, std::string_view(key)).bind(3, std::string_view(hash)).bind(4, at);
    HUBBUB_TRY(q->run());
  }
  HUBBUB_TRY_ASSIGN(prune, db.query("DELETE FROM feed_entries WHERE topic = ?1 AND (seen_at < ?2 OR key_hash IN "
                                    "(SELECT key_hash FROM feed_entries WHERE topic = ?1 "
                                    "ORDER BY seen_at DESC, key_hash LIMIT -1 OFFSET ?3))"));
  prune->bind(1, topic)
      .bind(2, at - std::chrono::duration_cast<Millis>(k_feed_entry_max_age).count())
      .bind(3, static_cast<std::int64_t>(k_feed_entries_kept));
  return prune->run();
}

}  // namespace

void SqliteStore::add_publish(NewPublish publish, Done done) {
  m_writer.submit(
      [publish = std::move(publish)](Database& db) -> Status {
        const std::int64_t created = to_unix_ms(publish.created_at);
        {
          HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO publishes (token, created_at) VALUES (?, ?)"));
          q->bind(1, std::string_view(publish.id)).bind(2, created);
          HUBBUB_TRY(q->run());
        }
        const std::int64_t publish_id = db.last_insert_rowid();
        std::optional<std::int64_t> content_id;
        if (publish.content) {
          HUBBUB_TRY_ASSIGN(id, insert_content(db, publish.content->topic, publish.content->content_type,
                                               publish.content->body, created));
          content_id = *id;
        }
        HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO publish_topics (publish_id, topic, state, content_id, due_at, "
                                      "updated_at) VALUES (?, ?, 0, ?, ?, ?)"));
        for (const auto& topic : publish.topics) {
          q->bind(1, publish_id).bind(2, std::string_view(topic)).bind(3, content_id).bind(4, created).bind(5, created);
          HUBBUB_TRY(q->run());
          q->reset();
        }
        return {};
      },
      std::move(done));
}

Result<std::optional<PublishStatus>> SqliteStore::find_publish(std::string_view id) {
  auto db = reader();
  PublishStatus status;
  std::int64_t publish_id = 0;
  {
    HUBBUB_TRY_ASSIGN(q, db->query("SELECT id, created_at FROM publishes WHERE token = ?"));
    q->bind(1, id);
    HUBBUB_TRY_ASSIGN(row, q->step());
    if (!*row) {
      return std::nullopt;
    }
    publish_id = q->int64(0);
    status.id = std::string(id);
    status.created_at = from_unix_ms(q->int64(1));
  }
  std::vector<std::int64_t> topic_ids;
  {
    HUBBUB_TRY_ASSIGN(q, db->query("SELECT id, topic, state, subscribers, attempts, last_error, "
                                   "fanout_after IS NOT NULL FROM publish_topics WHERE publish_id = ? ORDER BY id"));
    q->bind(1, publish_id);
    HUBBUB_TRY(q->for_each([&](const Query& row) -> Status {
      PublishStatus::Topic t;
      HUBBUB_TRY_ASSIGN(state, state_from_code<FetchState>(row.int64(2)));
      topic_ids.push_back(row.int64(0));
      t.topic = row.text(1);
      t.state = *state;
      t.subscribers = row.optional_int64(3);
      t.attempts = static_cast<std::uint32_t>(row.int64(4));
      t.last_error = row.optional_text(5);
      t.fanout_open = row.int64(6) != 0;
      status.topics.push_back(std::move(t));
      return {};
    }));
  }
  // Replays (admin API) are not the publish's own deliveries.
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT state, last_error IS NOT NULL, count(*) FROM deliveries "
                                 "WHERE publish_topic_id = ? AND replay IS NULL GROUP BY 1, 2"));
  for (std::size_t i = 0; i < topic_ids.size(); ++i) {
    q->bind(1, topic_ids[i]);
    PublishStatus::Topic& t = status.topics[i];
    HUBBUB_TRY(q->for_each([&t](const Query& row) -> Status {
      HUBBUB_TRY_ASSIGN(state, state_from_code<DeliveryState>(row.int64(0)));
      const std::int64_t n = row.int64(2);
      if (*state == DeliveryState::delivered) {
        t.delivered += n;
      } else if (*state == DeliveryState::pending) {
        (row.int64(1) != 0 ? t.retrying : t.pending) += n;
      } else {
        t.failed += n;
      }
      return {};
    }));
  }
  return status;
}

Result<std::vector<FetchJob>> SqliteStore::claim_due_fetches(TimePoint now, Millis claim_for, std::size_t max,
                                                             const OriginShare& share) {
  std::vector<FetchJob> claimed;
  auto s = m_writer.run(
      [&](Database& db) -> Status {
        claimed.clear();  // a job may run twice (group_commit.h)
        {
          HUBBUB_TRY_ASSIGN(
              q, db.query("UPDATE publish_topics SET claimed_until = ?1, attempts = attempts + 1, updated_at = ?2 "
                          "WHERE id IN (SELECT p.id FROM publish_topics p WHERE p.state = 0 AND p.due_at <= ?2 "
                          "AND (p.claimed_until IS NULL OR p.claimed_until <= ?2) "
                          "AND (?4 = '[]' OR hubbub_origin(p.topic) NOT IN (SELECT value FROM json_each(?4))) "
                          "AND NOT EXISTS (SELECT 1 FROM publish_topics e WHERE e.state = 0 AND e.topic = p.topic "
                          "AND e.id < p.id) ORDER BY p.due_at LIMIT ?3) RETURNING id, topic, content_id, attempts"));
          HUBBUB_TRY_ASSIGN(unclaim, db.query("UPDATE publish_topics SET claimed_until = NULL, attempts = attempts - 1 "
                                              "WHERE id = ?"));
          const std::int64_t t = to_unix_ms(now);
          auto s = claim_fairly(
              max, share, claimed,
              [&](std::size_t n, const std::vector<std::string>& busy, std::vector<FetchJob>& out) {
                q->reset();
                q->bind(1, t + claim_for.count())
                    .bind(2, t)
                    .bind(3, static_cast<std::int64_t>(n))
                    .bind(4, std::string_view(json_text_array(busy)));
                return q->for_each([&](const Query& row) {
                  FetchJob job;
                  job.id = row.int64(0);
                  job.topic = row.text(1);
                  job.content_id = row.optional_int64(2);
                  job.attempts = static_cast<std::uint32_t>(row.int64(3));
                  out.push_back(std::move(job));
                });
              },
              [](const FetchJob& job) { return url_origin_key(job.topic); },
              [&](const FetchJob& job) {
                unclaim->reset();
                unclaim->bind(1, job.id);
                return unclaim->run();
              });
          if (!s) {
            return s;
          }
        }
        // Pings of a regular fetch's topic that arrived before it begins are
        // answered by it. A fat ping brings its own content: it is never folded,
        // nor are the pings after it, which must follow its content.
        HUBBUB_TRY_ASSIGN(newest,
                          db.query("SELECT max(id) FROM publish_topics WHERE state = 0 AND topic = ?1 "
                                   "AND content_id IS NULL AND id < coalesce((SELECT min(id) FROM publish_topics "
                                   "WHERE state = 0 AND topic = ?1 AND content_id IS NOT NULL), "
                                   "9223372036854775807)"));
        for (auto& job : claimed) {
          job.covers_up_to = job.id;
          if (job.content_id) {
            continue;
          }
          newest->bind(1, std::string_view(job.topic));
          HUBBUB_TRY_ASSIGN(row, newest->step());
          if (*row && !newest->is_null(0)) {
            job.covers_up_to = std::max(job.id, newest->int64(0));
          }
          newest->reset();
        }
        HUBBUB_TRY_ASSIGN(q, db.query("SELECT etag, last_modified, content_hash FROM topics WHERE topic = ?"));
        for (auto& job : claimed) {
          q->bind(1, std::string_view(job.topic));
          HUBBUB_TRY_ASSIGN(row, q->step());
          if (*row) {
            job.etag = q->optional_text(0);
            job.last_modified = q->optional_text(1);
            job.content_hash = q->optional_text(2);
          }
          q->reset();
        }
        return {};
      },
      GroupCommit::Durability::may_be_lost);  // a lost claim is released at start anyway
  HUBBUB_TRY(s);
  return claimed;
}

Result<std::optional<TimePoint>> SqliteStore::next_fetch_due() {
  return next_due(
      "SELECT due_at FROM publish_topics WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

void SqliteStore::retry_fetch(std::int64_t id, TimePoint due_at, std::string error, TimePoint now, Done done) {
  m_writer.submit(
      [id, due_at, error = std::move(error), now](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("UPDATE publish_topics SET due_at = ?, claimed_until = NULL, last_error = ?, "
                                      "updated_at = ? WHERE id = ? AND state = 0"));
        q->bind(1, to_unix_ms(due_at)).bind(2, std::string_view(error)).bind(3, to_unix_ms(now)).bind(4, id);
        return q->run();
      },
      std::move(done));
}

void SqliteStore::finish_fetch(FetchOutcome o, std::function<void(Result<FetchFinished>)> done) {
  auto finished = std::make_shared<FetchFinished>();
  m_writer.submit(
      [o = std::move(o), finished](Database& db) -> Status {
        *finished = {};  // a job may run twice (group_commit.h)
        const std::int64_t at = to_unix_ms(o.at);
        std::string topic;
        {
          HUBBUB_TRY_ASSIGN(q, db.query("SELECT topic FROM publish_topics WHERE id = ? AND state = 0"));
          q->bind(1, o.id);
          HUBBUB_TRY_ASSIGN(row, q->step());
          if (!*row) {
            return {};  // already settled
          }
          topic = q->text(0);
        }
        std::optional<std::int64_t> content_id;
        std::optional<std::int64_t> fanout_after;
        std::optional<std::int64_t> diff_id;
        std::optional<std::int64_t> diff_default;
        FetchState state = o.state;
        if (o.state == FetchState::distributed || o.state == FetchState::unchanged) {
          HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO topics (topic, etag, last_modified, content_hash, fetched_at) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (topic) DO UPDATE SET "
                                        "etag = coalesce(?2, etag), last_modified = coalesce(?3, last_modified), "
                                        "content_hash = coalesce(?4, content_hash), fetched_at = ?5"));
          q->bind(1, std::string_view(topic))
              .bind(2, o.etag)
              .bind(3, o.last_modified)
              .bind(4, o.content_hash)
              .bind(5, at);
          HUBBUB_TRY(q->run());
        }
        if (o.state == FetchState::distributed) {
          if (o.content && o.content->id > 0) {
            content_id = o.content->id;
          } else if (o.content) {
            HUBBUB_TRY_ASSIGN(id, insert_content(db, topic, o.content->content_type, o.content->body, at));
            content_id = *id;
          }
          if (o.feed) {
            if (o.feed->body) {
              HUBBUB_TRY_ASSIGN(
                  id, insert_content(db, topic, o.content ? o.content->content_type : std::nullopt, *o.feed->body, at));
              diff_id = *id;
            }
            diff_default = o.feed->by_default ? 1 : 0;
            HUBBUB_TRY(remember_feed_entries(db, topic, o.feed->entries, at));
          }
          std::vector<ClaimedDelivery> handed;
          HUBBUB_TRY_ASSIGN(first, queue_deliveries(db, o.id, {content_id, diff_default, diff_id}, topic, at, 0,
                                                    o.fanout_chunk, o.hand_off, &handed));
          finished->queued = first->count;
          HUBBUB_TRY_ASSIGN(jobs, delivery_jobs(db, handed, at));
          finished->handed_off = std::move(*jobs);
          if (first->count == o.fanout_chunk && first->count > 0) {
            fanout_after = first->last_subscription;  // more may follow: extend_fanouts()
          }
          if (o.feed && first->count == 0) {
            state = FetchState::unchanged;  // diffed: nothing new for anyone
          }
        }
        if ((o.state == FetchState::distributed || o.state == FetchState::unchanged) && o.covers_up_to > o.id) {
          HUBBUB_TRY_ASSIGN(q, db.query("UPDATE publish_topics SET state = ?1, content_id = ?2, claimed_until = NULL, "
                                        "updated_at = ?3 WHERE topic = ?4 AND state = 0 AND content_id IS NULL "
                                        "AND id > ?5 AND id <= ?6"));
          q->bind(1, code_of(FetchState::coalesced))
              .bind(2, content_id)
              .bind(3, at)
              .bind(4, std::string_view(topic))
              .bind(5, o.id)
              .bind(6, o.covers_up_to);
          HUBBUB_TRY(q->run());
        }
        // Subscribers: those sent this content, or for unchanged content those
        // that would have been; unknown (NULL) for a fetch that failed.
        HUBBUB_TRY_ASSIGN(q, db.query("UPDATE publish_topics SET state = ?1, content_id = coalesce(?2, content_id), "
                                      "subscribers = CASE WHEN ?3 IS NOT NULL THEN ?3 WHEN ?7 THEN "
                                      "(SELECT count(*) FROM subscriptions WHERE topic = ?8 AND expires_at > ?5) END, "
                                      "claimed_until = NULL, last_error = ?4, updated_at = ?5, fanout_after = ?9, "
                                      "feed_diff = ?10, diff_content_id = ?11 WHERE id = ?6"));
        q->bind(1, code_of(state))
            .bind(2, content_id)
            .bind(3, state == FetchState::distributed
                         ? std::optional<std::int64_t>(static_cast<std::int64_t>(finished->queued))
                         : std::optional<std::int64_t>())
            .bind(4, o.error)
            .bind(5, at)
            .bind(6, o.id)
            .bind(7, std::int64_t{state == FetchState::unchanged || state == FetchState::no_subscribers})
            .bind(8, std::string_view(topic))
            .bind(9, fanout_after)
            .bind(10, diff_default)
            .bind(11, diff_id);
        return q->run();
      },
      [finished, done = std::move(done)](Status s) {
        if (!s) {
          done(std::unexpected(s.error()));
        } else {
          done(std::move(*finished));
        }
      });
}

void SqliteStore::extend_fanouts(TimePoint now, std::size_t chunk, std::function<void(Result<FanoutStep>)> done) {
  auto step = std::make_shared<FanoutStep>();
  m_writer.submit(
      [step, now, chunk](Database& db) -> Status {
        *step = {};  // a job may run twice (group_commit.h)
        const std::int64_t at = to_unix_ms(now);
        struct Open {
          std::int64_t id;
          std::string topic;
          FanoutContents contents;
          std::int64_t after;
        };
        std::vector<Open> open;
        {
          HUBBUB_TRY_ASSIGN(q, db.query("SELECT id, topic, content_id, fanout_after, feed_diff, diff_content_id "
                                        "FROM publish_topics WHERE fanout_after IS NOT NULL ORDER BY id LIMIT ?"));
          q->bind(1, static_cast<std::int64_t>(k_fanouts_per_step));
          HUBBUB_TRY(q->for_each([&](const Query& row) {
            open.push_back({row.int64(0),
                            row.text(1),
                            {row.optional_int64(2), row.optional_int64(4), row.optional_int64(5)},
                            row.int64(3)});
          }));
        }
        for (const Open& f : open) {
          HUBBUB_TRY_ASSIGN(next, queue_deliveries(db, f.id, f.contents, f.topic, at, f.after, chunk));
          HUBBUB_TRY_ASSIGN(q, db.query("UPDATE publish_topics SET fanout_after = ?1, "
                                        "subscribers = coalesce(subscribers, 0) + ?2, updated_at = ?3 WHERE id = ?4"));
          q->bind(1, next->count == chunk && next->count > 0 ? std::optional<std::int64_t>(next->last_subscription)
                                                             : std::nullopt)
              .bind(2, static_cast<std::int64_t>(next->count))
              .bind(3, at)
              .bind(4, f.id);
          HUBBUB_TRY(q->run());
          step->queued += next->count;
        }
        HUBBUB_TRY_ASSIGN(more,
                          db.query("SELECT EXISTS (SELECT 1 FROM publish_topics WHERE fanout_after IS NOT NULL)"));
        HUBBUB_TRY_ASSIGN(row, more->step());
        step->more = *row && more->int64(0) != 0;
        return {};
      },
      [step, done = std::move(done)](Status s) {
        if (!s) {
          done(std::unexpected(s.error()));
        } else {
          done(*step);
        }
      });
}

Result<std::size_t> SqliteStore::count_active_subscriptions(std::string_view topic, TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT CASE WHEN c < ?3 THEN c ELSE max(c, coalesce((SELECT n FROM topic_tallies "
                                 "WHERE topic = ?1), 0)) END FROM (SELECT count(*) AS c FROM (SELECT 1 FROM "
                                 "subscriptions WHERE topic = ?1 AND expires_at > ?2 LIMIT ?3))"));
  q->bind(1, topic).bind(2, to_unix_ms(now)).bind(3, k_exact_subscriber_count);
  HUBBUB_TRY_ASSIGN(row, q->step());
  return static_cast<std::size_t>(q->int64(0));
}

Result<bool> SqliteStore::feed_diff_wanted(std::string_view topic, TimePoint now, bool by_default) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT EXISTS (SELECT 1 FROM subscriptions WHERE topic = ? AND expires_at > ? "
                                 "AND coalesce(feed_diff, ?) = 1)"));
  q->bind(1, topic).bind(2, to_unix_ms(now)).bind(3, std::int64_t{by_default ? 1 : 0});
  HUBBUB_TRY_ASSIGN(row, q->step());
  return *row && q->int64(0) != 0;
}

Result<std::unordered_map<std::string, std::string>> SqliteStore::feed_entries(std::string_view topic) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT key_hash, hash FROM feed_entries WHERE topic = ?"));
  q->bind(1, topic);
  std::unordered_map<std::string, std::string> out;
  HUBBUB_TRY(q->for_each([&](const Query& row) { out.emplace(row.text(0), row.text(1)); }));
  return out;
}

Result<std::int64_t> SqliteStore::count_queued_deliveries(std::int64_t limit) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE state = 0 LIMIT ?)"));
  q->bind(1, limit);
  HUBBUB_TRY_ASSIGN(row, q->step());
  return *row ? q->int64(0) : 0;
}

Result<std::optional<Content>> SqliteStore::find_content(std::int64_t content_id) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT id, topic, content_type, body FROM contents WHERE id = ?"));
  q->bind(1, content_id);
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  Content c;
  c.id = q->int64(0);
  c.topic = q->text(1);
  c.content_type = q->optional_text(2);
  c.body = q->text(3);
  return c;
}

}  // namespace hubbub
