#include "util/metrics.h"

#include <prometheus/text_serializer.h>

namespace hubbub {
namespace {

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

}  // namespace

prometheus::MetricFamily gauge_family(std::string name, std::string help,
                                      const std::vector<std::pair<Labels, double>>& values) {
  prometheus::MetricFamily f = family(std::move(name), std::move(help), prometheus::MetricType::Gauge);
  for (const auto& [labels, value] : values) {
    prometheus::ClientMetric m;
    for (const auto& [label, text] : labels) {
      m.label.push_back({label, text});
    }
    m.gauge.value = value;
    f.metric.push_back(std::move(m));
  }
  return f;
}

prometheus::MetricFamily counter_family(std::string name, std::string help, double value) {
  prometheus::MetricFamily f = family(std::move(name), std::move(help), prometheus::MetricType::Counter);
  prometheus::ClientMetric m;
  m.counter.value = value;
  f.metric.push_back(std::move(m));
  return f;
}

std::string exposition(const MetricFamilies& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace hubbub
