// `floe models` on generated dbt projects, each figure beside its baseline
// from the same run:
//
//   1. parse + compile N models (refs, config(), a Jinja loop over a var,
//      tags in dbt_project.yml): `floe models compile`, wall time and peak
//      RSS of the process. No dbt here to compare with (its parse alone takes
//      tens of seconds at this size; dbt's Rust engine claims under 0.6 s for
//      10,000 models): the baseline is `floe models ls`, the same load and
//      parse without the compile.
//   2. build V view models: `floe models run` on a fresh database, in models
//      per second, against the same CREATE VIEW statements run directly on
//      DuckDB through one connection (what floe adds on top of DuckDB).
//   3. `floe models build --skip-unchanged` on the unchanged V-model project,
//      against the full `build` of it.
//
//   bench_models_build [N=10000] [V=1000]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/session.h"
#include "server_harness.h"

namespace fs = std::filesystem;

namespace {

struct ProcessRun {
  double seconds = 0;
  long peak_rss_kib = 0;
  int exit_code = -1;
};

// Runs `floe models <args>` in `dir` with its output in `dir/<log>`.
ProcessRun Floe(const fs::path& dir, const std::vector<std::string>& args, const std::string& log) {
  std::string binary = floe::bench::FloeBinary().string();
  std::fflush(nullptr);  // or the child's exit would print our buffer again
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (!out || dup2(fileno(stdout), 2) < 0) _exit(127);
    std::vector<char*> argv{binary.data(), const_cast<char*>("models")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  ProcessRun r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.peak_rss_kib = usage.ru_maxrss;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void Check(const ProcessRun& r, const fs::path& dir, const std::string& log, const char* what) {
  if (r.exit_code == 0) return;
  std::fprintf(stderr, "%s failed (exit %d); see %s\n", what, r.exit_code, (dir / log).c_str());
  std::exit(1);
}

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// `n` models in layers of 100: each model of a layer reads one model of the
// layer before and one of the first layer (so the DAG is wide and 1 + n/100
// deep, like a real project's staging -> intermediate -> marts, and a view's
// definition expands linearly with its depth), through ref(), with config()
// and a Jinja loop over a var.
void GenerateProject(const fs::path& dir, int n) {
  fs::remove_all(dir);
  WriteFile(dir / "dbt_project.yml",
            "name: generated\nprofile: generated\nconfig-version: 2\n"
            "vars:\n  measures: [amount, quantity, discount]\n"
            "models:\n  generated:\n    +materialized: view\n    layer_0:\n      +tags: [sources]\n");
  WriteFile(dir / "profiles.yml",
            "generated:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: warehouse.duckdb\n"
            "      threads: 2\n");
  std::mt19937 rng(42);
  const int layer_size = 100;
  for (int i = 0; i < n; ++i) {
    int layer = i / layer_size;
    std::string sql =
        "{{ config(tags=['layer_" + std::to_string(layer) + "'], alias='m" + std::to_string(i) + "') }}\n";
    if (layer == 0) {
      sql += "select range as id\n{% for m in var('measures') %}  , range * " + std::to_string(i % 7 + 1) +
             " as {{ m }}\n{% endfor %}from range(100)\n";
    } else {
      int base = (layer - 1) * layer_size;
      int a = base + static_cast<int>(rng() % layer_size), b = static_cast<int>(rng() % layer_size);
      sql +=
          "select a.id\n{% for m in var('measures') %}  , a.{{ m }} + b.{{ m }} as {{ m }}\n{% endfor %}"
          "from {{ ref('model_" +
          std::to_string(a) + "') }} a\njoin {{ ref('model_" + std::to_string(b) + "') }} b using (id)\n";
    }
    WriteFile(dir / "models" / ("layer_" + std::to_string(layer)) / ("model_" + std::to_string(i) + ".sql"), sql);
  }
}

// The baseline of 2: the SQL floe compiled (target/run/...), as CREATE VIEW
// statements in DAG order, on a fresh DuckDB file through one connection.
double DuckDbViews(const fs::path& dir, int n) {
  std::vector<std::string> statements;
  statements.push_back("CREATE SCHEMA IF NOT EXISTS main");
  for (int i = 0; i < n; ++i) {
    fs::path compiled = dir / "target" / "compiled" / "generated" / "models" / ("layer_" + std::to_string(i / 100)) /
                        ("model_" + std::to_string(i) + ".sql");
    std::ifstream in(compiled);
    std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (sql.empty()) {
      std::fprintf(stderr, "no compiled SQL at %s\n", compiled.c_str());
      std::exit(1);
    }
    statements.push_back("CREATE OR REPLACE VIEW \"baseline\".\"main\".\"m" + std::to_string(i) + "\" AS (\n" + sql +
                         "\n)");
  }
  fs::remove(dir / "baseline.duckdb");
  floe::engine::SessionOptions options{.database = (dir / "baseline.duckdb").string()};
  auto session = floe::engine::Session::Open(options);
  if (!session.ok()) std::exit(1);
  auto con = (*session)->Connect();
  if (!con.ok()) std::exit(1);
  auto start = std::chrono::steady_clock::now();
  for (const auto& s : statements) {
    // The compiled SQL names the relations in floe's database; rename it to
    // the baseline's.
    std::string sql = s;
    for (size_t at = sql.find("\"warehouse\"."); at != std::string::npos; at = sql.find("\"warehouse\".", at))
      sql.replace(at, 11, "\"baseline\"");
    if (auto st = (*con)->Execute(sql); !st.ok()) {
      std::fprintf(stderr, "baseline: %s\n", st.ToString().c_str());
      std::exit(1);
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  int views = argc > 2 ? std::atoi(argv[2]) : 1000;
  fs::path root = fs::temp_directory_path() / ("floe_bench_models_" + std::to_string(getpid()));

  // 1. Parse + compile.
  fs::path big = root / "big";
  GenerateProject(big, n);
  ProcessRun warm = Floe(big, {"compile"}, "warmup.log");  // the page cache holds the files from here on
  Check(warm, big, "warmup.log", "compile");
  ProcessRun ls = Floe(big, {"ls"}, "ls.log");
  Check(ls, big, "ls.log", "ls");
  ProcessRun compile = Floe(big, {"compile"}, "compile.log");
  Check(compile, big, "compile.log", "compile");
  std::printf("parse + compile %d models: %.3f s, peak RSS %.1f MiB (load + parse only, `ls`: %.3f s, %.1f MiB)\n", n,
              compile.seconds, compile.peak_rss_kib / 1024.0, ls.seconds, ls.peak_rss_kib / 1024.0);

  // 2. Build V views.
  fs::path small = root / "views";
  GenerateProject(small, views);
  ProcessRun run = Floe(small, {"run"}, "run.log");
  Check(run, small, "run.log", "run");
  double baseline = DuckDbViews(small, views);
  std::printf(
      "build %d view models: floe %.3f s (%.0f models/s, whole process) vs DuckDB alone %.3f s "
      "(%.0f views/s): ratio %.2f\n",
      views, run.seconds, views / run.seconds, baseline, views / baseline, run.seconds / baseline);

  // 3. --skip-unchanged on the unchanged project.
  fs::path home = small / ".floe";
  ProcessRun full = Floe(small, {"build", "--home", home.string()}, "build.log");
  Check(full, small, "build.log", "build");
  ProcessRun skip = Floe(small, {"build", "--skip-unchanged", "--home", home.string()}, "skip.log");
  Check(skip, small, "skip.log", "build --skip-unchanged");
  std::printf("build --skip-unchanged, %d unchanged models: %.3f s vs full build %.3f s: ratio %.2f\n", views,
              skip.seconds, full.seconds, skip.seconds / full.seconds);

  fs::remove_all(root);
  return 0;
}
