#include "webhook/metrics.h"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace sluice {

void MetricsRegistry::Declare(const std::string& name, Type type, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
}

std::string MetricsRegistry::LabelText(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); i++) {
    if (i) out += ',';
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

void MetricsRegistry::Add(const std::string& name, const MetricLabels& labels, double delta) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  assert(it != families_.end());
  if (it != families_.end()) it->second.series[LabelText(labels)] += delta;
}

void MetricsRegistry::Set(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  assert(it != families_.end());
  if (it != families_.end()) it->second.series[LabelText(labels)] = value;
}

double MetricsRegistry::Value(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  auto s = it->second.series.find(LabelText(labels));
  return s == it->second.series.end() ? 0 : s->second;
}

std::string MetricsRegistry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + (f.type == Type::kCounter ? " counter\n" : " gauge\n");
    for (const auto& [labels, value] : f.series) {
      char number[64];
      if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(number, sizeof number, "%.0f", value);
      } else {
        std::snprintf(number, sizeof number, "%.17g", value);
      }
      out += name + labels + " " + number + "\n";
    }
  }
  return out;
}

}  // namespace sluice
