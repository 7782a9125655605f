#pragma once
// The storage port: the one narrow interface the hub logic uses to persist
// state. The SQLite engine (store/sqlite_store.h) implements it; a PostgreSQL
// engine for multi-node deployments is to implement the same contract.
//
// Contract for every implementation:
// - Writes are asynchronous and durable: `done` runs (on a store thread, so it
//   must not block) only once the change is committed, or with the error that
//   kept it from being committed. Writes submitted from one thread commit in
//   submission order.
// - Reads are synchronous, see every write whose `done` has run, and may be
//   called from any thread.
// - Claims make pending work exclusive: a claimed request is not handed out
//   again until its claim lapses or it is rescheduled or completed.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/clock.h"
#include "util/result.h"
#include "websub/model.h"

namespace hubbub {

class Store {
 public:
  using Done = std::function<void(Status)>;
  virtual ~Store() = default;

  // Records a validated request as pending and due now.
  virtual void add_request(NewRequest request, Done done) = 0;
  virtual Result<std::optional<RequestRecord>> find_request(std::string_view id) = 0;

  // Claims up to `max` due, unclaimed, pending requests until now + claim_for,
  // counting an attempt for each. For any (topic, callback) pair only the
  // oldest pending request is ever handed out, so the requests for a pair are
  // settled one after another, in order.
  virtual Result<std::vector<RequestRecord>> claim_due_requests(TimePoint now, Millis claim_for,
                                                                 std::size_t max) = 0;
  // When the earliest pending request falls due (claimed ones count at their
  // claim's end); nullopt when nothing is pending.
  virtual Result<std::optional<TimePoint>> next_request_due() = 0;
  // Returns a claimed request to the queue, due at `due_at`.
  virtual void retry_request(std::string id, TimePoint due_at, std::string error, Done done) = 0;
  // Ends a claimed request. Verified: in the same transaction, a subscribe
  // creates or renews the (topic, callback) subscription with the request's
  // secret and lease counted from verified_at; an unsubscribe removes it.
  // Failed or denied: subscriptions are left exactly as they were.
  virtual void complete_request(RequestCompletion completion, Done done) = 0;
  // Lets every claim lapse at once (start-up after a crash, shutdown): with one
  // hub process per database no claim can be live at those moments.
  virtual Status release_all_claims() = 0;

  virtual Result<std::optional<Subscription>> find_subscription(std::string_view topic,
                                                                std::string_view callback) = 0;
  // Subscriptions of `topic` whose lease has not ended at `now`.
  virtual Result<std::vector<Subscription>> active_subscriptions(std::string_view topic, TimePoint now) = 0;

  // Housekeeping: deletes subscriptions expired at `now`, and finished requests
  // last updated before `finished_before`. Returns how many rows went.
  virtual Result<std::size_t> remove_expired_subscriptions(TimePoint now) = 0;
  virtual Result<std::size_t> purge_finished_requests(TimePoint finished_before) = 0;

  // Blocks until every write submitted before the call has its `done` run.
  virtual void flush() = 0;
};

}  // namespace hubbub
