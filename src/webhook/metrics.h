#pragma once
// A small metrics registry rendered in the Prometheus text exposition format (version 0.0.4):
// counters and gauges, each family declared once with its help text, series keyed by labels.
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  enum class Type { kCounter, kGauge };
  // Declares a family; series of undeclared families are refused (programmer error).
  void Declare(const std::string& name, Type type, const std::string& help);
  void Add(const std::string& name, const MetricLabels& labels, double delta = 1);
  void Set(const std::string& name, const MetricLabels& labels, double value);
  // 0 if the series does not exist.
  double Value(const std::string& name, const MetricLabels& labels = {}) const;
  // Every family with its # HELP and # TYPE lines, series sorted by labels.
  std::string Render() const;

 private:
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::map<std::string, double> series;  // rendered label set ("{a="x"}") -> value
  };
  static std::string LabelText(const MetricLabels& labels);
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace sluice
