#include "fuzz/template_fuzz_target.h"

#include <string_view>

#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::fuzz {
namespace {

// Serves one importable file whose text is the input itself, so import and
// include paths get exercised (and self-import recursion is bounded).
class FuzzHost : public tmpl::RenderHost {
 public:
  FuzzHost(std::string_view text, const tmpl::Environment& env) : text_(text), env_(env) {}
  Result<std::string> ReadFile(std::string_view) const override { return std::string(text_); }
  Result<std::shared_ptr<const tmpl::Template>> LoadTemplate(std::string_view name) const override {
    return tmpl::Template::Compile(text_, tmpl::SourceOrigin{std::string(name)}, env_);
  }

 private:
  std::string_view text_;
  const tmpl::Environment& env_;
};

tmpl::Environment Bounded(tmpl::Dialect dialect) {
  tmpl::Environment env = tmpl::Environment::Standard(dialect);
  env.limits.max_depth = 16;
  env.limits.max_loop_iterations = 5000;
  env.limits.max_output_bytes = 1 << 16;
  return env;
}

}  // namespace

void FuzzTemplate(const uint8_t* data, size_t size) {
  static const tmpl::Environment pebble = Bounded(tmpl::Dialect::kPebble);
  static const tmpl::Environment jinja = Bounded(tmpl::Dialect::kJinja);
  static const tmpl::Value context = *tmpl::ParseJson(
      R"({"name": "ada", "n": 3, "xs": [1, 2, "three", null, 4.5], "m": {"a": {"b": [true, false]}, "k": "v"},
          "inputs": {"date": "2026-03-05T10:00:00Z", "list": [[1, 2], [3]]}, "empty": "", "none": null})");
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const tmpl::Environment* env : {&pebble, &jinja}) {
    auto compiled = tmpl::Template::Compile(text, tmpl::SourceOrigin{"fuzz"}, *env);
    if (!compiled.ok()) continue;
    FuzzHost host(text, *env);
    (*compiled)->Render(context, &host).IgnoreError();
    (*compiled)->Evaluate(context, &host).IgnoreError();
  }
}

}  // namespace floe::fuzz
