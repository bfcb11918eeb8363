// Kestra's jq filter through libjq: `{{ data | jq('.items[].id') }}` is the
// list of every result (Kestra always returns a list; take `| first` for
// one). A text input is read as JSON first, as Kestra does.
extern "C" {  // jq 1.6's header has no C++ guard
#include <jq.h>
}

#include <memory>
#include <string>
#include <unordered_map>

#include "tmpl/internal/builtins.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {
namespace {

// jq's compile messages, gathered by its error callback.
void CollectMessage(void* data, jv message) {
  auto* out = static_cast<std::string*>(data);
  if (!out->empty()) *out += "; ";
  if (jv_get_kind(message) == JV_KIND_STRING) {
    *out += jv_string_value(message);
  } else {
    jv text = jv_dump_string(jv_copy(message), 0);
    *out += jv_string_value(text);
    jv_free(text);
  }
  jv_free(message);
}

struct JqProgram {
  jq_state* jq = nullptr;
  std::string errors;  // the callback's target while it compiles
  ~JqProgram() { jq_teardown(&jq); }
};

// Compiling a program costs about a millisecond (jq compiles its builtins
// each time), so each thread keeps the programs it compiled; a jq_state
// runs one program at a time, and is never shared between threads.
Result<JqProgram*> Compiled(const std::string& program) {
  thread_local std::unordered_map<std::string, std::unique_ptr<JqProgram>> cache;
  if (auto it = cache.find(program); it != cache.end()) return it->second.get();
  constexpr size_t kMaxPrograms = 256;
  if (cache.size() >= kMaxPrograms) cache.clear();
  auto compiled = std::make_unique<JqProgram>();
  compiled->jq = jq_init();
  if (!compiled->jq) return Internal("jq: cannot start");
  jq_set_error_cb(compiled->jq, CollectMessage, &compiled->errors);
  if (!jq_compile(compiled->jq, program.c_str())) {
    std::string why = compiled->errors.empty() ? "it does not compile" : compiled->errors;
    return InvalidArgument("'" + program + "' is not a jq program: " + why);
  }
  return cache.emplace(program, std::move(compiled)).first->second.get();
}

Result<Value> RunJq(const Value& in, const std::string& program) {
  std::string input = tmpl::ToJson(in);
  if (in.is_string()) {
    if (!tmpl::ParseJson(in.AsString()).ok())
      return InvalidArgument("its input is text that is not JSON: '" + in.AsString().substr(0, 80) +
                             (in.AsString().size() > 80 ? "...'" : "'"));
    input = in.AsString();
  }
  ASSIGN_OR_RETURN(JqProgram * compiled, Compiled(program));
  jv parsed = jv_parse_sized(input.data(), static_cast<int>(input.size()));
  if (!jv_is_valid(parsed)) {
    jv_free(parsed);
    return InvalidArgument("its input is not JSON");
  }
  jq_start(compiled->jq, parsed, 0);
  ValueList results;
  while (true) {
    jv result = jq_next(compiled->jq);
    if (!jv_is_valid(result)) {
      if (!jv_invalid_has_msg(jv_copy(result))) {
        jv_free(result);
        break;  // no more results
      }
      jv message = jv_invalid_get_msg(result);
      std::string why = jv_get_kind(message) == JV_KIND_STRING ? jv_string_value(message) : "jq error";
      jv_free(message);
      return InvalidArgument("'" + program + "' failed: " + why);
    }
    jv text = jv_dump_string(result, 0);
    auto value = tmpl::ParseJson(jv_string_value(text));
    jv_free(text);
    if (!value.ok()) return Internal("jq gave a result that is not JSON");
    results.push_back(std::move(*value));
  }
  return Value(std::move(results));
}

}  // namespace

void AddJqFilter(Environment& env) {
  env.AddFilter("jq", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string program, StringArg(st, "jq", args, 0, "expression"));
    auto out = RunJq(in, program);
    if (!out.ok()) return ArgError(st, "jq", out.status().message());
    return out;
  });
}

}  // namespace floe::tmpl::builtins
