-- Hubbub schema, version 10: how a subscriber asked to be signed, by
-- extension parameters on subscribe (hub.signature_algorithm,
-- hub.standard_webhooks). NULL: the hub's setting (--signature-algorithm,
-- --standard-webhooks). A request keeps them until it is verified; the
-- subscription then takes them, a renewal replacing them like the secret.
ALTER TABLE subscription_requests ADD COLUMN signature_algorithm TEXT;
ALTER TABLE subscription_requests ADD COLUMN standard_webhooks INTEGER;
ALTER TABLE subscriptions ADD COLUMN signature_algorithm TEXT;
ALTER TABLE subscriptions ADD COLUMN standard_webhooks INTEGER;
