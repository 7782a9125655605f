#pragma once
// One hub per test: a temporary directory with its database, a subscriber's
// callback server, and the real hubbub on a loopback port.

#include <string>
#include <vector>

#include "support/hub_process.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"
#include "support/websub_client.h"

namespace hubbub::test {

struct HubFixture {
  explicit HubFixture(std::vector<std::string> args = {}) : hub(dir.file("hub.db"), test_hub_args(std::move(args))) {}

  std::string database() const { return dir.file("hub.db"); }

  TempDir dir;
  TestHttpServer callback;
  HubProcess hub;
};

}  // namespace hubbub::test
