-- Hubbub's PostgreSQL schema, version 7: secret rotation, re-confirmation,
-- replay and feed diffing.
-- previous_secret: the secret a verified renewal replaced, with which
-- deliveries are signed too until previous_secret_until (--secret-grace), so
-- that a subscriber can roll its secret without losing a notification.
-- reconfirmed_for: the expires_at for which the hub queued a verification of
-- intent of its own (--reconfirm-before); a renewal moves expires_at, which
-- makes the subscription due for the next one.
-- deliveries.replay: 1 for a delivery an operator queued again (admin API,
-- dashboard), sent with X-Hub-Replay.
-- feed_diff: a subscriber's choice of Atom/RSS diffs (hub.feed_diff; NULL:
-- the hub's --feed-diff). publish_topics.feed_diff: NULL when the content was
-- not diffed, else whether subscriptions without a choice take the diff,
-- diff_content_id (NULL: no entry new or updated). feed_entries: the entries
-- a topic's feed had (hex SHA-256 of each key and of its bytes), written with
-- the fetch that saw them, pruned by age and count.
ALTER TABLE subscriptions ADD COLUMN previous_secret BYTEA;
ALTER TABLE subscriptions ADD COLUMN previous_secret_until BIGINT;
ALTER TABLE subscriptions ADD COLUMN reconfirmed_for BIGINT;
ALTER TABLE deliveries ADD COLUMN replay SMALLINT;
ALTER TABLE subscription_requests ADD COLUMN feed_diff SMALLINT;
ALTER TABLE subscriptions ADD COLUMN feed_diff SMALLINT;
ALTER TABLE publish_topics ADD COLUMN feed_diff SMALLINT;
ALTER TABLE publish_topics ADD COLUMN diff_content_id BIGINT;
CREATE INDEX publish_topics_diff_content ON publish_topics (diff_content_id) WHERE diff_content_id IS NOT NULL;
CREATE TABLE feed_entries (
  topic     TEXT NOT NULL,
  key_hash  TEXT NOT NULL,
  hash      TEXT NOT NULL,
  seen_at   BIGINT NOT NULL,
  PRIMARY KEY (topic, key_hash)
);
CREATE INDEX feed_entries_seen ON feed_entries (topic, seen_at);
