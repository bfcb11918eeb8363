// A year of schedules, floe against an independent reference: for each cron
// expression and zone, every firing in 2027 computed by CronExpression::Next
// must equal the list that tests/schedule_reference.py computes by brute force
// with Python's zoneinfo under the same documented DST rule (cron.h).
#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "triggers/cron.h"

namespace floe::triggers {
namespace {

struct Case {
  const char* zone;
  bool with_seconds;
  const char* expression;
};

// DST forward and back in both hemispheres, a 30-minute DST shift (Lord
// Howe), a midnight transition (Santiago), a :30 offset without DST
// (Kolkata), UTC, and seconds.
constexpr Case kCases[] = {
    {"Europe/Paris", false, "0 * * * *"},           {"Europe/Paris", false, "30 2 * * *"},
    {"America/New_York", false, "*/15 * * * *"},    {"America/New_York", false, "30 1 * * *"},
    {"Asia/Kolkata", false, "0 9 * * MON-FRI"},     {"Australia/Sydney", false, "0 2,3 * * *"},
    {"Australia/Sydney", false, "45 */2 * * *"},    {"Australia/Lord_Howe", false, "*/10 1-2 * * *"},
    {"Europe/London", false, "*/10 0-2 * * SUN"},   {"America/Santiago", false, "@daily"},
    {"America/Los_Angeles", false, "0 0 13 * FRI"}, {"UTC", true, "30 0 12 * * *"},
    {"Europe/Paris", true, "15,45 */20 * * * *"},
};

std::string SourceDir() {
  if (const char* env = std::getenv("FLOE_SOURCE_DIR")) return env;
#ifdef FLOE_SOURCE_DIR
  return FLOE_SOURCE_DIR;
#else
  return ".";
#endif
}

int64_t Seconds(Timestamp t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }

std::string Describe(int64_t t, const char* zone) {
  auto s = std::chrono::sys_seconds{std::chrono::seconds{t}};
  return date::format("%F %T%z", date::make_zoned(zone, s)) + " (" + std::to_string(t) + ")";
}

TEST(ScheduleZoneinfo, AYearOfFiringsMatchesPythonZoneinfo) {
  const Timestamp start{date::sys_days{date::year{2027} / 1 / 1}};
  const Timestamp end{date::sys_days{date::year{2028} / 1 / 1}};

  std::string input = ::testing::TempDir() + "/schedule_reference_cases.txt";
  {
    std::ofstream out(input);
    for (const Case& c : kCases) {
      out << c.zone << '|' << (c.with_seconds ? 1 : 0) << '|' << c.expression << '|' << Seconds(start) << '|'
          << Seconds(end) << '\n';
    }
  }
  std::string command = "/usr/bin/python3 " + SourceDir() + "/tests/schedule_reference.py " + input;
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr) << command;
  std::string output;
  char buffer[1 << 16];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0) << command;

  std::istringstream lines(output);
  size_t total = 0;
  for (const Case& c : kCases) {
    std::string line;
    ASSERT_TRUE(std::getline(lines, line)) << "the reference printed no line for " << c.expression;
    std::vector<int64_t> expected;
    std::istringstream words(line);
    for (int64_t t; words >> t;) expected.push_back(t);

    auto cron = CronExpression::Parse(c.expression, c.with_seconds);
    ASSERT_TRUE(cron.ok()) << cron.status().ToString();
    const date::time_zone* tz = date::locate_zone(c.zone);
    std::vector<int64_t> actual;
    for (auto t = cron->Next(start - std::chrono::seconds{1}, tz); t && *t < end; t = cron->Next(*t, tz)) {
      actual.push_back(Seconds(*t));
    }

    SCOPED_TRACE(std::string(c.zone) + " '" + c.expression + "'");
    EXPECT_FALSE(expected.empty());
    size_t i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
    if (i < expected.size() || i < actual.size()) {
      ADD_FAILURE() << "firing " << i << " differs: floe " << (i < actual.size() ? Describe(actual[i], c.zone) : "none")
                    << ", zoneinfo " << (i < expected.size() ? Describe(expected[i], c.zone) : "none") << " (floe has "
                    << actual.size() << " firings, zoneinfo " << expected.size() << ")";
    }
    // Previous walks the same set backwards.
    for (size_t k = 1; k < actual.size(); k += 97) {
      auto previous = cron->Previous(Timestamp{std::chrono::seconds{actual[k]}}, tz);
      ASSERT_TRUE(previous);
      EXPECT_EQ(Seconds(*previous), actual[k - 1]);
    }
    total += actual.size();
  }
  EXPECT_GT(total, 100000u);
}

}  // namespace
}  // namespace floe::triggers
