-- Each subscription's callback origin (scheme://host:port), for the cap on
-- subscriptions per callback host. Filled by the hub as subscriptions are
-- made, and for older rows when it starts (it needs hubbub_origin(), which
-- the hub registers on its connections).
ALTER TABLE subscriptions ADD COLUMN origin TEXT;
CREATE INDEX subscriptions_origin ON subscriptions (origin, expires_at);
