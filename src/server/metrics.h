// A small Prometheus registry: counters, gauges and fixed-bucket histograms,
// each a family with label names, rendered in the text exposition format
// 0.0.4 for GET /metrics.
//
//   MetricsRegistry metrics;
//   auto& executions = metrics.AddCounter("floe_executions_total", "Executions ended, by state", {"state"});
//   executions.WithLabels({"SUCCESS"}).Increment();
//   auto& durations = metrics.AddHistogram("floe_task_duration_seconds", "Task run durations",
//                                          {0.01, 0.1, 1, 10}, {"type"});
//   durations.WithLabels({"io.kestra.plugin.core.log.Log"}).Observe(0.004);
//   server.Route("GET", "/metrics", "Prometheus metrics", [&](const HttpRequest&) {
//     HttpResponse r = HttpResponse::Text(200, metrics.Render());
//     r.headers.Set("Content-Type", std::string(MetricsRegistry::kContentType));
//     return r;
//   });
//
// Thread safety: everything. Updating a metric is a few atomic operations;
// WithLabels takes a family's mutex (keep the returned reference to avoid it
// on hot paths: it stays valid as long as the registry).
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace floe::server {

class Counter {
 public:
  // `by` must be >= 0 (a counter only goes up); negative values are ignored.
  void Increment(double by = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Increment(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  void Decrement(double by = 1) { value_.fetch_sub(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending, without +Inf.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket counts, not cumulative; the last is the +Inf bucket.
  std::vector<uint64_t> bucket_counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// One metric name with its label names; one child per distinct label values.
template <typename Metric>
class MetricFamily {
 public:
  // The child for these label values (in label-name order), created on first
  // use. A count of values different from the label names is a programming
  // error: it aborts with a message.
  Metric& WithLabels(std::initializer_list<std::string_view> values);
  Metric& WithLabels(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }

 private:
  friend class MetricsRegistry;
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}
  void Render(std::string_view type, std::string& out) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;  // sorted: stable output
};

class MetricsRegistry {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Registers a family, or returns the one already registered under `name`
  // with the same type and label names. An invalid metric or label name, or
  // `name` taken by a different type or labels, is a programming error: it
  // aborts with a message naming the metric.
  MetricFamily<Counter>& AddCounter(std::string name, std::string help, std::vector<std::string> label_names = {});
  MetricFamily<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  // `bounds`: ascending upper bounds, +Inf implied.
  MetricFamily<Histogram>& AddHistogram(std::string name, std::string help, std::vector<double> bounds,
                                        std::vector<std::string> label_names = {});

  // Every family in registration order, children sorted by label values.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Entry {
    Type type;
    void* family;
  };
  template <typename Metric>
  MetricFamily<Metric>& Add(Type type, std::string name, std::string help, std::vector<std::string> label_names,
                            std::vector<double> bounds, std::vector<std::unique_ptr<MetricFamily<Metric>>>& store);

  mutable std::mutex mu_;
  std::vector<Entry> order_;
  std::map<std::string, size_t> by_name_;  // index into order_
  std::vector<std::unique_ptr<MetricFamily<Counter>>> counters_;
  std::vector<std::unique_ptr<MetricFamily<Gauge>>> gauges_;
  std::vector<std::unique_ptr<MetricFamily<Histogram>>> histograms_;
};

// Prometheus's number text: "1", "0.25", "+Inf", "-Inf", "NaN".
std::string FormatMetricValue(double value);
// A label value escaped for the text format (\\, \", \n).
std::string EscapeLabelValue(std::string_view value);

}  // namespace floe::server
