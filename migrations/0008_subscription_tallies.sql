-- Hubbub schema, version 8: how many subscriptions each topic and each
-- callback origin has, kept by triggers in the transaction that adds or
-- removes a subscription, so that the caps on subscriptions per topic and
-- per callback host are checked with two key lookups instead of counting
-- the subscriptions. A tally counts rows, expired ones included until the
-- sweep removes them; the hub counts exactly only when a tally reaches its
-- cap. A key whose tally falls to zero is removed.
CREATE TABLE topic_tallies (
  topic  TEXT PRIMARY KEY,
  n      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE origin_tallies (
  origin  TEXT PRIMARY KEY,
  n       INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO topic_tallies (topic, n) SELECT topic, count(*) FROM subscriptions GROUP BY topic;
INSERT INTO origin_tallies (origin, n)
  SELECT origin, count(*) FROM subscriptions WHERE origin IS NOT NULL GROUP BY origin;

CREATE TRIGGER subscriptions_tally_insert AFTER INSERT ON subscriptions
BEGIN
  INSERT INTO topic_tallies (topic, n) VALUES (new.topic, 1)
    ON CONFLICT (topic) DO UPDATE SET n = n + 1;
  INSERT INTO origin_tallies (origin, n) SELECT new.origin, 1 WHERE new.origin IS NOT NULL
    ON CONFLICT (origin) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER subscriptions_tally_delete AFTER DELETE ON subscriptions
BEGIN
  UPDATE topic_tallies SET n = n - 1 WHERE topic = old.topic;
  DELETE FROM topic_tallies WHERE topic = old.topic AND n <= 0;
  UPDATE origin_tallies SET n = n - 1 WHERE origin = old.origin;
  DELETE FROM origin_tallies WHERE origin = old.origin AND n <= 0;
END;

-- Rows from before version 4 get their origin when the hub starts.
CREATE TRIGGER subscriptions_tally_origin AFTER UPDATE OF origin ON subscriptions
  WHEN old.origin IS NOT new.origin
BEGIN
  UPDATE origin_tallies SET n = n - 1 WHERE origin = old.origin;
  DELETE FROM origin_tallies WHERE origin = old.origin AND n <= 0;
  INSERT INTO origin_tallies (origin, n) SELECT new.origin, 1 WHERE new.origin IS NOT NULL
    ON CONFLICT (origin) DO UPDATE SET n = n + 1;
END;
