#pragma once
// Store writes made synchronous for tests: submit, then wait for `done`.

#include <functional>
#include <future>

#include "websub/store.h"

namespace hubbub::test {

inline Status wait_for_write(const std::function<void(Store::Done)>& write) {
  std::promise<Status> p;
  write([&p](Status s) { p.set_value(s); });
  return p.get_future().get();
}

}  // namespace hubbub::test
