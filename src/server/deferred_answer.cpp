#include "server/deferred_answer.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "util/log_text.h"

namespace hubbub {

Store::Done answer_after_commit(Answer answer, OwedAnswers& owed, Reply accepted, std::function<void()> then) {
  owed.add();
  // Store::Done is a std::function, which must be copyable; the answer is not.
  auto held = std::make_shared<Answer>(std::move(answer));
  return [held, &owed, accepted = std::move(accepted), then = std::move(then)](Status committed) mutable {
    try {
      if (committed) {
        then();  // first: whoever sees the answer may rely on the work being under way
        held->send(std::move(accepted));
      } else {
        held->send_and_close(storage_unavailable(committed.error().message));
      }
    } catch (const std::exception& e) {
      spdlog::error("event=answer_failed error={}", log_quoted(e.what()));
    }
    owed.settle();
  };
}

}  // namespace hubbub
