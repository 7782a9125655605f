#pragma once
// Publishing at the hub URL: a ping (hub.mode=publish with the topic URLs,
// parsed by the hub endpoint) and a fat ping (POST <hub>?hub.mode=publish&
// hub.topic=<topic> with the content itself as the body, in its own
// Content-Type, and "Authorization: Bearer <publisher token>"). Either is
// answered 202 with a status monitor (or 204, --publish-status) once the
// store has committed it, or 503 while the delivery queue is full.

#include "server/exchange.h"
#include "server/hub_context.h"
#include "websub/model.h"

namespace hubbub {

// Stamps `publish` (id, time), submits it and answers once it is committed.
void submit_publish(NewPublish publish, Answer answer, HubContext& context);

// A fat ping, from authentication to submission.
void post_fat_ping(const Inbound& request, Answer answer, HubContext& context);

}  // namespace hubbub
