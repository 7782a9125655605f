-- Hubbub's PostgreSQL schema, version 3: what the dashboard and the admin API
-- show of the nodes' recent work, the same on every node. Each node writes
-- its own counts per minute (absolute, so rewriting a minute is harmless)
-- and its new failures every few seconds; readers sum over the nodes.
CREATE TABLE node_activity (
  node_id    TEXT   NOT NULL,
  minute     BIGINT NOT NULL,   -- ms since the Unix epoch of the minute's start
  delivered  BIGINT NOT NULL,
  failed     BIGINT NOT NULL,
  PRIMARY KEY (node_id, minute)
);

CREATE TABLE recent_failures (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  node_id   TEXT     NOT NULL,
  at        BIGINT   NOT NULL,
  kind      TEXT     NOT NULL,
  outcome   TEXT     NOT NULL,
  topic     TEXT     NOT NULL,
  callback  TEXT     NOT NULL,
  status    INTEGER,
  reason    TEXT     NOT NULL
);
CREATE INDEX recent_failures_at ON recent_failures (at, id);
