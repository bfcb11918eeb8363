#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>

#include "core/time.h"
#include "tmpl/internal/builtins.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {

// The random numbers of randomInt, id and uuid: one generator per thread.
std::mt19937_64& Random() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

Result<Value> PebbleRange(const Value& start, const Value& end, int64_t step, RenderState& st) {
  auto bound = [&](const Value& v) -> Result<int64_t> {
    if (v.is_int()) return v.AsInt();
    if (v.is_string() && v.AsString().size() == 1) return static_cast<unsigned char>(v.AsString()[0]);
    return ArgError(st, "range", "takes ints or one-character strings, got " + std::string(v.TypeName()));
  };
  ASSIGN_OR_RETURN(int64_t from, bound(start));
  ASSIGN_OR_RETURN(int64_t to, bound(end));
  if (step == 0) return ArgError(st, "range", "step cannot be zero");
  const bool chars = start.is_string();
  ValueList out;
  const int64_t limit = st.env().limits.max_loop_iterations;
  for (int64_t i = from; step > 0 ? i <= to : i >= to; i += step) {
    if (static_cast<int64_t>(out.size()) >= limit)
      return ArgError(st, "range", "more than " + std::to_string(limit) + " items");
    out.push_back(chars ? Value(std::string(1, static_cast<char>(i))) : Value(i));
  }
  return Value(std::move(out));
}

void AddFunctions(Environment& env) {
  env.AddFunction("range", [](Args& args, RenderState& st) -> Result<Value> {
    if (st.dialect() == Dialect::kPebble) {
      // Pebble: range(start, end[, step]), the end included.
      if (args.positional.size() < 2 || args.positional.size() > 3)
        return ArgError(st, "range", "takes a start and an end (included), and optionally a step");
      int64_t step = 1;
      if (args.positional.size() == 3) {
        if (!args.positional[2].is_int()) return ArgError(st, "range", "the step must be an int");
        step = args.positional[2].AsInt();
      }
      return PebbleRange(args.positional[0], args.positional[1], step, st);
    }
    // Jinja (Python): range([start,] stop[, step]), the stop excluded.
    int64_t start = 0, stop, step = 1;
    std::vector<int64_t> nums;
    for (const auto& v : args.positional) {
      if (!v.is_int()) return ArgError(st, "range", "arguments must be ints, got " + std::string(v.TypeName()));
      nums.push_back(v.AsInt());
    }
    if (nums.size() == 1) {
      stop = nums[0];
    } else if (nums.size() == 2 || nums.size() == 3) {
      start = nums[0];
      stop = nums[1];
      if (nums.size() == 3) step = nums[2];
    } else {
      return ArgError(st, "range", "takes 1 to 3 ints");
    }
    if (step == 0) return ArgError(st, "range", "step cannot be zero");
    ValueList out;
    int64_t limit = st.env().limits.max_loop_iterations;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (static_cast<int64_t>(out.size()) >= limit)
        return ArgError(st, "range", "more than " + std::to_string(limit) + " items");
      out.push_back(Value(i));
    }
    return Value(std::move(out));
  });
  // Kestra: now(format, timeZone), formatted as the date filter does.
  env.AddFunction("now", [](Args& args, RenderState& st) -> Result<Value> {
    Value now(FormatTimestamp(SystemClock().Now()));
    if (args.positional.empty() && args.keyword.empty()) return now;
    return st.ApplyFilter("date", now, args);
  });
  auto parse_json = [](Args& args, RenderState& st) -> Result<Value> {
    const Value* text = args.Arg(0, "text");
    if (!text) return ArgError(st, "fromJson", "needs a JSON string");
    auto v = ParseJson(Text(*text, st));
    if (!v.ok()) return ArgError(st, "fromJson", v.status().message());
    return v;
  };
  env.AddFunction("fromJson", parse_json);
  env.AddFunction("json", parse_json);
  // Kestra: randomInt(lower, upper), upper excluded.
  env.AddFunction("randomInt", [](Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(int64_t lower, IntArg(st, "randomInt", args, 0, "lower"));
    ASSIGN_OR_RETURN(int64_t upper, IntArg(st, "randomInt", args, 1, "upper"));
    if (upper <= lower) return ArgError(st, "randomInt", "upper must be greater than lower (it is excluded)");
    std::mt19937_64& rng = Random();
    return Value(lower + static_cast<int64_t>(rng() % static_cast<uint64_t>(upper - lower)));
  });
  // Kestra: id(), a short random id (base62 of 128 random bits).
  env.AddFunction("id", [](Args&, RenderState&) -> Result<Value> {
    std::mt19937_64& rng = Random();
    static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned __int128 n = (static_cast<unsigned __int128>(rng()) << 64) | rng();
    std::string out;
    do {
      out.insert(out.begin(), kDigits[static_cast<size_t>(n % 62)]);
      n /= 62;
    } while (n != 0);
    return Value(std::move(out));
  });
  // Kestra: max(a, b, ...) and min(a, b, ...) over their arguments.
  for (bool want_max : {true, false}) {
    const char* name = want_max ? "max" : "min";
    env.AddFunction(name, [want_max, name](Args& args, RenderState& st) -> Result<Value> {
      if (args.positional.empty()) return ArgError(st, name, "needs at least one value");
      Args none;
      return MinMax(Value(args.positional), none, st, want_max);  // the filter's, over the arguments
    });
  }
  env.AddFunction("uuid", [](Args&, RenderState&) -> Result<Value> {
    std::mt19937_64& rng = Random();
    uint64_t hi = rng(), lo = rng();
    hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x4000ull;              // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 1
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                  static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
    return Value(std::string(buf));
  });
  env.AddFunction("read", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* path = args.Arg(0, "path");
    if (!path || !path->is_string()) return ArgError(st, "read", "needs a file path or URI");
    auto text = st.host().ReadFile(path->AsString());
    if (!text.ok()) return ArgError(st, "read", text.status().ToString());
    return Value(std::move(*text));
  });
  env.AddFunction("secret", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* name = args.Arg(0, "key");
    if (!name || !name->is_string()) return ArgError(st, "secret", "needs a secret name");
    auto value = st.host().Secret(name->AsString());
    if (!value.ok()) return ArgError(st, "secret", value.status().ToString());
    return Value(std::move(*value));
  });
  env.AddFunction("kv", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* key = args.Arg(0, "key");
    if (!key || !key->is_string()) return ArgError(st, "kv", "needs a key");
    const Value* ns = args.Arg(1, "namespace");
    auto value = st.host().KvGet(key->AsString(), ns && ns->is_string() ? ns->AsString() : "");
    // Kestra's kv(key, namespace, errorOnMissing): a missing key is an
    // error unless errorOnMissing is false, then null.
    const Value* error_on_missing = args.Arg(2, "errorOnMissing");
    if (!value.ok() && value.status().code() == StatusCode::kNotFound && error_on_missing &&
        !error_on_missing->Truthy())
      return Value();
    if (!value.ok()) return ArgError(st, "kv", value.status().ToString());
    return value;
  });
  // dbt's env_var(name[, default]): a missing variable without a default is an error.
  env.AddFunction("env_var", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* name = args.Arg(0, "var");
    if (!name || !name->is_string()) return ArgError(st, "env_var", "needs a variable name");
    if (const char* v = std::getenv(name->AsString().c_str())) return Value(std::string(v));
    if (const Value* fallback = args.Arg(1, "default")) return *fallback;
    return ArgError(st, "env_var",
                    "environment variable '" + name->AsString() + "' is not set and no default was given");
  });
  env.AddFunction("namespace", [](Args& args, RenderState&) -> Result<Value> {
    ValueMap ns;
    args.TakeAllKeywords();
    for (const auto& [k, v] : args.keyword) ns.Set(k, v);
    return Value(std::move(ns));
  });
  // dict(a=1), dict(other_map, a=1), dict([('a', 1)]): a new map.
  env.AddFunction("dict", [](Args& args, RenderState& st) -> Result<Value> {
    ValueMap map;
    if (args.positional.size() > 1) return ArgError(st, "dict", "takes at most one positional argument");
    if (!args.positional.empty()) {
      const Value& from = args.positional[0];
      if (from.is_map()) {
        for (const auto& [k, v] : from.AsMap()) map.Set(k, v);
      } else if (from.is_list()) {
        for (const auto& pair : from.AsList()) {
          if (!pair.is_list() || pair.AsList().size() != 2)
            return ArgError(st, "dict", "needs a list of (key, value) pairs");
          map.Set(Text(pair.AsList()[0], st), pair.AsList()[1]);
        }
      } else {
        return ArgError(st, "dict", "needs a map or a list of pairs, got " + std::string(from.TypeName()));
      }
    }
    args.TakeAllKeywords();
    for (const auto& [k, v] : args.keyword) map.Set(k, v);
    return Value(std::move(map));
  });
  // zip(a, b, ...): lists of the i-th items, as long as the shortest input.
  env.AddFunction("zip", [](Args& args, RenderState& st) -> Result<Value> {
    std::vector<ValueList> inputs;
    size_t n = SIZE_MAX;
    for (const auto& v : args.positional) {
      ASSIGN_OR_RETURN(ValueList items, AsItems(v, st, "zip"));
      n = std::min(n, items.size());
      inputs.push_back(std::move(items));
    }
    ValueList out;
    if (inputs.empty()) return Value(std::move(out));
    for (size_t i = 0; i < n; ++i) {
      ValueList row;
      for (const auto& items : inputs) row.push_back(items[i]);
      out.push_back(Value(std::move(row)));
    }
    return Value(std::move(out));
  });
  // dbt's return(value): see RenderState::Return. `{{ return(x) }}` prints nothing.
  env.AddFunction("return", [](Args& args, RenderState& st) -> Result<Value> {
    if (args.positional.size() != 1 || !args.keyword.empty()) return ArgError(st, "return", "takes one value");
    RETURN_IF_ERROR(st.Return(args.positional[0]));
    return Value(std::string());
  });
}

}  // namespace floe::tmpl::builtins
