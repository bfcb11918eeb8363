// Kestra's jq filter through libjq: `{{ data | jq('.items[].id') }}` is the
// list of every result (Kestra always returns a list; take `| first` for
// one). A text input is read as JSON first, as Kestra does.
extern "C" {  // jq 1.6's header has no C++ guard
#include <jq.h>
}

#include <cmath>
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

// Values cross into jq and back directly, without JSON text in between.
jv ToJv(const Value& v) {
  if (v.is_bool()) return jv_bool(v.AsBool());
  if (v.is_int()) return jv_number(static_cast<double>(v.AsInt()));
  if (v.is_double()) return jv_number(v.AsDouble());
  if (v.is_string()) return jv_string_sized(v.AsString().data(), static_cast<int>(v.AsString().size()));
  if (v.is_list()) {
    jv array = jv_array();
    for (const auto& item : v.AsList()) array = jv_array_append(array, ToJv(item));
    return array;
  }
  if (v.is_map()) {
    jv object = jv_object();
    for (const auto& [k, item] : v.AsMap())
      object = jv_object_set(object, jv_string_sized(k.data(), static_cast<int>(k.size())), ToJv(item));
    return object;
  }
  return jv_null();
}

// Consumes `v`.
Value FromJv(jv v) {
  Value out;
  switch (jv_get_kind(v)) {
    case JV_KIND_TRUE:
      out = Value(true);
      break;
    case JV_KIND_FALSE:
      out = Value(false);
      break;
    case JV_KIND_NUMBER: {
      double d = jv_number_value(v);
      // jq has only doubles: whole numbers read back as ints, as JSON text would.
      if (std::trunc(d) == d && std::fabs(d) < 9.2e18)
        out = Value(static_cast<int64_t>(d));
      else
        out = Value(d);
      break;
    }
    case JV_KIND_STRING:
      out = Value(std::string(jv_string_value(v), static_cast<size_t>(jv_string_length_bytes(jv_copy(v)))));
      break;
    case JV_KIND_ARRAY: {
      ValueList items;
      int n = jv_array_length(jv_copy(v));
      for (int i = 0; i < n; ++i) items.push_back(FromJv(jv_array_get(jv_copy(v), i)));
      out = Value(std::move(items));
      break;
    }
    case JV_KIND_OBJECT: {
      ValueMap map;
      jv_object_foreach(v, key, item) {
        map.Set(jv_string_value(key), FromJv(item));
        jv_free(key);
      }
      out = Value(std::move(map));
      break;
    }
    default:
      break;
  }
  jv_free(v);
  return out;
}

Result<Value> RunJq(const Value& in, const std::string& program) {
  Value input = in;
  if (in.is_string()) {
    auto parsed = tmpl::ParseJson(in.AsString());
    if (!parsed.ok())
      return InvalidArgument("its input is text that is not JSON: '" + in.AsString().substr(0, 80) +
                             (in.AsString().size() > 80 ? "...'" : "'"));
    input = std::move(*parsed);
  }
  ASSIGN_OR_RETURN(JqProgram * compiled, Compiled(program));
  jq_start(compiled->jq, ToJv(input), 0);
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
    results.push_back(FromJv(result));
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
