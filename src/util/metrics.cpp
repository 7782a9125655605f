#include "util/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hubbub {
namespace {

std::string number(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string render_labels(const Labels& labels) {
  if (labels.empty()) {
    return "";
  }
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) {
      out += ",";
    }
    out += labels[i].first + "=\"";
    for (const char c : labels[i].second) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += "\"";
  }
  return out + "}";
}

void CounterFamily::add(const Labels& labels, std::uint64_t n) {
  const std::string key = render_labels(labels);
  std::lock_guard lock(m_mutex);
  m_values[key] += n;
}

std::uint64_t CounterFamily::value(const Labels& labels) const {
  std::lock_guard lock(m_mutex);
  auto it = m_values.find(render_labels(labels));
  return it == m_values.end() ? 0 : it->second;
}

void CounterFamily::render(std::string& out) const {
  header(out, m_name, m_help, "counter");
  std::lock_guard lock(m_mutex);
  for (const auto& [labels, value] : m_values) {
    out += m_name + labels + " " + std::to_string(value) + "\n";
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> bounds)
    : m_name(std::move(name)), m_help(std::move(help)), m_bounds(std::move(bounds)), m_buckets(m_bounds.size(), 0) {}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(m_bounds.begin(), m_bounds.end(), value);
  std::lock_guard lock(m_mutex);
  if (it != m_bounds.end()) {
    ++m_buckets[static_cast<std::size_t>(it - m_bounds.begin())];
  }
  ++m_count;
  m_sum += value;
}

std::uint64_t Histogram::count() const {
  std::lock_guard lock(m_mutex);
  return m_count;
}

void Histogram::render(std::string& out) const {
  header(out, m_name, m_help, "histogram");
  std::lock_guard lock(m_mutex);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < m_bounds.size(); ++i) {
    cumulative += m_buckets[i];
    out += m_name + "_bucket{le=\"" + number(m_bounds[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += m_name + "_bucket{le=\"+Inf\"} " + std::to_string(m_count) + "\n";
  out += m_name + "_sum " + number(m_sum) + "\n";
  out += m_name + "_count " + std::to_string(m_count) + "\n";
}

void render_gauge(std::string& out, const std::string& name, const std::string& help,
                  const std::vector<std::pair<Labels, double>>& values) {
  header(out, name, help, "gauge");
  for (const auto& [labels, value] : values) {
    out += name + render_labels(labels) + " " + number(value) + "\n";
  }
}

void render_counter(std::string& out, const std::string& name, const std::string& help, double value) {
  header(out, name, help, "counter");
  out += name + " " + number(value) + "\n";
}

}  // namespace hubbub
