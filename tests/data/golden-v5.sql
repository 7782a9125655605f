-- Rows of tests/data/golden-v5.db, a database at schema version 5 (made with
-- migrations 0001-0005 applied as the hub applies them, see the README)
-- holding one row in every stored mode and state. Codes, as released:
--   mode: 0 subscribe, 1 unsubscribe
--   request state: 0 pending, 1 verified, 2 failed, 3 denied
--   fetch state: 0 pending, 1 distributed, 2 unchanged, 3 no subscribers,
--                4 failed, 5 coalesced
--   delivery state: 0 pending, 1 delivered, 2 dead letter, 3 dropped
-- Times: 1800000000000 (2027-01-15), the unit tests' epoch.
BEGIN;
INSERT INTO subscription_requests (token, mode, topic, callback, secret, lease_requested, lease_granted, state,
                                   attempts, due_at, last_error, created_at, updated_at) VALUES
  ('golden-subscribe-pending',     0, 'http://p.example/t', 'http://s.example/sp', 'sec', 600, 600, 0, 0,
   1800000000000, NULL, 1800000000000, 1800000000000),
  ('golden-subscribe-verified',    0, 'http://p.example/t', 'http://s.example/sv', 'sec', NULL, 864000, 1, 1,
   1800000000000, NULL, 1800000000000, 1800000001000),
  ('golden-subscribe-failed',      0, 'http://p.example/t', 'http://s.example/sf', NULL, NULL, 864000, 2, 3,
   1800000000000, 'HTTP 500', 1800000000000, 1800000002000),
  ('golden-subscribe-denied',      0, 'http://p.example/t', 'http://s.example/sd', NULL, NULL, 864000, 3, 1,
   1800000000000, 'refused', 1800000000000, 1800000003000),
  ('golden-unsubscribe-pending',   1, 'http://p.example/t', 'http://s.example/up', NULL, NULL, NULL, 0, 0,
   1800000000000, NULL, 1800000000000, 1800000000000),
  ('golden-unsubscribe-verified',  1, 'http://p.example/t', 'http://s.example/uv', NULL, NULL, NULL, 1, 1,
   1800000000000, NULL, 1800000000000, 1800000001000),
  ('golden-unsubscribe-failed',    1, 'http://p.example/t', 'http://s.example/uf', NULL, NULL, NULL, 2, 2,
   1800000000000, 'timeout', 1800000000000, 1800000002000),
  ('golden-unsubscribe-denied',    1, 'http://p.example/t', 'http://s.example/ud', NULL, NULL, NULL, 3, 1,
   1800000000000, 'refused', 1800000000000, 1800000003000);
INSERT INTO subscriptions (id, topic, callback, secret, lease_seconds, expires_at, created_at, updated_at, origin)
  VALUES (1, 'http://p.example/t', 'http://s.example/sv', 'golden-secret', 864000, 1800864001000, 1800000001000,
          1800000001000, 'http://s.example:80');
INSERT INTO publishes (id, token, created_at) VALUES (1, 'golden-publish', 1800000000000);
INSERT INTO contents (id, topic, content_type, body, created_at)
  VALUES (1, 'http://p.example/t1', 'text/plain', 'golden content', 1800000000000);
INSERT INTO publish_topics (id, publish_id, topic, state, content_id, subscribers, attempts, due_at, last_error,
                            updated_at) VALUES
  (1, 1, 'http://p.example/t0', 0, NULL, NULL, 0, 1800000000000, NULL, 1800000000000),
  (2, 1, 'http://p.example/t1', 1, 1, 1, 1, 1800000000000, NULL, 1800000001000),
  (3, 1, 'http://p.example/t2', 2, NULL, 1, 1, 1800000000000, NULL, 1800000001000),
  (4, 1, 'http://p.example/t3', 3, NULL, 0, 1, 1800000000000, NULL, 1800000001000),
  (5, 1, 'http://p.example/t4', 4, NULL, NULL, 5, 1800000000000, 'HTTP 404', 1800000001000),
  (6, 1, 'http://p.example/t5', 5, NULL, NULL, 0, 1800000000000, NULL, 1800000001000);
INSERT INTO deliveries (id, publish_topic_id, content_id, subscription_id, origin, delivery_id, published_at, state,
                        attempts, due_at, last_status, last_error, created_at, updated_at) VALUES
  (1, 2, 1, 1, 'http://s.example:80', 'golden-delivery-pending', 1800000000000, 0, 0, 1800000001000, NULL, NULL,
   1800000001000, 1800000001000),
  (2, 2, 1, 1, 'http://s.example:80', 'golden-delivery-delivered', 1800000000000, 1, 1, 1800000001000, 204, NULL,
   1800000001000, 1800000002000),
  (3, 2, 1, 1, 'http://s.example:80', 'golden-delivery-dead', 1800000000000, 2, 8, 1800000001000, 500, 'HTTP 500',
   1800000001000, 1800000003000),
  (4, 2, 1, 1, 'http://s.example:80', 'golden-delivery-dropped', 1800000000000, 3, 1, 1800000001000, 410, 'gone',
   1800000001000, 1800000004000);
COMMIT;
