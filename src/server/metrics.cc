#include "server/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace floe::server {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "floe metrics: %s\n", message.c_str());
  std::abort();
}

bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} with an extra label (le) appended when given; "" for no labels.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  out += '}';
  return out;
}

}  // namespace

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Counter::Increment(double by) {
  if (by >= 0) value_.fetch_add(by, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // Bucket i holds bounds_[i-1] < value <= bounds_[i]; the last is +Inf.
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

template <typename Metric>
Metric& MetricFamily<Metric>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size())
    Die("metric " + name_ + " has " + std::to_string(label_names_.size()) + " labels, given " +
        std::to_string(values.size()) + " values");
  std::lock_guard lock(mu_);
  auto& slot = children_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      slot = std::make_unique<Histogram>(bounds_);
    } else {
      slot = std::make_unique<Metric>();
    }
  }
  return *slot;
}

template <typename Metric>
Metric& MetricFamily<Metric>::WithLabels(std::initializer_list<std::string_view> values) {
  return WithLabels(std::vector<std::string>(values.begin(), values.end()));
}

template <typename Metric>
void MetricFamily<Metric>::Render(std::string_view type, std::string& out) const {
  out += "# HELP " + name_ + " " + EscapeHelp(help_) + "\n";
  out += "# TYPE " + name_ + " " + std::string(type) + "\n";
  std::lock_guard lock(mu_);
  for (const auto& [values, metric] : children_) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      // The count is the sum of the buckets read, so _count always equals the +Inf bucket.
      std::vector<uint64_t> counts = metric->bucket_counts();
      uint64_t cumulative = 0;
      for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        std::string le = i < bounds_.size() ? FormatMetricValue(bounds_[i]) : "+Inf";
        out += name_ + "_bucket" + LabelText(label_names_, values, "le", le) + " " + std::to_string(cumulative) + "\n";
      }
      out += name_ + "_sum" + LabelText(label_names_, values) + " " + FormatMetricValue(metric->sum()) + "\n";
      out += name_ + "_count" + LabelText(label_names_, values) + " " + std::to_string(cumulative) + "\n";
    } else {
      out += name_ + LabelText(label_names_, values) + " " + FormatMetricValue(metric->value()) + "\n";
    }
  }
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

template <typename Metric>
MetricFamily<Metric>& MetricsRegistry::Add(Type type, std::string name, std::string help,
                                           std::vector<std::string> label_names, std::vector<double> bounds,
                                           std::vector<std::unique_ptr<MetricFamily<Metric>>>& store) {
  if (!ValidName(name, /*allow_colon=*/true)) Die("invalid metric name '" + name + "'");
  for (const std::string& label : label_names)
    if (!ValidName(label, false) || label.starts_with("__") || (type == Type::kHistogram && label == "le"))
      Die("metric " + name + ": invalid label name '" + label + "'");
  if (!std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end() ||
      std::any_of(bounds.begin(), bounds.end(), [](double b) { return std::isnan(b) || std::isinf(b); }))
    Die("histogram " + name + ": bucket bounds must be finite and strictly ascending");
  std::lock_guard lock(mu_);
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    const Entry& entry = order_[it->second];
    auto* family = static_cast<MetricFamily<Metric>*>(entry.family);
    if (entry.type != type || family->label_names_ != label_names || family->bounds_ != bounds)
      Die("metric " + name + " is already registered with another type, labels or buckets");
    return *family;
  }
  store.push_back(std::unique_ptr<MetricFamily<Metric>>(
      new MetricFamily<Metric>(name, std::move(help), std::move(label_names), std::move(bounds))));
  by_name_[name] = order_.size();
  order_.push_back({type, store.back().get()});
  return *store.back();
}

MetricFamily<Counter>& MetricsRegistry::AddCounter(std::string name, std::string help,
                                                   std::vector<std::string> label_names) {
  return Add(Type::kCounter, std::move(name), std::move(help), std::move(label_names), {}, counters_);
}

MetricFamily<Gauge>& MetricsRegistry::AddGauge(std::string name, std::string help,
                                               std::vector<std::string> label_names) {
  return Add(Type::kGauge, std::move(name), std::move(help), std::move(label_names), {}, gauges_);
}

MetricFamily<Histogram>& MetricsRegistry::AddHistogram(std::string name, std::string help, std::vector<double> bounds,
                                                       std::vector<std::string> label_names) {
  return Add(Type::kHistogram, std::move(name), std::move(help), std::move(label_names), std::move(bounds),
             histograms_);
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const Entry& entry : order_) {
    switch (entry.type) {
      case Type::kCounter:
        static_cast<MetricFamily<Counter>*>(entry.family)->Render("counter", out);
        break;
      case Type::kGauge:
        static_cast<MetricFamily<Gauge>*>(entry.family)->Render("gauge", out);
        break;
      case Type::kHistogram:
        static_cast<MetricFamily<Histogram>*>(entry.family)->Render("histogram", out);
        break;
    }
  }
  return out;
}

}  // namespace floe::server
