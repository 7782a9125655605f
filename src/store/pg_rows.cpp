#include "store/pg_rows.h"

#include "store/state_codes.h"

namespace hubbub {

Result<RequestRecord> read_pg_request(const PgResult& q, int row, int first) {
  RequestRecord r;
  HUBBUB_TRY_ASSIGN(mode, state_from_code<RequestMode>(q.int64(row, first + 1)));
  HUBBUB_TRY_ASSIGN(state, state_from_code<RequestState>(q.int64(row, first + 8)));
  r.id = q.text(row, first);
  r.mode = *mode;
  r.topic = q.text(row, first + 2);
  r.callback = q.text(row, first + 3);
  r.secret = q.optional_bytes(row, first + 4);
  if (auto v = q.optional_int64(row, first + 5)) {
    r.lease_requested = static_cast<std::uint64_t>(*v);
  }
  if (auto v = q.optional_int64(row, first + 6)) {
    r.lease_granted = std::chrono::seconds{*v};
  }
  r.verify_token = q.optional_text(row, first + 7);
  r.state = *state;
  r.attempts = static_cast<std::uint32_t>(q.int64(row, first + 9));
  r.due_at = from_unix_ms(q.int64(row, first + 10));
  r.last_error = q.optional_text(row, first + 11);
  r.created_at = from_unix_ms(q.int64(row, first + 12));
  r.updated_at = from_unix_ms(q.int64(row, first + 13));
  r.signature_algorithm = algorithm_from_text(q.optional_text(row, first + 14));
  r.standard_webhooks = flag_from_code(q.optional_int64(row, first + 15));
  r.feed_diff = flag_from_code(q.optional_int64(row, first + 16));
  return r;
}

Subscription read_pg_subscription(const PgResult& q, int row, int first) {
  Subscription s;
  s.id = q.int64(row, first);
  s.topic = q.text(row, first + 1);
  s.callback = q.text(row, first + 2);
  s.secret = q.optional_bytes(row, first + 3);
  s.lease = std::chrono::seconds{q.int64(row, first + 4)};
  s.expires_at = from_unix_ms(q.int64(row, first + 5));
  s.created_at = from_unix_ms(q.int64(row, first + 6));
  s.updated_at = from_unix_ms(q.int64(row, first + 7));
  return s;
}

Result<DeliveryRecord> read_pg_delivery_record(const PgResult& q, int row, int first) {
  DeliveryRecord r;
  HUBBUB_TRY_ASSIGN(state, state_from_code<DeliveryState>(q.int64(row, first + 4)));
  r.id = q.int64(row, first);
  r.subscription_id = q.int64(row, first + 1);
  r.topic = q.text(row, first + 2);
  r.callback = q.text(row, first + 3);
  r.state = *state;
  r.attempts = static_cast<std::uint32_t>(q.int64(row, first + 5));
  r.last_status = q.optional_int64(row, first + 6);
  r.last_error = q.optional_text(row, first + 7);
  r.due_at = from_unix_ms(q.int64(row, first + 8));
  r.updated_at = from_unix_ms(q.int64(row, first + 9));
  return r;
}

DeliveryJob read_pg_delivery_job(const PgResult& r, int row, int subscription) {
  DeliveryJob job;
  job.id = r.int64(row, 0);
  job.delivery_id = r.text(row, 1);
  job.origin = r.text(row, 2);
  job.content_id = r.int64(row, 3);
  job.topic = r.text(row, subscription);
  job.callback = r.text(row, subscription + 1);
  job.secret = r.optional_bytes(row, subscription + 2);
  job.expires_at = from_unix_ms(r.int64(row, subscription + 3));
  job.signature_algorithm = algorithm_from_text(r.optional_text(row, subscription + 4));
  job.standard_webhooks = flag_from_code(r.optional_int64(row, subscription + 5));
  job.previous_secret = r.optional_bytes(row, subscription + 6);
  return job;
}

}  // namespace hubbub
