#pragma once
// The one place where the hub's states meet the integers stored for them.
// A code, once released, means that state for ever: the enums of
// websub/model.h may be reordered or grow, these numbers never change and
// are never reused. Migration 0006 names the same codes in SQL (tables
// request_modes, request_states, fetch_states and delivery_states), for
// operators' queries and for every engine's schema; the store's tests check
// that the two agree and read a golden database holding every state
// (tests/data/golden-v5.db).
//
// Reading a code that is not listed here is an error, never a guess.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "util/result.h"
#include "websub/model.h"

namespace hubbub {

template <class State>
struct StateCode {
  State state;
  std::int64_t code;
  const char* name;  // as in SQL, and as to_string() spells it
};

inline constexpr StateCode<RequestMode> k_request_mode_codes[] = {
    {RequestMode::subscribe, 0, "subscribe"},
    {RequestMode::unsubscribe, 1, "unsubscribe"},
};

inline constexpr StateCode<RequestState> k_request_state_codes[] = {
    {RequestState::pending, 0, "pending"},
    {RequestState::verified, 1, "verified"},
    {RequestState::failed, 2, "failed"},
    {RequestState::denied, 3, "denied"},
};

inline constexpr StateCode<FetchState> k_fetch_state_codes[] = {
    {FetchState::pending, 0, "pending"},     {FetchState::distributed, 1, "distributed"},
    {FetchState::unchanged, 2, "unchanged"}, {FetchState::no_subscribers, 3, "no_subscribers"},
    {FetchState::failed, 4, "failed"},       {FetchState::coalesced, 5, "coalesced"},
};

inline constexpr StateCode<DeliveryState> k_delivery_state_codes[] = {
    {DeliveryState::pending, 0, "pending"},
    {DeliveryState::delivered, 1, "delivered"},
    {DeliveryState::dead, 2, "dead"},
    {DeliveryState::dropped, 3, "dropped"},
};

// The codes of one kind of state, and the SQL table that names them.
template <class State>
struct StateCodes;
template <>
struct StateCodes<RequestMode> {
  static constexpr std::span<const StateCode<RequestMode>> all{k_request_mode_codes};
  static constexpr const char* table = "request_modes";
};
template <>
struct StateCodes<RequestState> {
  static constexpr std::span<const StateCode<RequestState>> all{k_request_state_codes};
  static constexpr const char* table = "request_states";
};
template <>
struct StateCodes<FetchState> {
  static constexpr std::span<const StateCode<FetchState>> all{k_fetch_state_codes};
  static constexpr const char* table = "fetch_states";
};
template <>
struct StateCodes<DeliveryState> {
  static constexpr std::span<const StateCode<DeliveryState>> all{k_delivery_state_codes};
  static constexpr const char* table = "delivery_states";
};

// The stored code of `state`.
template <class State>
constexpr std::int64_t code_of(State state) {
  for (const auto& c : StateCodes<State>::all) {
    if (c.state == state) {
      return c.code;
    }
  }
  return -1;  // unreachable while every state has a code (tests check it)
}

// The state a stored code stands for; an error naming the table for a code
// this hub does not know (a newer hub's row, or a damaged one).
template <class State>
Result<State> state_from_code(std::int64_t code) {
  for (const auto& c : StateCodes<State>::all) {
    if (c.code == code) {
      return c.state;
    }
  }
  return fail(std::string("unknown code ") + std::to_string(code) + " in " + StateCodes<State>::table);
}

// How a subscriber asked to be signed, as stored (migration 0010): the
// algorithm by its name, the Standard Webhooks choice as 1 or 0; NULL is the
// hub's setting. Only validated values are written; a name this hub does not
// know reads as the hub's setting, so that one odd row cannot stop every
// delivery's claim.
inline std::optional<std::string> algorithm_text(std::optional<SignatureAlgorithm> a) {
  return a ? std::optional<std::string>(to_string(*a)) : std::nullopt;
}
inline std::optional<SignatureAlgorithm> algorithm_from_text(const std::optional<std::string>& text) {
  return text ? parse_signature_algorithm(*text) : std::nullopt;
}
inline std::optional<std::int64_t> flag_code(std::optional<bool> on) {
  return on ? std::optional<std::int64_t>(*on ? 1 : 0) : std::nullopt;
}
inline std::optional<bool> flag_from_code(std::optional<std::int64_t> code) {
  return code ? std::optional<bool>(*code != 0) : std::nullopt;
}

// Codes are the store's constants in SQL text too.
static_assert(code_of(RequestState::pending) == 0, "SQL statements spell pending as 0");
static_assert(code_of(FetchState::pending) == 0, "SQL statements spell pending as 0");
static_assert(code_of(DeliveryState::pending) == 0, "SQL statements spell pending as 0");
static_assert(code_of(DeliveryState::delivered) == 1 && code_of(DeliveryState::dead) == 2 &&
                  code_of(DeliveryState::dropped) == 3,
              "SQL statements spell these codes as numbers");

}  // namespace hubbub
