-- Hubbub schema, version 7: circuit-breaker pauses of callback origins, kept
-- in the database so that a pause outlives a restart and, on an engine that
-- several nodes share, holds for every node. A row says deliveries to
-- `origin` wait until `paused_until` (ms since the Unix epoch); rows whose
-- pause is over are removed with the next pause recorded.
CREATE TABLE origin_pauses (
  origin        TEXT PRIMARY KEY,
  paused_until  INTEGER NOT NULL
);
