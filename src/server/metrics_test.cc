#include "server/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace floe::server {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndHistogramsExactly) {
  MetricsRegistry metrics;
  auto& executions = metrics.AddCounter("floe_executions_total", "Executions ended, by state", {"state"});
  executions.WithLabels({"SUCCESS"}).Increment();
  executions.WithLabels({"SUCCESS"}).Increment(2);
  executions.WithLabels({"FAILED"}).Increment();
  metrics.AddGauge("floe_queue_depth", "Executions waiting").WithLabels({}).Set(3.5);
  auto& durations =
      metrics.AddHistogram("floe_task_duration_seconds", "Task run durations\nin seconds", {0.005, 0.1, 1}, {"type"});
  Histogram& log = durations.WithLabels({"Log"});
  log.Observe(0.001);
  log.Observe(0.005);  // on a bound: counted in that bucket (le is <=)
  log.Observe(0.5);
  log.Observe(20);
  metrics.AddCounter("floe_weird_total", "Label escaping", {"v"}).WithLabels({"a\\b\"c\nd"}).Increment();

  EXPECT_EQ(metrics.Render(),
            "# HELP floe_executions_total Executions ended, by state\n"
            "# TYPE floe_executions_total counter\n"
            "floe_executions_total{state=\"FAILED\"} 1\n"
            "floe_executions_total{state=\"SUCCESS\"} 3\n"
            "# HELP floe_queue_depth Executions waiting\n"
            "# TYPE floe_queue_depth gauge\n"
            "floe_queue_depth 3.5\n"
            "# HELP floe_task_duration_seconds Task run durations\\nin seconds\n"
            "# TYPE floe_task_duration_seconds histogram\n"
            "floe_task_duration_seconds_bucket{type=\"Log\",le=\"0.005\"} 2\n"
            "floe_task_duration_seconds_bucket{type=\"Log\",le=\"0.1\"} 2\n"
            "floe_task_duration_seconds_bucket{type=\"Log\",le=\"1\"} 3\n"
            "floe_task_duration_seconds_bucket{type=\"Log\",le=\"+Inf\"} 4\n"
            "floe_task_duration_seconds_sum{type=\"Log\"} 20.506\n"
            "floe_task_duration_seconds_count{type=\"Log\"} 4\n"
            "# HELP floe_weird_total Label escaping\n"
            "# TYPE floe_weird_total counter\n"
            "floe_weird_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(MetricsTest, UnlabelledHistogramAndNumberFormats) {
  MetricsRegistry metrics;
  metrics.AddHistogram("lat", "h", {1}).WithLabels({}).Observe(2);
  EXPECT_EQ(metrics.Render(),
            "# HELP lat h\n# TYPE lat histogram\nlat_bucket{le=\"1\"} 0\nlat_bucket{le=\"+Inf\"} 1\nlat_sum 2\n"
            "lat_count 1\n");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(1e21), "1e+21");
  EXPECT_EQ(FormatMetricValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatMetricValue(NAN), "NaN");
}

TEST(MetricsTest, SameRegistrationReturnsTheSameFamily) {
  MetricsRegistry metrics;
  auto& a = metrics.AddCounter("c_total", "c", {"x"});
  auto& b = metrics.AddCounter("c_total", "c", {"x"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.WithLabels({"1"}), &b.WithLabels({"1"}));
  a.WithLabels({"1"}).Increment(-5);  // ignored: counters only go up
  EXPECT_EQ(a.WithLabels({"1"}).value(), 0);
}

TEST(MetricsDeathTest, ConflictsAndBadNamesAbortWithTheName) {
  MetricsRegistry metrics;
  metrics.AddCounter("c_total", "c");
  EXPECT_DEATH(metrics.AddGauge("c_total", "c"), "metric c_total is already registered");
  EXPECT_DEATH(metrics.AddCounter("1bad", "c"), "invalid metric name '1bad'");
  EXPECT_DEATH(metrics.AddHistogram("h", "h", {2, 1}), "strictly ascending");
  EXPECT_DEATH(metrics.AddCounter("d_total", "d", {"a"}).WithLabels({}), "has 1 labels, given 0");
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry metrics;
  Counter& counter = metrics.AddCounter("n_total", "n").WithLabels({});
  Histogram& histogram = metrics.AddHistogram("h", "h", {0.5}).WithLabels({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        counter.Increment();
        histogram.Observe(1);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.value(), 400000);
  EXPECT_EQ(histogram.bucket_counts()[1], 400000u);
  EXPECT_EQ(histogram.sum(), 400000);
}

}  // namespace
}  // namespace floe::server
