#pragma once
// Answers that are promises: a 202 for a request or a ping goes out only once
// the store has committed it.

#include <functional>

#include "server/exchange.h"
#include "server/hub_context.h"
#include "websub/store.h"

namespace hubbub {

// The store's `done` for a request whose answer is prepared: once committed,
// runs `then` (wakes the service that takes the work on) and sends `accepted`; if it could not be committed, answers
// 503 and ends the connection. The answer counts as owed until it is sent.
Store::Done answer_after_commit(Answer answer, OwedAnswers& owed, Reply accepted, std::function<void()> then);

}  // namespace hubbub
