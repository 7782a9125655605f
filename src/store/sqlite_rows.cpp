#include "store/sqlite_rows.h"

#include <nlohmann/json.hpp>

#include "store/state_codes.h"

namespace hubbub {

Result<RequestRecord> read_request(const Query& q) {
  RequestRecord r;
  HUBBUB_TRY_ASSIGN(mode, state_from_code<RequestMode>(q.int64(1)));
  HUBBUB_TRY_ASSIGN(state, state_from_code<RequestState>(q.int64(8)));
  r.id = q.text(0);
  r.mode = *mode;
  r.topic = q.text(2);
  r.callback = q.text(3);
  r.secret = q.optional_text(4);
  if (auto v = q.optional_int64(5)) {
    r.lease_requested = static_cast<std::uint64_t>(*v);
  }
  if (auto v = q.optional_int64(6)) {
    r.lease_granted = std::chrono::seconds{*v};
  }
  r.verify_token = q.optional_text(7);
  r.state = *state;
  r.attempts = static_cast<std::uint32_t>(q.int64(9));
  r.due_at = from_unix_ms(q.int64(10));
  r.last_error = q.optional_text(11);
  r.created_at = from_unix_ms(q.int64(12));
  r.updated_at = from_unix_ms(q.int64(13));
  r.signature_algorithm = algorithm_from_text(q.optional_text(14));
  r.standard_webhooks = flag_from_code(q.optional_int64(15));
  r.feed_diff = flag_from_code(q.optional_int64(16));
  return r;
}

Subscription read_subscription(const Query& q, int first) {
  Subscription s;
  s.id = q.int64(first);
  s.topic = q.text(first + 1);
  s.callback = q.text(first + 2);
  s.secret = q.optional_text(first + 3);
  s.lease = std::chrono::seconds{q.int64(first + 4)};
  s.expires_at = from_unix_ms(q.int64(first + 5));
  s.created_at = from_unix_ms(q.int64(first + 6));
  s.updated_at = from_unix_ms(q.int64(first + 7));
  return s;
}

Result<DeliveryRecord> read_delivery_record(const Query& q, int first) {
  DeliveryRecord r;
  HUBBUB_TRY_ASSIGN(state, state_from_code<DeliveryState>(q.int64(first + 4)));
  r.id = q.int64(first);
  r.subscription_id = q.int64(first + 1);
  r.topic = q.text(first + 2);
  r.callback = q.text(first + 3);
  r.state = *state;
  r.attempts = static_cast<std::uint32_t>(q.int64(first + 5));
  r.last_status = q.optional_int64(first + 6);
  r.last_error = q.optional_text(first + 7);
  r.due_at = from_unix_ms(q.int64(first + 8));
  r.updated_at = from_unix_ms(q.int64(first + 9));
  return r;
}

std::string json_text_array(const std::vector<std::string>& items) {
  return nlohmann::json(items).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<DeliveryJob>> delivery_jobs(Database& db, const std::vector<ClaimedDelivery>& claimed,
                                               std::int64_t now) {
  std::vector<DeliveryJob> jobs;
  if (claimed.empty()) {
    return jobs;
  }
  HUBBUB_TRY_ASSIGN(sub, db.query("SELECT topic, callback, secret, expires_at, signature_algorithm, "
                                  "standard_webhooks, CASE WHEN previous_secret_until > ?2 "
                                  "THEN previous_secret END FROM subscriptions WHERE id = ?1"));
  HUBBUB_TRY_ASSIGN(drop, db.query("UPDATE deliveries SET state = 3, claimed_until = NULL, updated_at = ?, "
                                   "last_error = 'the subscription ended before delivery' WHERE id = ?"));
  jobs.reserve(claimed.size());
  for (const ClaimedDelivery& c : claimed) {
    sub->bind(1, c.subscription_id).bind(2, now);
    HUBBUB_TRY_ASSIGN(row, sub->step());
    if (*row && sub->int64(3) > now) {
      DeliveryJob job;
      job.id = c.id;
      job.delivery_id = c.delivery_id;
      job.origin = c.origin;
      job.content_id = c.content_id;
      job.topic = sub->text(0);
      job.callback = sub->text(1);
      job.secret = sub->optional_text(2);
      job.expires_at = from_unix_ms(sub->int64(3));
      job.signature_algorithm = algorithm_from_text(sub->optional_text(4));
      job.standard_webhooks = flag_from_code(sub->optional_int64(5));
      job.previous_secret = sub->optional_text(6);
      job.attempts = c.attempts;
      job.created_at = from_unix_ms(c.created_at);
      job.published_at = from_unix_ms(c.published_at);
      job.replay = c.replay;
      jobs.push_back(std::move(job));
    } else {
      drop->bind(1, now).bind(2, c.id);
      HUBBUB_TRY(drop->run());
      drop->reset();
    }
    sub->reset();
  }
  return jobs;
}

}  // namespace hubbub
