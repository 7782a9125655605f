-- Each subscription request's callback origin, for the cap on verifications
-- pending per callback host. Set by the hub when a request arrives; pending
-- rows from before are filled when it starts.
ALTER TABLE subscription_requests ADD COLUMN origin TEXT;
CREATE INDEX subscription_requests_origin ON subscription_requests (origin) WHERE state = 0;
