// 48: fairness (reliability-plan.md D10, A2): a host that answers slowly, or
// not at all, holds a bounded share of the verifier's and the fetcher's slots
// and never delays the work of another host. The slow host here answers only
// when the test opens its gate, so the checks hold at any speed: the other
// host's work must be done while every slow request is still held.

#include <catch2/catch.hpp>

#include <memory>

#include "support/hub_process.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"
#include "support/websub_client.h"

using namespace hubbub::test;
using nlohmann::json;

namespace {

// Opens the gate when the test ends, however it ends, so that the servers'
// held threads finish at once.
struct OpenAtExit {
  std::shared_ptr<Gate> gate;
  ~OpenAtExit() { gate->open(); }
};

constexpr std::size_t k_slow_jobs = 80;
// What reaches the slow host at once: its share of the verifier's and the
// fetcher's slots (websub/limits.h: 16 and 8), sent over at most the HTTP
// client's 8 connections per origin.
constexpr std::size_t k_verification_share = 8;
constexpr std::size_t k_fetch_share = 8;

}  // namespace

TEST_CASE("callbacks that answer slowly never delay another host's verification",
          "[integration][fairness][verify][D10][A2]") {
  TempDir dir;
  auto gate = std::make_shared<Gate>();
  TestHttpServer slow(held(gate, echo_challenge));
  TestHttpServer other;
  OpenAtExit at_exit{gate};
  HubProcess hub(dir.file("hub.db"), test_hub_args({"--outbound-timeout", "120"}));

  std::vector<std::string> monitors;
  for (std::size_t i = 0; i < k_slow_jobs; ++i) {
    const HttpReply r = subscribe(hub, "subscribe", "http://publisher.example/t" + std::to_string(i),
                                  slow.url("/cb" + std::to_string(i)));
    REQUIRE(r.status == 202);
    monitors.push_back(r.header("location"));
  }
  // The slow host holds its share of the slots, and no more.
  REQUIRE(slow.wait_for_requests(k_verification_share, std::chrono::seconds{30}));

  const auto start = std::chrono::steady_clock::now();
  const json j = subscribe_and_settle(hub, "subscribe", "http://publisher.example/other", other.url("/cb"), {},
                                      std::chrono::seconds{30});
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  INFO("the other host's verification took " << took.count() << " ms");
  CHECK(j["state"] == "verified");
  // Done while every slow request was still held: nothing of the slow host
  // was in its way.
  CHECK(slow.request_count() == k_verification_share);

  gate->open();
  for (const auto& m : monitors) {
    CHECK(wait_settled(m, std::chrono::seconds{60})["state"] == "verified");
  }
}

TEST_CASE("topics that answer slowly never delay another host's publish",
          "[integration][fairness][distribute][D10][A2]") {
  TempDir dir;
  auto gate = std::make_shared<Gate>();
  TestHttpServer slow_topics(held(gate, atom_feed("<feed>slow</feed>")));
  TestHttpServer other_topic(atom_feed("<feed>other</feed>"));
  TestHttpServer callback(statuses({204}));
  OpenAtExit at_exit{gate};
  HubProcess hub(dir.file("hub.db"), test_hub_args({"--outbound-timeout", "120"}));

  std::vector<std::pair<std::string, std::string>> ping;
  for (std::size_t i = 0; i < k_slow_jobs; ++i) {
    const std::string topic = slow_topics.url("/t" + std::to_string(i));
    REQUIRE(subscribe_and_settle(hub, "subscribe", topic, callback.url("/slow"))["state"] == "verified");
    ping.emplace_back("hub.url", topic);
  }
  const std::string topic = other_topic.url("/feed");
  REQUIRE(subscribe_and_settle(hub, "subscribe", topic, callback.url("/other"))["state"] == "verified");

  const HttpReply slow_ping = publish(hub, ping);
  REQUIRE(slow_ping.status == 202);
  REQUIRE(slow_topics.wait_for_requests(k_fetch_share, std::chrono::seconds{30}));

  const auto start = std::chrono::steady_clock::now();
  const HttpReply r = publish(hub, {{"hub.url", topic}});
  REQUIRE(r.status == 202);
  const json done = wait_published(r.header("location"), std::chrono::seconds{30});
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  INFO("the other topic's publish took " << took.count() << " ms to its delivery");
  CHECK(done["topics"][0]["state"] == "distributed");
  CHECK(done["topics"][0]["deliveries"]["delivered"] == 1);
  CHECK(slow_topics.request_count() == k_fetch_share);

  gate->open();
  const json all = wait_published(slow_ping.header("location"), std::chrono::seconds{60});
  std::size_t distributed = 0;
  for (const auto& t : all["topics"]) {
    distributed += t["state"] == "distributed" ? 1 : 0;
  }
  CHECK(distributed == k_slow_jobs);
}
