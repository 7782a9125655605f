-- Hubbub schema, version 5: a table for the readiness probe. Each probe
-- inserts a padded row and deletes it in one transaction, a write that needs
-- room as real work does (rewriting one small row succeeds even on a full
-- disk), so that /readyz says 200 only when the database takes writes.
CREATE TABLE write_probe (
  id   INTEGER PRIMARY KEY,
  pad  BLOB NOT NULL
);
