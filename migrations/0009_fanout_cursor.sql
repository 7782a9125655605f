-- Hubbub schema, version 9: fan-outs written in chunks. A distributed fetch
-- queues the deliveries of its first subscriptions (by id) in the
-- transaction that records it, so that they are sent while the rest are
-- written; `fanout_after` is the id of the last subscription queued so far
-- while more may follow, NULL once the fan-out is all written. The index on
-- (topic, id) walks a topic's subscriptions in that order.
ALTER TABLE publish_topics ADD COLUMN fanout_after INTEGER;
CREATE INDEX publish_topics_fanout ON publish_topics (id) WHERE fanout_after IS NOT NULL;
CREATE INDEX subscriptions_topic ON subscriptions (topic, id);
