-- Hubbub schema, version 6: the names of the codes stored in mode and state
-- columns (src/store/state_codes.h, where the hub keeps the same list; its
-- tests check that the two agree). A code never changes meaning once
-- released, so that old rows are never reinterpreted. For example:
--   SELECT s.name, count(*) FROM deliveries d
--   JOIN delivery_states s ON s.code = d.state GROUP BY 1;

CREATE TABLE request_modes (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO request_modes (code, name) VALUES (0, 'subscribe'), (1, 'unsubscribe');

-- subscription_requests.state
CREATE TABLE request_states (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO request_states (code, name) VALUES (0, 'pending'), (1, 'verified'), (2, 'failed'), (3, 'denied');

-- publish_topics.state; coalesced: answered by the fetch of an earlier ping
-- of the same topic
CREATE TABLE fetch_states (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO fetch_states (code, name) VALUES
  (0, 'pending'), (1, 'distributed'), (2, 'unchanged'), (3, 'no_subscribers'), (4, 'failed'), (5, 'coalesced');

-- deliveries.state; dead: a dead letter, dropped: the subscription ended first
CREATE TABLE delivery_states (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO delivery_states (code, name) VALUES (0, 'pending'), (1, 'delivered'), (2, 'dead'), (3, 'dropped');
