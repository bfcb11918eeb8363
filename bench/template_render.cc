// The template engine against Python's Jinja2 (dbt's engine), same templates,
// same run:
//  (a) parse + render a 60-line dbt-style model (config(), ref(), set, for,
//      if is_incremental()) from source every time: files per second;
//  (b) render a cached short flow property: microseconds per render.
//
//   build/default/bench/bench_template_render [model_iterations=20000] [property_iterations=1000000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tmpl/json.h"
#include "tmpl/template.h"

namespace {

using floe::tmpl::Value;

double Seconds(const std::function<void()>& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

floe::tmpl::Environment ModelEnvironment() {
  floe::tmpl::Environment env = floe::tmpl::Environment::Standard(floe::tmpl::Dialect::kJinja);
  env.AddFunction("config", [](floe::tmpl::CallArgs&, floe::tmpl::RenderState&) -> floe::Result<Value> {
    return Value(std::string());
  });
  env.AddFunction("ref", [](floe::tmpl::CallArgs& args, floe::tmpl::RenderState&) -> floe::Result<Value> {
    return Value("\"analytics\".\"main\".\"" + args.positional.at(0).AsString() + "\"");
  });
  env.AddFunction("is_incremental",
                  [](floe::tmpl::CallArgs&, floe::tmpl::RenderState&) -> floe::Result<Value> { return Value(true); });
  return env;
}

}  // namespace

int main(int argc, char** argv) {
  int model_n = argc > 1 ? std::atoi(argv[1]) : 20000;
  int prop_n = argc > 2 ? std::atoi(argv[2]) : 1000000;
  std::string dir = FLOE_BENCH_DIR;
  std::ifstream in(dir + "/data/dbt_model.sql");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string model = buffer.str();

  floe::tmpl::Environment model_env = ModelEnvironment();
  Value model_ctx = Value::MakeMap({{"this", Value("\"analytics\".\"main\".\"fct_orders\"")}});
  size_t out_len = 0;
  // The machine is shared: take the median of five rounds.
  std::vector<double> rounds;
  for (int round = 0; round < 5; ++round)
    rounds.push_back(Seconds([&] {
      for (int i = 0; i < model_n; ++i) {
        auto t = floe::tmpl::Template::Compile(model, floe::tmpl::SourceOrigin{"models/fct_orders.sql"}, model_env);
        if (!t.ok()) {
          std::fprintf(stderr, "%s\n", t.status().ToString().c_str());
          std::exit(1);
        }
        auto out = (*t)->Render(model_ctx);
        if (!out.ok()) {
          std::fprintf(stderr, "%s\n", out.status().ToString().c_str());
          std::exit(1);
        }
        out_len = out->size();
      }
    }));
  std::sort(rounds.begin(), rounds.end());
  double model_s = rounds[2];

  floe::tmpl::Environment flow_env = floe::tmpl::Environment::Standard(floe::tmpl::Dialect::kPebble);
  auto prop = *floe::tmpl::Template::Compile("Hello {{ inputs.name }} from {{ flow.namespace }}",
                                             floe::tmpl::SourceOrigin{"property"}, flow_env);
  Value prop_ctx = *floe::tmpl::ParseJson(R"({"inputs": {"name": "ada"}, "flow": {"namespace": "company.team"}})");
  double prop_s = Seconds([&] {
    for (int i = 0; i < prop_n; ++i) {
      auto out = prop->Render(prop_ctx);
      if (!out.ok()) std::exit(1);
    }
  });

  std::string cmd = "python3 " + dir + "/jinja2_baseline.py " + dir + "/data/dbt_model.sql " +
                    std::to_string(model_n / 10) + " " + std::to_string(prop_n / 10);
  double jinja_model_s = 0, jinja_prop_s = 0;
  size_t jinja_len = 0;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    if (std::fscanf(p, "%lf %lf %zu", &jinja_model_s, &jinja_prop_s, &jinja_len) != 3) jinja_model_s = 0;
    pclose(p);
  }
  double files_per_s = model_n / model_s;
  double prop_us = prop_s * 1e6 / prop_n;
  std::printf("(a) dbt-style model, parse + render (%d files, %zu bytes out)\n", model_n, out_len);
  std::printf("    floe:   %10.0f files/s (target >= 20000): %s\n", files_per_s,
              files_per_s >= 20000 ? "PASS" : "FAIL");
  std::printf("(b) cached flow property render (%d renders)\n", prop_n);
  std::printf("    floe:   %10.3f us/render (target < 2 us): %s\n", prop_us, prop_us < 2.0 ? "PASS" : "FAIL");
  if (jinja_model_s > 0) {
    double jinja_files = (model_n / 10) / jinja_model_s;
    double jinja_prop_us = jinja_prop_s * 1e6 / (prop_n / 10);
    std::printf("Jinja2 (Python, dbt's engine), same templates, a tenth of the iterations:\n");
    std::printf("    (a) %10.0f files/s   ratio floe/Jinja2: %.1fx\n", jinja_files, files_per_s / jinja_files);
    std::printf("    (b) %10.3f us/render ratio Jinja2/floe: %.1fx\n", jinja_prop_us, jinja_prop_us / prop_us);
    if (jinja_len != out_len) std::printf("    note: output sizes differ (floe %zu, Jinja2 %zu)\n", out_len, jinja_len);
  } else {
    std::printf("Jinja2 baseline unavailable (python3-jinja2 missing?)\n");
  }
  return 0;
}
