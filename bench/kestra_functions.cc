// What Kestra's heavier template functions cost a flow property, beside a
// plain property in the same run (the baseline):
//   plain:     {{ outputs.fetch.body.items[3].name }}
//   jq:        {{ outputs.fetch.body | jq('[.items[] | select(.id > 40) | .name]') | first | length }}
//   errorLogs: {{ errorLogs() | length }}, the execution's ERROR lines read from
//              an on-disk SQLite store holding 100 log lines, 5 of them errors
// Each property is compiled once and rendered N times, as a task renders
// its properties; the figure is the median of five rounds.
//
//   build/default/bench/bench_kestra_functions [renders=20000]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "exec/flow_render_host.h"
#include "state/store.h"
#include "tmpl/template.h"

namespace {

using floe::tmpl::Value;

double MedianMicros(int n, const std::function<void()>& render) {
  std::vector<double> rounds;
  for (int round = 0; round < 5; ++round) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) render();
    rounds.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / n);
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[2];
}

[[noreturn]] void Fail(const floe::Status& s) {
  std::fprintf(stderr, "%s\n", s.ToString().c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("floe_bench_kestra_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto store = floe::state::OpenSqliteStore(dir / "floe.db");
  if (!store.ok()) Fail(store.status());
  floe::state::Execution e;
  e.id = "bench";
  e.namespace_ = "bench";
  e.flow_id = "bench";
  e.history.push_back({floe::state::State::kRunning, floe::SystemClock().Now()});
  if (auto s = (*store)->CreateExecution(e); !s.ok()) Fail(s);
  std::vector<floe::state::LogEntry> lines;
  for (int i = 0; i < 100; ++i)
    lines.push_back({.execution_id = "bench",
                     .task_id = "t" + std::to_string(i),
                     .at = floe::SystemClock().Now(),
                     .level = i % 20 == 0 ? floe::LogLevel::kError : floe::LogLevel::kInfo,
                     .message = "line " + std::to_string(i)});
  if (auto s = (*store)->AppendLogs(lines); !s.ok()) Fail(s);
  floe::exec::FlowRenderHost host({.store = store->get(), .namespace_ = "bench", .execution_id = "bench"});

  floe::tmpl::ValueList items;
  for (int i = 0; i < 50; ++i)
    items.push_back(Value::MakeMap({{"id", Value(int64_t{i})}, {"name", Value("item " + std::to_string(i))}}));
  Value context = Value::MakeMap(
      {{"outputs",
        Value::MakeMap(
            {{"fetch", Value::MakeMap({{"body", Value::MakeMap({{"items", Value(std::move(items))}})}})}})}});

  floe::tmpl::Environment env = floe::tmpl::Environment::Standard(floe::tmpl::Dialect::kPebble);
  struct Case {
    const char* name;
    const char* source;
    const char* expected;
  };
  const Case cases[] = {
      {"plain", "{{ outputs.fetch.body.items[3].name }}", "item 3"},
      {"jq", "{{ outputs.fetch.body | jq('[.items[] | select(.id > 40) | .name]') | first | length }}", "9"},
      {"errorLogs", "{{ errorLogs() | length }}", "5"},
  };
  double plain_us = 0;
  std::printf("%-10s %12s %10s\n", "property", "per render", "x plain");
  for (const auto& c : cases) {
    auto t = floe::tmpl::Template::Compile(c.source, floe::tmpl::SourceOrigin{"bench"}, env);
    if (!t.ok()) Fail(t.status());
    auto first = (*t)->Render(context, &host);
    if (!first.ok()) Fail(first.status());
    if (*first != c.expected) {
      std::fprintf(stderr, "%s rendered '%s', expected '%s'\n", c.name, first->c_str(), c.expected);
      return 1;
    }
    double us = MedianMicros(n, [&] {
      auto out = (*t)->Render(context, &host);
      if (!out.ok()) Fail(out.status());
    });
    if (plain_us == 0) plain_us = us;
    std::printf("%-10s %9.2f us %9.1fx\n", c.name, us, us / plain_us);
  }
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
