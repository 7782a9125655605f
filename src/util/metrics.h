#pragma once
// Prometheus metrics through prometheus-cpp (Debian's prometheus-cpp-dev):
// its registry, counters and histograms, and its text serializer. What this
// file adds are the few helpers the hub needs on top: gauges whose values are
// read at scrape time (queue depths from the store, open connections) and the
// exposition text of a set of families. Nothing Hubbub-specific.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <string>
#include <utility>
#include <vector>

namespace hubbub {

// Label pairs, e.g. {{"mode", "subscribe"}, {"status", "202"}}.
using Labels = prometheus::Labels;
using CounterFamily = prometheus::Family<prometheus::Counter>;
using Histogram = prometheus::Histogram;
using MetricFamilies = std::vector<prometheus::MetricFamily>;

// A gauge family with one sample per label set, for values read at scrape
// time.
prometheus::MetricFamily gauge_family(std::string name, std::string help,
                                      const std::vector<std::pair<Labels, double>>& values);

// A counter kept elsewhere (a plain atomic, say), read at scrape time.
prometheus::MetricFamily counter_family(std::string name, std::string help, double value);

// The text exposition format (version 0.0.4) of `families`.
std::string exposition(const MetricFamilies& families);

}  // namespace hubbub
