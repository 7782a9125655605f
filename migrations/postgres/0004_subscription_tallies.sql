-- Hubbub's PostgreSQL schema, version 4: how many subscriptions each topic
-- and each callback origin has, kept by statement triggers in the
-- transaction that adds or removes subscriptions, so that the caps on
-- subscriptions per topic and per callback host are checked by summing a
-- few rows instead of counting the subscriptions. A tally counts rows,
-- expired ones included until the sweep removes them; the hub counts
-- exactly only when a tally reaches its cap.
--
-- A key's tally is split into slots, summed when read: each node's writer
-- session owns a slot (1-64, a session advisory lock, set in
-- hubbub.tally_slot) and changes only its own rows, so nodes never wait for
-- each other's tally rows, and never deadlock on them. Other sessions (the
-- copy command, an operator's psql) use slot 0. A slot's row may go negative
-- (a node removing subscriptions another added); a row at zero is removed.
CREATE TABLE topic_tallies (
  topic  TEXT    NOT NULL,
  slot   INTEGER NOT NULL,
  n      BIGINT  NOT NULL,
  PRIMARY KEY (topic, slot)
);

CREATE TABLE origin_tallies (
  origin  TEXT    NOT NULL,
  slot    INTEGER NOT NULL,
  n       BIGINT  NOT NULL,
  PRIMARY KEY (origin, slot)
);

INSERT INTO topic_tallies (topic, slot, n) SELECT topic, 0, count(*) FROM subscriptions GROUP BY topic;
INSERT INTO origin_tallies (origin, slot, n) SELECT origin, 0, count(*) FROM subscriptions GROUP BY origin;

CREATE FUNCTION hubbub_tally_slot() RETURNS INTEGER LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('hubbub.tally_slot', true), ''), '0')::integer
$$;

-- The rows a statement added or removed, counted per key in this session's slot.
CREATE FUNCTION hubbub_tally_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO topic_tallies AS t (topic, slot, n)
    SELECT topic, hubbub_tally_slot(), count(*) FROM added GROUP BY topic
    ON CONFLICT (topic, slot) DO UPDATE SET n = t.n + excluded.n;
  INSERT INTO origin_tallies AS o (origin, slot, n)
    SELECT origin, hubbub_tally_slot(), count(*) FROM added GROUP BY origin
    ON CONFLICT (origin, slot) DO UPDATE SET n = o.n + excluded.n;
  DELETE FROM topic_tallies WHERE slot = hubbub_tally_slot() AND n = 0 AND topic IN (SELECT topic FROM added);
  DELETE FROM origin_tallies WHERE slot = hubbub_tally_slot() AND n = 0 AND origin IN (SELECT origin FROM added);
  RETURN NULL;
END
$$;

CREATE FUNCTION hubbub_tally_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO topic_tallies AS t (topic, slot, n)
    SELECT topic, hubbub_tally_slot(), -count(*) FROM removed GROUP BY topic
    ON CONFLICT (topic, slot) DO UPDATE SET n = t.n + excluded.n;
  INSERT INTO origin_tallies AS o (origin, slot, n)
    SELECT origin, hubbub_tally_slot(), -count(*) FROM removed GROUP BY origin
    ON CONFLICT (origin, slot) DO UPDATE SET n = o.n + excluded.n;
  DELETE FROM topic_tallies WHERE slot = hubbub_tally_slot() AND n = 0 AND topic IN (SELECT topic FROM removed);
  DELETE FROM origin_tallies WHERE slot = hubbub_tally_slot() AND n = 0 AND origin IN (SELECT origin FROM removed);
  RETURN NULL;
END
$$;

CREATE TRIGGER subscriptions_tally_insert AFTER INSERT ON subscriptions
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION hubbub_tally_added();
CREATE TRIGGER subscriptions_tally_delete AFTER DELETE ON subscriptions
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION hubbub_tally_removed();
