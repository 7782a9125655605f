// 40: the egress policy on the real daemon (reliability-plan.md §1): without
// --allow-private-networks nothing on loopback is ever contacted.

#include <catch2/catch.hpp>

#include "support/hub_process.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"
#include "support/websub_client.h"

using namespace hubbub::test;
using nlohmann::json;

TEST_CASE("by default a loopback callback is refused without a connection (SEC-07, S1, S2, S4)",
          "[integration][egress]") {
  TempDir dir;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), {"--retry-base", "0.05"});
  const std::string port = std::to_string(callback.port());
  for (const std::string host : {"127.0.0.1", "localhost", "0x7f.1", "2130706433", "[::ffff:127.0.0.1]"}) {
    INFO(host);
    const json j = subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed",
                                        "http://" + host + ":" + port + "/cb");
    CHECK(j["state"] == "failed");
    CHECK(j["attempts"] == 1);
    CHECK(j["last_error"].get<std::string>().starts_with("blocked_address"));
  }
  CHECK(callback.connections() == 0);
}

TEST_CASE("a denial is never sent to a refused address (S15)", "[integration][egress]") {
  TempDir dir;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), {"--topic-deny", "*"});
  const json j = subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/cb"));
  CHECK(j["state"] == "denied");
  CHECK(callback.connections() == 0);
}

TEST_CASE("the hub never calls itself, even with private networks allowed (S14)", "[integration][egress]") {
  TempDir dir;
  HubProcess hub(dir.file("hub.db"), test_hub_args());
  const json j = subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", hub.url("/"));
  CHECK(j["state"] == "failed");
  CHECK(j["last_error"].get<std::string>().find("the hub itself") != std::string::npos);
}

TEST_CASE("proxy variables in the environment are ignored (S16)", "[integration][egress]") {
  TempDir dir;
  TestHttpServer proxy;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), test_hub_args(),
                 {"http_proxy=" + proxy.url("/"), "HTTP_PROXY=" + proxy.url("/"), "ALL_PROXY=" + proxy.url("/")});
  CHECK(subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/cb"))["state"] ==
        "verified");
  CHECK(proxy.request_count() == 0);
}
