#include "websub/model.h"

namespace hubbub {

const char* to_string(RequestMode mode) {
  return mode == RequestMode::subscribe ? "subscribe" : "unsubscribe";
}

const char* to_string(RequestState state) {
  switch (state) {
    case RequestState::pending:
      return "pending";
    case RequestState::verified:
      return "verified";
    case RequestState::failed:
      return "failed";
    case RequestState::denied:
      return "denied";
  }
  return "unknown";
}

const char* to_string(FetchState state) {
  switch (state) {
    case FetchState::pending:
      return "pending";
    case FetchState::distributed:
      return "distributed";
    case FetchState::unchanged:
      return "unchanged";
    case FetchState::no_subscribers:
      return "no_subscribers";
    case FetchState::failed:
      return "failed";
    case FetchState::coalesced:
      return "coalesced";
  }
  return "unknown";
}

}  // namespace hubbub
