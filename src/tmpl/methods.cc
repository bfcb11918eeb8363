// Python-style methods on strings, lists and maps, as dbt projects call them:
// "a,b".split(","), name.upper(), d.items(), d.get("k", 0), l.append(x).
#include <algorithm>
#include <cctype>

#include "tmpl/render_state.h"

namespace floe::tmpl {

Result<Value> CallMethod(const Value& obj, const std::string& name, CallArgs& args, RenderState& state, bool* found);

namespace {

// Reuses the filter of the same meaning so a method and its filter agree.
Result<Value> ViaFilter(std::string_view filter, const Value& obj, CallArgs& args, RenderState& state) {
  return state.ApplyFilter(filter, obj, args);
}

Result<Value> StringMethod(const std::string& s, const std::string& name, CallArgs& args, RenderState& state,
                           bool* found) {
  *found = true;
  Value obj(s);
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" || name == "replace" ||
      name == "split")
    return ViaFilter(name, obj, args, state);
  if (name == "strip") return ViaFilter("trim", obj, args, state);
  auto strip_side = [&](bool left) -> Result<Value> {
    std::string chars = args.positional.empty()          ? " \t\r\n"
                        : args.positional[0].is_string() ? args.positional[0].AsString()
                                                         : " ";
    if (left) {
      size_t b = s.find_first_not_of(chars);
      return Value(b == std::string::npos ? std::string() : s.substr(b));
    }
    size_t e = s.find_last_not_of(chars);
    return Value(e == std::string::npos ? std::string() : s.substr(0, e + 1));
  };
  if (name == "lstrip") return strip_side(true);
  if (name == "rstrip") return strip_side(false);
  if (name == "startswith" || name == "endswith") {
    const Value* p = args.Arg(0, "prefix");
    if (!p || !p->is_string()) return state.Error("'" + name + "' needs a string");
    return Value(name == "startswith" ? s.starts_with(p->AsString()) : s.ends_with(p->AsString()));
  }
  if (name == "isdigit") return Value(!s.empty() && std::all_of(s.begin(), s.end(), ::isdigit));
  if (name == "isalpha") return Value(!s.empty() && std::all_of(s.begin(), s.end(), ::isalpha));
  if (name == "find") {
    const Value* p = args.Arg(0, "sub");
    if (!p || !p->is_string()) return state.Error("'find' needs a string");
    size_t hit = s.find(p->AsString());
    return Value(hit == std::string::npos ? int64_t{-1} : static_cast<int64_t>(hit));
  }
  if (name == "join") {
    CallArgs filter_args;
    filter_args.positional.push_back(obj);
    if (args.positional.empty()) return state.Error("'join' needs a list");
    return state.ApplyFilter("join", args.positional[0], filter_args);
  }
  *found = false;
  return Value();
}

Result<Value> ListMethod(const Value& list, const std::string& name, CallArgs& args, RenderState& state, bool* found) {
  *found = true;
  ValueList& items = list.MutableList();
  if (name == "append") {
    if (args.positional.size() != 1) return state.Error("'append' takes one value");
    items.push_back(args.positional[0]);
    return Value();
  }
  if (name == "extend") {
    if (args.positional.size() != 1 || !args.positional[0].is_list()) return state.Error("'extend' takes one list");
    ValueList add = args.positional[0].AsList();
    items.insert(items.end(), add.begin(), add.end());
    return Value();
  }
  if (name == "pop") {
    if (items.empty()) return state.Error("pop from an empty list");
    int64_t i = args.positional.empty() ? -1 : args.positional[0].is_int() ? args.positional[0].AsInt() : -1;
    if (i < 0) i += static_cast<int64_t>(items.size());
    if (i < 0 || i >= static_cast<int64_t>(items.size())) return state.Error("pop index out of range");
    Value v = items[static_cast<size_t>(i)];
    items.erase(items.begin() + i);
    return v;
  }
  if (name == "index") {
    if (args.positional.size() != 1) return state.Error("'index' takes one value");
    for (size_t i = 0; i < items.size(); ++i)
      if (items[i].Equals(args.positional[0])) return Value(static_cast<int64_t>(i));
    return state.Error("value is not in the list");
  }
  if (name == "count") {
    if (args.positional.size() != 1) return state.Error("'count' takes one value");
    return Value(static_cast<int64_t>(
        std::count_if(items.begin(), items.end(), [&](const Value& v) { return v.Equals(args.positional[0]); })));
  }
  *found = false;
  return Value();
}

Result<Value> MapMethod(const Value& map, const std::string& name, CallArgs& args, RenderState& state, bool* found) {
  *found = true;
  if (name == "items" || name == "keys" || name == "values") return state.ApplyFilter(name, map, args);
  if (name == "get") {
    const Value* key = args.Arg(0, "key");
    if (!key || !key->is_string()) return state.Error("'get' needs a string key");
    if (const Value* v = map.AsMap().Find(key->AsString())) return *v;
    const Value* fallback = args.Arg(1, "default");
    return fallback ? *fallback : Value();
  }
  if (name == "update") {
    if (args.positional.size() == 1 && args.positional[0].is_map()) {
      ValueMap add = args.positional[0].AsMap();
      for (const auto& [k, v] : add) map.MutableMap().Set(k, v);
    }
    for (const auto& [k, v] : args.keyword) map.MutableMap().Set(k, v);
    return Value();
  }
  if (name == "pop") {
    const Value* key = args.Arg(0, "key");
    if (!key || !key->is_string()) return state.Error("'pop' needs a string key");
    const Value* v = map.AsMap().Find(key->AsString());
    Value out = v ? *v : (args.Arg(1, "default") ? *args.Arg(1, "default") : Value::Undefined(key->AsString()));
    map.MutableMap().Erase(key->AsString());
    return out;
  }
  *found = false;
  return Value();
}

}  // namespace

Result<Value> CallMethod(const Value& obj, const std::string& name, CallArgs& args, RenderState& state, bool* found) {
  if (obj.is_string()) return StringMethod(obj.AsString(), name, args, state, found);
  if (obj.is_list()) return ListMethod(obj, name, args, state, found);
  if (obj.is_map()) return MapMethod(obj, name, args, state, found);
  *found = false;
  return Value();
}

}  // namespace floe::tmpl
