-- Hubbub's PostgreSQL schema, version 7: secret rotation, re-confirmation and
-- replay.
-- previous_secret: the secret a verified renewal replaced, with which
-- deliveries are signed too until previous_secret_until (--secret-grace), so
-- that a subscriber can roll its secret without losing a notification.
-- reconfirmed_for: the expires_at for which the hub queued a verification of
-- intent of its own (--reconfirm-before); a renewal moves expires_at, which
-- makes the subscription due for the next one.
-- deliveries.replay: 1 for a delivery an operator queued again (admin API,
-- dashboard), sent with X-Hub-Replay.
ALTER TABLE subscriptions ADD COLUMN previous_secret BYTEA;
ALTER TABLE subscriptions ADD COLUMN previous_secret_until BIGINT;
ALTER TABLE subscriptions ADD COLUMN reconfirmed_for BIGINT;
ALTER TABLE deliveries ADD COLUMN replay SMALLINT;
