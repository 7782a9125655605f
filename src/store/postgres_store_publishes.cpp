#include "store/postgres_store.h"

#include <algorithm>
#include <memory>

#include "store/fair_claim.h"
#include "store/fanout_chunk.h"
#include "store/pg_rows.h"
#include "store/state_codes.h"
#include "util/url.h"

namespace hubbub {
namespace {

// Stores a content; its id.
Result<std::int64_t> insert_content(PgConnection& db, std::string_view topic, const Content& content, std::int64_t at) {
  HUBBUB_TRY_ASSIGN(r, db.exec("INSERT INTO contents (topic, content_type, body, created_at) "
                               "VALUES ($1, $2, $3, $4) RETURNING id",
                               PgParams().add(topic).add(content.content_type).add_bytes(content.body).add(at)));
  return r->int64(0, 0);
}

// Remembers the entries of `topic`'s feed as of `at` (one statement over
// arrays), and forgets the oldest beyond k_feed_entries_kept and those unseen
// for k_feed_entry_max_age.
Status remember_feed_entries(PgConnection& db, std::string_view topic, const std::vector<FeedEntryState>& entries,
                             std::int64_t at) {
  std::vector<std::string> keys, hashes;
  for (const auto& [key, hash] : entries) {
    keys.push_back(key);
    hashes.push_back(hash);
  }
  HUBBUB_TRY(
      db.exec("INSERT INTO feed_entries (topic, key_hash, hash, seen_at) SELECT $1, v.k, v.h, $4 "
              "FROM unnest($2::text[], $3::text[]) AS v(k, h) "
              "ON CONFLICT (topic, key_hash) DO UPDATE SET hash = EXCLUDED.hash, seen_at = EXCLUDED.seen_at",
              PgParams().add(topic).add_array(keys).add_array(hashes).add(at)));
  HUBBUB_TRY(
      db.exec("DELETE FROM feed_entries WHERE topic = $1 AND (seen_at < $2 OR key_hash IN "
              "(SELECT key_hash FROM feed_entries WHERE topic = $1 ORDER BY seen_at DESC, key_hash "
              "OFFSET $3))",
              PgParams()
                  .add(topic)
                  .add(at - std::chrono::duration_cast<Millis>(k_feed_entry_max_age).count())
                  .add(static_cast<std::int64_t>(k_feed_entries_kept))));
  return {};
}

// Pings (without content) recorded by two INSERTs over arrays, however many
// add_publish() calls in a row they came from (pg_writer.h).
class AddPings final : public MergeableItems<AddPings, NewPublish> {
 public:
  using MergeableItems::MergeableItems;

  Status run(PgConnection& db) override {
    if (m_items.empty()) {
      return {};
    }
    std::vector<std::string> tokens, created, topic_tokens, topics, origins, topic_created;
    for (const NewPublish& p : m_items) {
      tokens.push_back(p.id);
      created.push_back(std::to_string(to_unix_ms(p.created_at)));
      for (const auto& topic : p.topics) {
        topic_tokens.push_back(p.id);
        topics.push_back(topic);
        origins.push_back(url_origin_key(topic));
        topic_created.push_back(created.back());
      }
    }
    HUBBUB_TRY(
        db.exec("WITH p AS (INSERT INTO publishes (token, created_at) "
                "SELECT v.token, v.created FROM unnest($1::text[], $2::text[]::bigint[]) WITH ORDINALITY "
                "AS v(token, created, n) ORDER BY v.n RETURNING id, token) "
                "INSERT INTO publish_topics (publish_id, topic, origin, state, content_id, due_at, updated_at) "
                "SELECT p.id, t.topic, t.origin, 0, NULL, t.created, t.created "
                "FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]::bigint[]) WITH ORDINALITY "
                "AS t(token, topic, origin, created, n) JOIN p ON p.token = t.token ORDER BY t.n",
                PgParams()
                    .add_array(tokens)
                    .add_array(created)
                    .add_array(topic_tokens)
                    .add_array(topics)
                    .add_array(origins)
                    .add_array(topic_created)));
    return {};
  }
};

// Queues a delivery of `contents` (the diff to those that take it) for each
// of the first `chunk` subscriptions of `topic` (by id) after subscription
// `after` that are active at `at` and get something. Those `hand_off`
// selects are queued claimed by `node_id` and added to `handed`, joined with
// their subscriptions. One statement: the rows, the count and the cursor.
Result<QueuedChunk> queue_deliveries(PgConnection& db, std::int64_t publish_topic_id, const FanoutContents& contents,
                                     std::string_view topic, std::int64_t at, std::int64_t after, std::size_t chunk,
                                     const DeliveryHandOff& hand_off = {}, std::string_view node_id = {},
                                     std::vector<DeliveryJob>* handed = nullptr) {
  const std::size_t hand_off_max = handed != nullptr ? std::min(hand_off.max, chunk) : 0;
  const std::optional<std::int64_t> claim_until =
      hand_off_max > 0 ? std::optional<std::int64_t>(at + hand_off.claim.count()) : std::nullopt;
  HUBBUB_TRY_ASSIGN(
      r,
      db.exec("WITH queued AS (INSERT INTO deliveries (publish_topic_id, content_id, "
              "subscription_id, origin, delivery_id, published_at, state, attempts, due_at, "
              "created_at, updated_at, claimed_until, claimed_by) SELECT $1::bigint, "
              "CASE WHEN $7::smallint IS NOT NULL AND coalesce(s.feed_diff, $7::smallint) = 1 THEN $8::bigint "
              "ELSE $2::bigint END, "
              "s.id, s.origin, substr(replace(gen_random_uuid()::text, '-', ''), 1, 24), "
              "(SELECT p.created_at FROM publish_topics t JOIN publishes p ON p.id = t.publish_id "
              "WHERE t.id = $1::bigint), 0, CASE WHEN h.claim THEN 1 ELSE 0 END, $3::bigint, $3::bigint, $3::bigint, "
              "CASE WHEN h.claim THEN $9::bigint END, CASE WHEN h.claim THEN $12 END "
              "FROM subscriptions s CROSS JOIN LATERAL (SELECT $9::bigint IS NOT NULL AND NOT (s.origin = "
              "ANY($11::text[])) "
              "AND s.id <= coalesce((SELECT x.id FROM subscriptions x WHERE x.topic = $4 AND x.id > $5 "
              "AND x.expires_at > $3::bigint ORDER BY x.id OFFSET $10 LIMIT 1), 9223372036854775807) AS claim) h "
              "WHERE s.topic = $4 AND s.id > $5 AND s.expires_at > $3::bigint "
              "AND NOT ($7::smallint IS NOT NULL AND coalesce(s.feed_diff, $7::smallint) = 1 AND $8::bigint IS NULL) "
              "ORDER BY s.id LIMIT $6 "
              "RETURNING id, delivery_id, origin, content_id, subscription_id, published_at, claimed_until) "
              // the count and the cursor on the first row, then the claimed rows only
              "SELECT * FROM (SELECT q.id, q.delivery_id, q.origin, q.content_id, q.subscription_id, q.published_at, "
              "s.topic, s.callback, s.secret, s.expires_at, s.signature_algorithm, s.standard_webhooks, "
              "CASE WHEN s.previous_secret_until > $3::bigint THEN s.previous_secret END, "
              "q.claimed_until IS NOT NULL AS handed, count(*) OVER () AS n, max(q.subscription_id) OVER () AS last, "
              "row_number() OVER () AS r FROM queued q LEFT JOIN subscriptions s "
              "ON s.id = q.subscription_id AND q.claimed_until IS NOT NULL) x WHERE x.handed OR x.r = 1",
              PgParams()
                  .add(publish_topic_id)
                  .add(contents.content)
                  .add(at)
                  .add(topic)
                  .add(after)
                  .add(static_cast<std::int64_t>(chunk))
                  .add(contents.diff_default)
                  .add(contents.diff)
                  .add(claim_until)
                  .add(static_cast<std::int64_t>(hand_off_max > 0 ? hand_off_max - 1 : 0))
                  .add_array(hand_off.busy_origins)
                  .add(node_id)));
  QueuedChunk queued;
  for (int row = 0; row < r->rows(); ++row) {
    if (row == 0) {
      queued = {static_cast<std::size_t>(r->int64(0, 14)), r->int64(0, 15)};
    }
    if (handed == nullptr || r->text(row, 13) != "t" || r->is_null(row, 6)) {
      continue;
    }
    DeliveryJob job = read_pg_delivery_job(*r, row, 6);
    job.published_at = from_unix_ms(r->int64(row, 5));
    job.attempts = 1;
    job.created_at = from_unix_ms(at);
    handed->push_back(std::move(job));
  }
  return queued;
}

}  // namespace

void PostgresStore::add_publish(NewPublish publish, Done done) {
  note_written(PgStatistics::Table::publish_topics, static_cast<std::int64_t>(publish.topics.size()));
  if (!publish.content) {
    m_writer.submit(std::make_shared<AddPings>(std::move(publish)), std::move(done), Coordination::fetches);
    return;
  }
  m_writer.submit(
      [publish = std::move(publish)](PgConnection& db) -> Status {
        const std::int64_t created = to_unix_ms(publish.created_at);
        HUBBUB_TRY_ASSIGN(p, db.exec("INSERT INTO publishes (token, created_at) VALUES ($1, $2) RETURNING id",
                                     PgParams().add(std::string_view(publish.id)).add(created)));
        const std::int64_t publish_id = p->int64(0, 0);
        std::optional<std::int64_t> content_id;
        if (publish.content) {
          HUBBUB_TRY_ASSIGN(id, insert_content(db, publish.content->topic, *publish.content, created));
          content_id = *id;
        }
        for (const auto& topic : publish.topics) {
          HUBBUB_TRY(
              db.exec("INSERT INTO publish_topics (publish_id, topic, origin, state, content_id, due_at, "
                      "updated_at) VALUES ($1, $2, $3, 0, $4, $5, $5)",
                      PgParams()
                          .add(publish_id)
                          .add(std::string_view(topic))
                          .add(std::string_view(url_origin_key(topic)))
                          .add(content_id)
                          .add(created)));
        }
        return {};
      },
      std::move(done), Coordination::fetches);
}

Result<std::optional<PublishStatus>> PostgresStore::find_publish(std::string_view id) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(p, db->exec("SELECT id, created_at FROM publishes WHERE token = $1", PgParams().add(id)));
  if (p->rows() == 0) {
    return std::nullopt;
  }
  PublishStatus status;
  status.id = std::string(id);
  status.created_at = from_unix_ms(p->int64(0, 1));
  HUBBUB_TRY_ASSIGN(t, db->exec("SELECT id, topic, state, subscribers, attempts, last_error, "
                                "fanout_after IS NOT NULL FROM publish_topics WHERE publish_id = $1 ORDER BY id",
                                PgParams().add(p->int64(0, 0))));
  for (int row = 0; row < t->rows(); ++row) {
    PublishStatus::Topic topic;
    HUBBUB_TRY_ASSIGN(state, state_from_code<FetchState>(t->int64(row, 2)));
    topic.topic = t->text(row, 1);
    topic.state = *state;
    topic.subscribers = t->optional_int64(row, 3);
    topic.attempts = static_cast<std::uint32_t>(t->int64(row, 4));
    topic.last_error = t->optional_text(row, 5);
    topic.fanout_open = t->text(row, 6) == "t";
    // Replays (admin API) are not the publish's own deliveries.
    HUBBUB_TRY_ASSIGN(d, db->exec("SELECT state, last_error IS NOT NULL, count(*) FROM deliveries "
                                  "WHERE publish_topic_id = $1 AND replay IS NULL GROUP BY 1, 2",
                                  PgParams().add(t->int64(row, 0))));
    for (int i = 0; i < d->rows(); ++i) {
      HUBBUB_TRY_ASSIGN(ds, state_from_code<DeliveryState>(d->int64(i, 0)));
      const std::int64_t n = d->int64(i, 2);
      if (*ds == DeliveryState::delivered) {
        topic.delivered += n;
      } else if (*ds == DeliveryState::pending) {
        (d->text(i, 1) == "t" ? topic.retrying : topic.pending) += n;
      } else {
        topic.failed += n;
      }
    }
    status.topics.push_back(std::move(topic));
  }
  return status;
}

Result<std::vector<FetchJob>> PostgresStore::claim_due_fetches(TimePoint now, Millis claim_for, std::size_t max,
                                                               const OriginShare& share) {
  std::vector<FetchJob> claimed;
  HUBBUB_TRY(m_writer.run([&](PgConnection& db) -> Status {
    claimed.clear();  // a job may run twice (pg_writer.h)
    const std::int64_t t = to_unix_ms(now);
    HUBBUB_TRY(claim_fairly(
        max, share, claimed,
        [&](std::size_t n, const std::vector<std::string>& busy, std::vector<FetchJob>& out) -> Status {
          // Fetches of one topic run one at a time, in order, on every node.
          // Planned afresh each call (0.39 ms, for 0.12 ms of work), as the
          // planner likes: forced to a generic plan, one made while a burst
          // of pings was pending took 1.6 ms a call once they were gone
          // (hubbub_bench, PostgreSQL's statement log).
          HUBBUB_TRY_ASSIGN(
              r, db.exec("WITH c AS (SELECT p.id, p.topic FROM publish_topics p WHERE p.state = 0 AND p.due_at <= $2 "
                         "AND (p.claimed_until IS NULL OR p.claimed_until <= $2) "
                         "AND NOT (p.origin = ANY($4::text[])) AND NOT EXISTS (SELECT 1 FROM publish_topics e "
                         "WHERE e.state = 0 AND e.topic = p.topic AND e.id < p.id) "
                         "ORDER BY p.due_at, p.id LIMIT $3 FOR UPDATE SKIP LOCKED) "
                         "UPDATE publish_topics q SET claimed_until = $1, claimed_by = $5, attempts = q.attempts + 1, "
                         "updated_at = $2 FROM c LEFT JOIN topics v ON v.topic = c.topic WHERE q.id = c.id "
                         // the topic's validators, and the newest ping a fetch of it answers (below)
                         "RETURNING q.id, q.topic, q.content_id, q.attempts, q.due_at, v.etag, v.last_modified, "
                         "v.content_hash, CASE WHEN q.content_id IS NULL THEN (SELECT max(e.id) FROM publish_topics e "
                         "WHERE e.state = 0 AND e.topic = q.topic AND e.content_id IS NULL AND e.id < "
                         "coalesce((SELECT min(f.id) FROM publish_topics f WHERE f.state = 0 AND f.topic = q.topic "
                         "AND f.content_id IS NOT NULL), 9223372036854775807)) END",
                         PgParams()
                             .add(t + claim_for.count())
                             .add(t)
                             .add(static_cast<std::int64_t>(n))
                             .add_array(busy)
                             .add(std::string_view(m_node_id))));
          std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, FetchJob>> rows;
          for (int row = 0; row < r->rows(); ++row) {
            FetchJob job;
            job.id = r->int64(row, 0);
            job.topic = r->text(row, 1);
            job.content_id = r->optional_int64(row, 2);
            job.attempts = static_cast<std::uint32_t>(r->int64(row, 3));
            job.etag = r->optional_text(row, 5);
            job.last_modified = r->optional_text(row, 6);
            job.content_hash = r->optional_text(row, 7);
            // Pings of a regular fetch's topic that arrived before it begins
            // are answered by it. A fat ping brings its own content: it is
            // never folded, nor are the pings after it, which must follow
            // its content.
            job.covers_up_to = std::max(job.id, r->optional_int64(row, 8).value_or(job.id));
            rows.emplace_back(std::pair(r->int64(row, 4), job.id), std::move(job));
          }
          std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
          for (auto& [key, job] : rows) {
            out.push_back(std::move(job));
          }
          return {};
        },
        [](const FetchJob& job) { return url_origin_key(job.topic); },
        [&](const FetchJob& job) -> Status {
          HUBBUB_TRY(
              db.exec("UPDATE publish_topics SET claimed_until = NULL, claimed_by = NULL, "
                      "attempts = attempts - 1 WHERE id = $1",
                      PgParams().add(job.id)));
          return {};
        }));
    return {};
  }));
  return claimed;
}

Result<std::optional<TimePoint>> PostgresStore::next_fetch_due() {
  return next_due(
      "SELECT due_at FROM publish_topics WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

void PostgresStore::retry_fetch(std::int64_t id, TimePoint due_at, std::string error, TimePoint now, Done done) {
  m_writer.submit(
      [id, due_at, error = std::move(error), now](PgConnection& db) -> Status {
        HUBBUB_TRY(
            db.exec("UPDATE publish_topics SET due_at = $1, claimed_until = NULL, claimed_by = NULL, "
                    "last_error = $2, updated_at = $3 WHERE id = $4 AND state = 0",
                    PgParams().add(to_unix_ms(due_at)).add(std::string_view(error)).add(to_unix_ms(now)).add(id)));
        return {};
      },
      std::move(done));
}

void PostgresStore::finish_fetch(FetchOutcome o, std::function<void(Result<FetchFinished>)> done) {
  auto finished = std::make_shared<FetchFinished>();
  m_writer.submit(
      [o = std::move(o), finished, node_id = m_node_id](PgConnection& db) -> Status {
        *finished = {};  // a job may run twice (pg_writer.h)
        const std::int64_t at = to_unix_ms(o.at);
        const bool fetched = o.state == FetchState::distributed || o.state == FetchState::unchanged;
        const bool new_content = o.state == FetchState::distributed && o.content && o.content->id <= 0;
        // One statement, one round trip: the ping, locked while still
        // pending; for a fetch, the topic's validators; for new content, the
        // content. The writes take their topic from the locked row, so a
        // ping already settled writes nothing.
        HUBBUB_TRY_ASSIGN(
            sel, db.exec("WITH s AS (SELECT topic FROM publish_topics WHERE id = $1 AND state = 0 FOR UPDATE), "
                         "v AS (INSERT INTO topics (topic, etag, last_modified, content_hash, fetched_at) "
                         "SELECT s.topic, $3, $4, $5, $6 FROM s WHERE $2::boolean "
                         "ON CONFLICT (topic) DO UPDATE SET etag = coalesce(EXCLUDED.etag, topics.etag), "
                         "last_modified = coalesce(EXCLUDED.last_modified, topics.last_modified), "
                         "content_hash = coalesce(EXCLUDED.content_hash, topics.content_hash), "
                         "fetched_at = EXCLUDED.fetched_at), "
                         "c AS (INSERT INTO contents (topic, content_type, body, created_at) "
                         "SELECT s.topic, $8, $9, $6 FROM s WHERE $7::boolean RETURNING id) "
                         "SELECT s.topic, (SELECT id FROM c) FROM s",
                         PgParams()
                             .add(o.id)
                             .add(std::string_view(fetched ? "true" : "false"))
                             .add(o.etag)
                             .add(o.last_modified)
                             .add(o.content_hash)
                             .add(at)
                             .add(std::string_view(new_content ? "true" : "false"))
                             .add(new_content ? o.content->content_type : std::nullopt)
                             .add_bytes(new_content ? std::optional<std::string>(o.content->body) : std::nullopt)));
        if (sel->rows() == 0) {
          return {};  // already settled
        }
        const std::string topic = sel->text(0, 0);
        std::optional<std::int64_t> content_id;
        std::optional<std::int64_t> fanout_after;
        std::optional<std::int64_t> diff_id;
        std::optional<std::int64_t> diff_default;
        FetchState state = o.state;
        if (o.state == FetchState::distributed) {
          if (o.content && o.content->id > 0) {
            content_id = o.content->id;
          } else if (o.content) {
            content_id = sel->optional_int64(0, 1);
          }
          if (o.feed) {
            if (o.feed->body) {
              Content diff{0, topic, o.content ? o.content->content_type : std::nullopt, *o.feed->body};
              HUBBUB_TRY_ASSIGN(id, insert_content(db, topic, diff, at));
              diff_id = *id;
            }
            diff_default = o.feed->by_default ? 1 : 0;
            HUBBUB_TRY(remember_feed_entries(db, topic, o.feed->entries, at));
          }
          HUBBUB_TRY_ASSIGN(first, queue_deliveries(db, o.id, {content_id, diff_default, diff_id}, topic, at, 0,
                                                    o.fanout_chunk, o.hand_off, node_id, &finished->handed_off));
          finished->queued = first->count;
          if (first->count == o.fanout_chunk && first->count > 0) {
            fanout_after = first->last_subscription;  // more may follow: extend_fanouts()
          }
          if (o.feed && first->count == 0) {
            state = FetchState::unchanged;  // diffed: nothing new for anyone
          }
        }
        if (fetched && o.covers_up_to > o.id) {
          HUBBUB_TRY(
              db.exec("UPDATE publish_topics SET state = $1, content_id = $2, claimed_until = NULL, "
                      "claimed_by = NULL, updated_at = $3 WHERE topic = $4 AND state = 0 "
                      "AND content_id IS NULL AND id > $5 AND id <= $6",
                      PgParams()
                          .add(code_of(FetchState::coalesced))
                          .add(content_id)
                          .add(at)
                          .add(std::string_view(topic))
                          .add(o.id)
                          .add(o.covers_up_to)));
        }
        // Subscribers: those sent this content, or for unchanged content those
        // that would have been; unknown (NULL) for a fetch that failed.
        HUBBUB_TRY(db.exec(
            "UPDATE publish_topics SET state = $1, content_id = coalesce($2, content_id), "
            "subscribers = CASE WHEN $3::bigint IS NOT NULL THEN $3::bigint WHEN $7::boolean THEN "
            "(SELECT count(*) FROM subscriptions WHERE topic = $8 AND expires_at > $5) END, "
            "claimed_until = NULL, claimed_by = NULL, last_error = $4, updated_at = $5, fanout_after = $9, "
            "feed_diff = $10, diff_content_id = $11 WHERE id = $6",
            PgParams()
                .add(code_of(state))
                .add(content_id)
                .add(state == FetchState::distributed
                         ? std::optional<std::int64_t>(static_cast<std::int64_t>(finished->queued))
                         : std::optional<std::int64_t>())
                .add(o.error)
                .add(at)
                .add(o.id)
                .add(std::string_view(state == FetchState::unchanged || state == FetchState::no_subscribers ? "true"
                                                                                                            : "false"))
                .add(std::string_view(topic))
                .add(fanout_after)
                .add(diff_default)
                .add(diff_id)));
        return {};
      },
      [this, finished, done = std::move(done)](Status s) {
        if (!s) {
          done(std::unexpected(s.error()));
        } else {
          note_written(PgStatistics::Table::publish_topics, 1);
          note_written(PgStatistics::Table::deliveries, static_cast<std::int64_t>(finished->queued));
          done(std::move(*finished));
        }
      },
      Coordination::deliveries);
}

void PostgresStore::extend_fanouts(TimePoint now, std::size_t chunk, std::function<void(Result<FanoutStep>)> done) {
  auto step = std::make_shared<FanoutStep>();
  m_writer.submit(
      [step, now, chunk](PgConnection& db) -> Status {
        *step = {};  // a job may run twice (pg_writer.h)
        const std::int64_t at = to_unix_ms(now);
        // Locked: another node extending these fan-outs skips them.
        HUBBUB_TRY_ASSIGN(open, db.exec("SELECT id, topic, content_id, fanout_after, feed_diff, diff_content_id "
                                        "FROM publish_topics WHERE fanout_after IS NOT NULL ORDER BY id LIMIT $1 "
                                        "FOR UPDATE SKIP LOCKED",
                                        PgParams().add(static_cast<std::int64_t>(k_fanouts_per_step))));
        for (int row = 0; row < open->rows(); ++row) {
          const std::int64_t id = open->int64(row, 0);
          const FanoutContents contents{open->optional_int64(row, 2), open->optional_int64(row, 4),
                                        open->optional_int64(row, 5)};
          HUBBUB_TRY_ASSIGN(next,
                            queue_deliveries(db, id, contents, open->text(row, 1), at, open->int64(row, 3), chunk));
          HUBBUB_TRY(db.exec(
              "UPDATE publish_topics SET fanout_after = $1, "
              "subscribers = coalesce(subscribers, 0) + $2, updated_at = $3 WHERE id = $4",
              PgParams()
                  .add(next->count == chunk && next->count > 0 ? std::optional<std::int64_t>(next->last_subscription)
                                                               : std::nullopt)
                  .add(static_cast<std::int64_t>(next->count))
                  .add(at)
                  .add(id)));
          step->queued += next->count;
        }
        HUBBUB_TRY_ASSIGN(more, db.exec("SELECT EXISTS (SELECT 1 FROM publish_topics WHERE fanout_after IS NOT NULL)"));
        step->more = more->text(0, 0) == "t";
        return {};
      },
      [this, step, done = std::move(done)](Status s) {
        if (!s) {
          done(std::unexpected(s.error()));
        } else {
          note_written(PgStatistics::Table::deliveries, static_cast<std::int64_t>(step->queued));
          done(*step);
        }
      },
      Coordination::deliveries);
}

// A topic's subscriptions are found by topic, never by expiry: written
// `expires_at + 0`, the expiry cannot pick subscriptions_expiry, which the
// generic plan of a prepared statement otherwise chose once the table had
// grown, walking every active subscription of the hub (0.7 ms a fetch with
// 9,000 of them, in the statement log of hubbub_bench).
Result<std::size_t> PostgresStore::count_active_subscriptions(std::string_view topic, TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT CASE WHEN c < $3 THEN c ELSE greatest(c, coalesce((SELECT sum(n)::bigint "
                                "FROM topic_tallies WHERE topic = $1), 0)) END FROM (SELECT count(*) AS c FROM "
                                "(SELECT 1 FROM subscriptions WHERE topic = $1 AND expires_at + 0 > $2 LIMIT $3) l) k",
                                PgParams().add(topic).add(to_unix_ms(now)).add(k_exact_subscriber_count)));
  return static_cast<std::size_t>(r->int64(0, 0));
}

Result<bool> PostgresStore::feed_diff_wanted(std::string_view topic, TimePoint now, bool by_default) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT EXISTS (SELECT 1 FROM subscriptions WHERE topic = $1 AND expires_at + 0 > $2 "
                                "AND coalesce(feed_diff, $3::smallint) = 1)",
                                PgParams().add(topic).add(to_unix_ms(now)).add(std::int64_t{by_default ? 1 : 0})));
  return r->text(0, 0) == "t";
}

Result<std::unordered_map<std::string, std::string>> PostgresStore::feed_entries(std::string_view topic) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT key_hash, hash FROM feed_entries WHERE topic = $1", PgParams().add(topic)));
  std::unordered_map<std::string, std::string> out;
  for (int row = 0; row < r->rows(); ++row) {
    out.emplace(r->text(row, 0), r->text(row, 1));
  }
  return out;
}

Result<std::int64_t> PostgresStore::count_queued_deliveries(std::int64_t limit) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(
      r, db->exec("SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE state = 0 LIMIT $1) q", PgParams().add(limit)));
  return r->int64(0, 0);
}

Result<std::optional<Content>> PostgresStore::find_content(std::int64_t content_id) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(
      r, db->exec("SELECT id, topic, content_type, body FROM contents WHERE id = $1", PgParams().add(content_id)));
  if (r->rows() == 0) {
    return std::nullopt;
  }
  Content c;
  c.id = r->int64(0, 0);
  c.topic = r->text(0, 1);
  c.content_type = r->optional_text(0, 2);
  c.body = r->bytes(0, 3);
  return c;
}

}  // namespace hubbub
