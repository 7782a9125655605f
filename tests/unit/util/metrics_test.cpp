#include "util/metrics.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("counters render per label set in the text format", "[util][metrics]") {
  CounterFamily c("hubbub_things_total", "Things.");
  c.add({{"kind", "a"}});
  c.add({{"kind", "a"}}, 2);
  c.add({{"kind", "b\"q"}});
  CHECK(c.value({{"kind", "a"}}) == 3);
  std::string out;
  c.render(out);
  CHECK(out ==
        "# HELP hubbub_things_total Things.\n# TYPE hubbub_things_total counter\n"
        "hubbub_things_total{kind=\"a\"} 3\nhubbub_things_total{kind=\"b\\\"q\"} 1\n");
}

TEST_CASE("histograms render cumulative buckets, sum and count", "[util][metrics]") {
  Histogram h("lat_seconds", "Latency.", {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string out;
  h.render(out);
  CHECK(out.find("lat_seconds_bucket{le=\"0.10000000000000001\"} 1\n") != std::string::npos);
  CHECK(out.find("lat_seconds_bucket{le=\"1\"} 2\n") != std::string::npos);
  CHECK(out.find("lat_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(out.find("lat_seconds_sum 5.5499999999999998\n") != std::string::npos);
  CHECK(out.find("lat_seconds_count 3\n") != std::string::npos);
}

TEST_CASE("gauges render with and without labels", "[util][metrics]") {
  std::string out;
  render_gauge(out, "g", "A gauge.", {{{}, 2.0}, {{{"q", "x"}}, 1.5}});
  CHECK(out == "# HELP g A gauge.\n# TYPE g gauge\ng 2\ng{q=\"x\"} 1.5\n");
}
