-- Hubbub schema, version 1: subscription requests (status monitors and the
-- verification queue) and active subscriptions.
-- Times are milliseconds since the Unix epoch (UTC). Applied in one transaction
-- together with the user_version bump; never edited once released.

-- Every accepted subscribe/unsubscribe request. A pending row is also a job for
-- the verifier: it is due at due_at and, while a verifier works on it, claimed
-- until claimed_until. Finished rows remain as status monitors until purged.
CREATE TABLE subscription_requests (
  id               INTEGER PRIMARY KEY,
  token            TEXT    NOT NULL UNIQUE,   -- public, unguessable monitor id
  mode             INTEGER NOT NULL,          -- 0 subscribe, 1 unsubscribe
  topic            TEXT    NOT NULL,
  callback         TEXT    NOT NULL,
  secret           BLOB,                      -- NULL: no hub.secret given
  lease_requested  INTEGER,                   -- NULL: none given (or unsubscribe)
  lease_granted    INTEGER,                   -- seconds; subscribe only
  verify_token     TEXT,                      -- legacy hub.verify_token, echoed
  state            INTEGER NOT NULL DEFAULT 0,-- 0 pending, 1 verified, 2 failed, 3 denied
  attempts         INTEGER NOT NULL DEFAULT 0,
  due_at           INTEGER NOT NULL,
  claimed_until    INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
-- The verifier's queue: pending rows by due time.
CREATE INDEX subscription_requests_due ON subscription_requests (due_at) WHERE state = 0;
-- Requests for one (topic, callback) pair are verified one at a time, in order.
CREATE INDEX subscription_requests_pair ON subscription_requests (topic, callback, id) WHERE state = 0;
-- Purging finished monitors.
CREATE INDEX subscription_requests_updated ON subscription_requests (updated_at) WHERE state <> 0;

-- Verified subscriptions; the key is exactly (topic, callback).
CREATE TABLE subscriptions (
  id             INTEGER PRIMARY KEY,
  topic          TEXT    NOT NULL,
  callback       TEXT    NOT NULL,
  secret         BLOB,
  lease_seconds  INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (topic, callback)
);
CREATE INDEX subscriptions_expiry ON subscriptions (expires_at);
