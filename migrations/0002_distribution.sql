-- Hubbub schema, version 2: publishing and content distribution.
-- Times are milliseconds since the Unix epoch (UTC).

-- What the hub knows of each topic it has fetched: validators for conditional
-- requests, and a hash of the last content it distributed (unchanged content
-- is not distributed again).
CREATE TABLE topics (
  topic          TEXT PRIMARY KEY,
  etag           TEXT,
  last_modified  TEXT,
  content_hash   TEXT,     -- hex SHA-256 of Content-Type, NUL, body
  fetched_at     INTEGER
) WITHOUT ROWID;

-- A publish ping; its public token names its status monitor.
CREATE TABLE publishes (
  id          INTEGER PRIMARY KEY,
  token       TEXT    NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL
);

-- One topic of a ping. While pending it is a job for the fetcher.
CREATE TABLE publish_topics (
  id             INTEGER PRIMARY KEY,
  publish_id     INTEGER NOT NULL REFERENCES publishes (id) ON DELETE CASCADE,
  topic          TEXT    NOT NULL,
  state          INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 distributed, 2 unchanged, 3 no subscribers, 4 failed
  content_id     INTEGER,                     -- content given in a fat ping, or the one fetched
  subscribers    INTEGER,                     -- active subscriptions when distributed
  attempts       INTEGER NOT NULL DEFAULT 0,
  due_at         INTEGER NOT NULL,
  claimed_until  INTEGER,
  last_error     TEXT,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX publish_topics_due ON publish_topics (due_at) WHERE state = 0;
CREATE INDEX publish_topics_publish ON publish_topics (publish_id);
-- Fetches of one topic run one at a time, in order.
CREATE INDEX publish_topics_topic ON publish_topics (topic, id) WHERE state = 0;

-- Notification payloads, byte for byte.
CREATE TABLE contents (
  id            INTEGER PRIMARY KEY,
  topic         TEXT    NOT NULL,
  content_type  TEXT,              -- NULL when the topic sent none
  body          BLOB    NOT NULL,
  created_at    INTEGER NOT NULL
);

-- One notification owed to one subscription: a durable job.
CREATE TABLE deliveries (
  id                INTEGER PRIMARY KEY,
  publish_topic_id  INTEGER NOT NULL,
  content_id        INTEGER NOT NULL,
  subscription_id   INTEGER NOT NULL,          -- subscriptions.id when queued
  origin            TEXT    NOT NULL,          -- the callback's scheme://host:port (fair claiming)
  delivery_id       TEXT    NOT NULL,          -- sent with every attempt
  published_at      INTEGER NOT NULL,          -- when the publish ping arrived (latency metric)
  state             INTEGER NOT NULL DEFAULT 0,-- 0 pending, 1 delivered, 2 dead letter, 3 dropped
  attempts          INTEGER NOT NULL DEFAULT 0,
  due_at            INTEGER NOT NULL,
  claimed_until     INTEGER,
  last_status       INTEGER,
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE state = 0;
CREATE INDEX deliveries_publish_topic ON deliveries (publish_topic_id, state);
CREATE INDEX deliveries_content ON deliveries (content_id);

-- One row rewritten by every readiness check (GET /readyz): proof that the
-- database still takes writes (disk full, read-only file).
CREATE TABLE health (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  checked_at  INTEGER NOT NULL
);
