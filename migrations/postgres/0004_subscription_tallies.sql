-- Hubbub's PostgreSQL schema, version 4: how many subscriptions each topic
-- and each callback origin has, kept by statement triggers in the
-- transaction that adds or removes subscriptions, so that the caps on
-- subscriptions per topic and per callback host are checked with two key
-- lookups instead of counting the subscriptions. A tally counts rows,
-- expired ones included until the sweep removes them; the hub counts exactly
-- only when a tally reaches its cap. A key whose tally falls to zero is
-- removed.
--
-- A statement updates each key it touches once, whatever the number of its
-- rows. Two nodes touching one key wait for each other's commit; should two
-- batches deadlock, PostgreSQL aborts one and its node's writer replays it.
CREATE TABLE topic_tallies (
  topic  TEXT   PRIMARY KEY,
  n      BIGINT NOT NULL
);

CREATE TABLE origin_tallies (
  origin  TEXT   PRIMARY KEY,
  n       BIGINT NOT NULL
);

INSERT INTO topic_tallies (topic, n) SELECT topic, count(*) FROM subscriptions GROUP BY topic;
INSERT INTO origin_tallies (origin, n) SELECT origin, count(*) FROM subscriptions GROUP BY origin;

CREATE FUNCTION hubbub_tally_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO topic_tallies AS t (topic, n)
    SELECT topic, count(*) FROM added GROUP BY topic ORDER BY topic
    ON CONFLICT (topic) DO UPDATE SET n = t.n + excluded.n;
  INSERT INTO origin_tallies AS o (origin, n)
    SELECT origin, count(*) FROM added GROUP BY origin ORDER BY origin
    ON CONFLICT (origin) DO UPDATE SET n = o.n + excluded.n;
  RETURN NULL;
END
$$;

CREATE FUNCTION hubbub_tally_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH gone AS (SELECT topic, count(*) AS n FROM removed GROUP BY topic ORDER BY topic)
  UPDATE topic_tallies t SET n = t.n - gone.n FROM gone WHERE t.topic = gone.topic;
  DELETE FROM topic_tallies WHERE n <= 0 AND topic IN (SELECT topic FROM removed);
  WITH gone AS (SELECT origin, count(*) AS n FROM removed GROUP BY origin ORDER BY origin)
  UPDATE origin_tallies o SET n = o.n - gone.n FROM gone WHERE o.origin = gone.origin;
  DELETE FROM origin_tallies WHERE n <= 0 AND origin IN (SELECT origin FROM removed);
  RETURN NULL;
END
$$;

CREATE TRIGGER subscriptions_tally_insert AFTER INSERT ON subscriptions
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION hubbub_tally_added();
CREATE TRIGGER subscriptions_tally_delete AFTER DELETE ON subscriptions
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION hubbub_tally_removed();
