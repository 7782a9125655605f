-- Hubbub's PostgreSQL schema, version 1: what SQLite's migrations 0001-0006
-- built, in one step. Times are milliseconds since the Unix epoch (UTC) as
-- the hub's clock gives them, codes those of src/store/state_codes.h (named
-- in the *_states tables). Every claimable row carries its claim's deadline
-- and the claiming node (claimed_by), so that a node releases only its own
-- claims and the claims of a node that died lapse. Applied in one
-- transaction under an advisory lock; never edited once released.

CREATE TABLE request_modes (code SMALLINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO request_modes (code, name) VALUES (0, 'subscribe'), (1, 'unsubscribe');
CREATE TABLE request_states (code SMALLINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO request_states (code, name) VALUES (0, 'pending'), (1, 'verified'), (2, 'failed'), (3, 'denied');
CREATE TABLE fetch_states (code SMALLINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO fetch_states (code, name) VALUES
  (0, 'pending'), (1, 'distributed'), (2, 'unchanged'), (3, 'no_subscribers'), (4, 'failed'), (5, 'coalesced');
CREATE TABLE delivery_states (code SMALLINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO delivery_states (code, name) VALUES (0, 'pending'), (1, 'delivered'), (2, 'dead'), (3, 'dropped');

-- Every accepted subscribe/unsubscribe request; a pending one is a job for
-- the verifiers of every node.
CREATE TABLE subscription_requests (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token            TEXT     NOT NULL UNIQUE,
  mode             SMALLINT NOT NULL REFERENCES request_modes (code),
  topic            TEXT     NOT NULL,
  callback         TEXT     NOT NULL,
  origin           TEXT     NOT NULL,          -- the callback's scheme://host:port
  secret           BYTEA,
  lease_requested  BIGINT,
  lease_granted    BIGINT,
  verify_token     TEXT,
  state            SMALLINT NOT NULL DEFAULT 0 REFERENCES request_states (code),
  attempts         INTEGER  NOT NULL DEFAULT 0,
  due_at           BIGINT   NOT NULL,
  claimed_until    BIGINT,
  claimed_by       TEXT,
  last_error       TEXT,
  created_at       BIGINT   NOT NULL,
  updated_at       BIGINT   NOT NULL
);
CREATE INDEX subscription_requests_due ON subscription_requests (due_at, id) WHERE state = 0;
CREATE INDEX subscription_requests_pair ON subscription_requests (topic, callback, id) WHERE state = 0;
CREATE INDEX subscription_requests_updated ON subscription_requests (updated_at) WHERE state <> 0;
CREATE INDEX subscription_requests_claimed_by ON subscription_requests (claimed_by) WHERE claimed_by IS NOT NULL;

CREATE TABLE subscriptions (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic          TEXT   NOT NULL,
  callback       TEXT   NOT NULL,
  origin         TEXT   NOT NULL,
  secret         BYTEA,
  lease_seconds  BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  UNIQUE (topic, callback)
);
CREATE INDEX subscriptions_expiry ON subscriptions (expires_at);
CREATE INDEX subscriptions_origin ON subscriptions (origin, expires_at);

CREATE TABLE topics (
  topic          TEXT PRIMARY KEY,
  etag           TEXT,
  last_modified  TEXT,
  content_hash   TEXT,
  fetched_at     BIGINT
);

CREATE TABLE publishes (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token       TEXT   NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL
);

CREATE TABLE contents (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic         TEXT   NOT NULL,
  content_type  TEXT,
  body          BYTEA  NOT NULL,
  created_at    BIGINT NOT NULL
);

CREATE TABLE publish_topics (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  publish_id     BIGINT   NOT NULL REFERENCES publishes (id) ON DELETE CASCADE,
  topic          TEXT     NOT NULL,
  origin         TEXT     NOT NULL,           -- the topic's scheme://host:port
  state          SMALLINT NOT NULL DEFAULT 0 REFERENCES fetch_states (code),
  content_id     BIGINT,
  subscribers    BIGINT,
  attempts       INTEGER  NOT NULL DEFAULT 0,
  due_at         BIGINT   NOT NULL,
  claimed_until  BIGINT,
  claimed_by     TEXT,
  last_error     TEXT,
  updated_at     BIGINT   NOT NULL
);
CREATE INDEX publish_topics_due ON publish_topics (due_at, id) WHERE state = 0;
CREATE INDEX publish_topics_publish ON publish_topics (publish_id);
CREATE INDEX publish_topics_topic ON publish_topics (topic, id) WHERE state = 0;
CREATE INDEX publish_topics_content ON publish_topics (content_id);

CREATE TABLE deliveries (
  id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  publish_topic_id  BIGINT   NOT NULL,
  content_id        BIGINT   NOT NULL,
  subscription_id   BIGINT   NOT NULL,
  origin            TEXT     NOT NULL,
  delivery_id       TEXT     NOT NULL,
  published_at      BIGINT   NOT NULL,
  state             SMALLINT NOT NULL DEFAULT 0 REFERENCES delivery_states (code),
  attempts          INTEGER  NOT NULL DEFAULT 0,
  due_at            BIGINT   NOT NULL,
  claimed_until     BIGINT,
  claimed_by        TEXT,
  last_status       INTEGER,
  last_error        TEXT,
  created_at        BIGINT   NOT NULL,
  updated_at        BIGINT   NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (due_at, id) WHERE state = 0;
CREATE INDEX deliveries_publish_topic ON deliveries (publish_topic_id, state);
CREATE INDEX deliveries_content ON deliveries (content_id);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);
CREATE INDEX deliveries_dead ON deliveries (updated_at) WHERE state = 2;
CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE state IN (1, 3);
-- The queue tables churn: vacuum them early.
ALTER TABLE subscription_requests SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE publish_topics SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE deliveries SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

CREATE TABLE write_probe (
  id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pad  BYTEA NOT NULL
);
