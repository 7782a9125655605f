#pragma once
// A small Prometheus registry: labelled counters and histograms, rendered in
// the text exposition format (version 0.0.4). Thread-safe; nothing
// Hubbub-specific.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace hubbub {

// Label pairs, e.g. {{"mode", "subscribe"}, {"status", "202"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help) : m_name(std::move(name)), m_help(std::move(help)) {}
  void add(const Labels& labels, std::uint64_t n = 1);
  std::uint64_t value(const Labels& labels) const;
  void render(std::string& out) const;

 private:
  std::string m_name;
  std::string m_help;
  mutable std::mutex m_mutex;
  std::map<std::string, std::uint64_t> m_values;  // rendered label set -> value
};

class Histogram {
 public:
  // `bounds` ascending, in the unit of observe() (seconds by convention).
  Histogram(std::string name, std::string help, std::vector<double> bounds);
  void observe(double value);
  std::uint64_t count() const;
  void render(std::string& out) const;

 private:
  std::string m_name;
  std::string m_help;
  std::vector<double> m_bounds;
  mutable std::mutex m_mutex;
  std::vector<std::uint64_t> m_buckets;  // per bound, not cumulative
  std::uint64_t m_count = 0;
  double m_sum = 0;
};

// `name{labels} value` lines with HELP and TYPE, for gauges read at scrape
// time.
void render_gauge(std::string& out, const std::string& name, const std::string& help,
                  const std::vector<std::pair<Labels, double>>& values);

// A counter kept elsewhere, read at scrape time: one `name value` line with
// HELP and TYPE.
void render_counter(std::string& out, const std::string& name, const std::string& help, double value);

// {a="1",b="x\"y"} with Prometheus escaping; "" for no labels.
std::string render_labels(const Labels& labels);

}  // namespace hubbub
