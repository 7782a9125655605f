#include "util/metrics.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("counters are exposed per label set, label values escaped", "[util][metrics]") {
  prometheus::Registry registry;
  CounterFamily& c = prometheus::BuildCounter().Name("hubbub_things_total").Help("Things.").Register(registry);
  c.Add({{"kind", "a"}}).Increment();
  c.Add({{"kind", "a"}}).Increment(2);
  c.Add({{"kind", "b\"q\\\n"}}).Increment();
  CHECK(c.Add({{"kind", "a"}}).Value() == 3);
  const std::string out = exposition(registry.Collect());
  CHECK(out.find("# HELP hubbub_things_total Things.\n# TYPE hubbub_things_total counter\n") == 0);
  CHECK(out.find("hubbub_things_total{kind=\"a\"} 3\n") != std::string::npos);
  CHECK(out.find("hubbub_things_total{kind=\"b\\\"q\\\\\\n\"} 1\n") != std::string::npos);
}

TEST_CASE("histograms are exposed with cumulative buckets, sum and count", "[util][metrics]") {
  prometheus::Registry registry;
  Histogram& h = prometheus::BuildHistogram()
                     .Name("lat_seconds")
                     .Help("Latency.")
                     .Register(registry)
                     .Add({}, Histogram::BucketBoundaries{0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  const std::string out = exposition(registry.Collect());
  CHECK(out.find("lat_seconds_bucket{le=\"0.1\"} 1\n") != std::string::npos);
  CHECK(out.find("lat_seconds_bucket{le=\"1\"} 2\n") != std::string::npos);
  CHECK(out.find("lat_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(out.find("lat_seconds_sum 5.55\n") != std::string::npos);
  CHECK(out.find("lat_seconds_count 3\n") != std::string::npos);
}

TEST_CASE("gauges and counters read at scrape time are exposed with and without labels", "[util][metrics]") {
  const std::string out = exposition({gauge_family("g", "A gauge.", {{{}, 2.0}, {{{"q", "x\"y"}}, 1.5}}),
                                      counter_family("c_total", "A counter.", 12345678)});
  CHECK(out ==
        "# HELP g A gauge.\n# TYPE g gauge\ng 2\ng{q=\"x\\\"y\"} 1.5\n"
        "# HELP c_total A counter.\n# TYPE c_total counter\nc_total 12345678\n");
}
