-- Indexes for the dashboard and the admin API: a subscription's latest
-- deliveries, and dead letters newest first, without scanning every
-- delivery.
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);
CREATE INDEX deliveries_dead ON deliveries (updated_at) WHERE state = 2;
