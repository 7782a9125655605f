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

}  // namespace hubbub
