-- Hubbub's PostgreSQL schema, version 2: what the nodes sharing a database
-- agree on besides the queues.
--
-- origin_pauses: circuit-breaker pauses of callback origins (as SQLite's
-- migration 0007), so that a host paused by one node is paused for all.
CREATE TABLE origin_pauses (
  origin        TEXT   PRIMARY KEY,
  paused_until  BIGINT NOT NULL
);

-- hub_leader: which node runs the periodic sweeps (expiry, purges), until
-- when. A node takes the row when it is free or lapsed and renews it while
-- it lives; when it dies, the lease lapses and another node takes over.
-- UNLOGGED: after a crash of the server the row is simply taken again.
CREATE UNLOGGED TABLE hub_leader (
  name        TEXT   PRIMARY KEY,
  node_id     TEXT   NOT NULL,
  held_until  BIGINT NOT NULL
);

-- Live claims are renewed by their node every few seconds (a node that dies
-- stops renewing, and its claims lapse soon): find a node's claims fast.
CREATE INDEX publish_topics_claimed_by ON publish_topics (claimed_by) WHERE claimed_by IS NOT NULL;
CREATE INDEX deliveries_claimed_by ON deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
