#include <algorithm>

#include "tmpl/internal/builtins.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {
namespace {

Result<Value> SortFilter(const Value& in, Args& args, RenderState& st) {
  ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "sort"));
  bool reverse = args.Arg(0, "reverse") && args.Arg(0, "reverse")->Truthy();
  bool case_sensitive = args.Arg(1, "case_sensitive") && args.Arg(1, "case_sensitive")->Truthy();
  const Value* attr = args.Arg(2, "attribute");
  Status error;
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    Value x = attr ? Attribute(a, Text(*attr, st)) : a;
    Value y = attr ? Attribute(b, Text(*attr, st)) : b;
    auto r = Less(x, y, case_sensitive);
    if (!r.ok()) {
      if (error.ok()) error = r.status();
      return false;
    }
    return *r;
  });
  if (!error.ok()) return ArgError(st, "sort", error.message());
  if (reverse) std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

}  // namespace

Result<Value> MinMax(const Value& in, Args& args, RenderState& st, bool want_max) {
  ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, want_max ? "max" : "min"));
  if (items.empty()) return Value::Undefined(want_max ? "max of an empty list" : "min of an empty list");
  const Value* attr = args.Arg(1, "attribute");
  Value best = items[0];
  for (size_t i = 1; i < items.size(); ++i) {
    Value a = attr ? Attribute(items[i], Text(*attr, st)) : items[i];
    Value b = attr ? Attribute(best, Text(*attr, st)) : best;
    auto less = want_max ? Less(b, a, false) : Less(a, b, false);
    if (!less.ok()) return st.Error(less.status().message());
    if (*less) best = items[i];
  }
  return best;
}

void AddCollectionFilters(Environment& env) {
  auto length = [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (in.is_string()) return Value(static_cast<int64_t>(in.AsString().size()));
    if (in.is_list()) return Value(static_cast<int64_t>(in.AsList().size()));
    if (in.is_map()) return Value(static_cast<int64_t>(in.AsMap().size()));
    if (in.is_null()) return Value(int64_t{0});
    return ArgError(st, "length", "needs a string, list or map, got " + std::string(in.TypeName()));
  };
  env.AddFilter("length", length);
  env.AddFilter("count", length);
  auto default_filter = [](const Value& in, Args& args, RenderState&) -> Result<Value> {
    const Value* fallback = args.Arg(0, "default_value");
    const Value* boolean = args.Arg(1, "boolean");
    bool use_default = in.is_undefined() || (in.is_null()) || (boolean && boolean->Truthy() && !in.Truthy());
    // Pebble's default also replaces empty strings.
    if (in.is_string() && in.AsString().empty() && !(boolean && !boolean->Truthy())) use_default = true;
    if (!use_default) return in;
    return fallback ? *fallback : Value(std::string());
  };
  env.AddFilter("default", default_filter);
  env.AddFilter("d", default_filter);
  env.AddFilter("first", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "first"));
    if (items.empty()) return Value::Undefined("first item of an empty list");
    return items.front();
  });
  env.AddFilter("last", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "last"));
    if (items.empty()) return Value::Undefined("last item of an empty list");
    return items.back();
  });
  env.AddFilter("reverse", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (in.is_string()) return Value(std::string(in.AsString().rbegin(), in.AsString().rend()));
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "reverse"));
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  });
  env.AddFilter("sort", SortFilter);
  // Kestra: rsort sorts in reverse order.
  env.AddFilter("rsort", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(Value sorted, SortFilter(in, args, st));
    ValueList items = sorted.AsList();
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  });
  // Kestra: a | merge(b). The left side's type decides: two maps merge
  // (b's keys win), a list gets b's items (or b itself, a map) appended.
  env.AddFilter("merge", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    const Value* other = args.Arg(0, "items");
    if (!other) return ArgError(st, "merge", "needs a map or a list to merge");
    if (in.is_map()) {
      if (!other->is_map())
        return ArgError(st, "merge", "a map merges with a map, got " + std::string(other->TypeName()));
      ValueMap out = in.AsMap();
      for (const auto& [k, v] : other->AsMap()) out.Set(k, v);
      return Value(std::move(out));
    }
    if (in.is_list()) {
      ValueList out = in.AsList();
      if (other->is_list()) {
        out.insert(out.end(), other->AsList().begin(), other->AsList().end());
      } else {
        out.push_back(*other);
      }
      return Value(std::move(out));
    }
    return ArgError(st, "merge", "needs a map or a list on the left, got " + std::string(in.TypeName()));
  });
  if (env.dialect == Dialect::kPebble) {
    // Pebble's slice(fromIndex=0, toIndex=length) of a list or a string,
    // the end excluded (Jinja's slice filter groups a list instead).
    env.AddFilter("slice", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
      int64_t size = in.is_string() ? static_cast<int64_t>(in.AsString().size())
                     : in.is_list() ? static_cast<int64_t>(in.AsList().size())
                                    : -1;
      if (size < 0) return ArgError(st, "slice", "needs a list or a string, got " + std::string(in.TypeName()));
      ASSIGN_OR_RETURN(int64_t from, IntArg(st, "slice", args, 0, "fromIndex", 0));
      ASSIGN_OR_RETURN(int64_t to, IntArg(st, "slice", args, 1, "toIndex", size));
      if (from < 0 || to > size || from > to)
        return ArgError(
            st, "slice",
            "indexes " + std::to_string(from) + ".." + std::to_string(to) + " are outside 0.." + std::to_string(size));
      if (in.is_string()) return Value(in.AsString().substr(from, to - from));
      return Value(ValueList(in.AsList().begin() + from, in.AsList().begin() + to));
    });
  }
  // Jinja's unique and Kestra's distinct: first occurrences, in order.
  for (const char* name : {"unique", "distinct"}) {
    env.AddFilter(name, [name](const Value& in, Args&, RenderState& st) -> Result<Value> {
      ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, name));
      ValueList out;
      for (const auto& v : items)
        if (std::none_of(out.begin(), out.end(), [&](const Value& o) { return o.Equals(v); })) out.push_back(v);
      return Value(std::move(out));
    });
  }
  env.AddFilter("list", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "list"));
    return Value(std::move(items));
  });
  env.AddFilter("keys", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (!in.is_map()) return ArgError(st, "keys", "needs a map, got " + std::string(in.TypeName()));
    ValueList out;
    for (const auto& [k, v] : in.AsMap()) out.push_back(Value(k));
    return Value(std::move(out));
  });
  env.AddFilter("values", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (!in.is_map()) return ArgError(st, "values", "needs a map, got " + std::string(in.TypeName()));
    ValueList out;
    for (const auto& [k, v] : in.AsMap()) out.push_back(v);
    return Value(std::move(out));
  });
  env.AddFilter("items", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (!in.is_map()) return ArgError(st, "items", "needs a map, got " + std::string(in.TypeName()));
    ValueList out;
    for (const auto& [k, v] : in.AsMap()) out.push_back(Value(ValueList{Value(k), v}));
    return Value(std::move(out));
  });
  env.AddFilter("map", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "map"));
    ValueList out;
    if (const Value* attr = args.Arg(99, "attribute")) {
      const Value* fallback = args.Arg(99, "default");
      for (const auto& v : items) {
        Value a = Attribute(v, Text(*attr, st));
        out.push_back(a.is_undefined() && fallback ? *fallback : a);
      }
      return Value(std::move(out));
    }
    if (args.positional.empty()) return ArgError(st, "map", "needs a filter name or attribute=");
    std::string filter = Text(args.positional[0], st);
    Args rest;
    rest.positional.assign(args.positional.begin() + 1, args.positional.end());
    rest.keyword = args.keyword;
    args.TakeAllKeywords();  // the filter applied to each item checks them
    for (const auto& v : items) {
      Args copy = rest;
      ASSIGN_OR_RETURN(Value mapped, st.ApplyFilter(filter, v, copy));
      out.push_back(std::move(mapped));
    }
    return Value(std::move(out));
  });
  auto select = [](bool keep, bool by_attr) {
    return [keep, by_attr](const Value& in, Args& args, RenderState& st) -> Result<Value> {
      ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, keep ? "select" : "reject"));
      size_t base = 0;
      std::string attr;
      if (by_attr) {
        if (args.positional.empty()) return ArgError(st, keep ? "selectattr" : "rejectattr", "needs an attribute name");
        attr = Text(args.positional[0], st);
        base = 1;
      }
      std::string test = args.positional.size() > base ? Text(args.positional[base], st) : "";
      Args test_args;
      if (args.positional.size() > base + 1)
        test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(base + 1),
                                    args.positional.end());
      ValueList out;
      for (const auto& v : items) {
        Value subject = by_attr ? Attribute(v, attr) : v;
        bool pass;
        if (test.empty()) {
          pass = subject.Truthy();
        } else {
          Args copy = test_args;
          ASSIGN_OR_RETURN(pass, st.ApplyTest(test, subject, copy));
        }
        if (pass == keep) out.push_back(v);
      }
      return Value(std::move(out));
    };
  };
  env.AddFilter("select", select(true, false));
  env.AddFilter("reject", select(false, false));
  env.AddFilter("selectattr", select(true, true));
  env.AddFilter("rejectattr", select(false, true));
  env.AddFilter("sum", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "sum"));
    const Value* attr = args.Arg(99, "attribute");
    const Value* start = args.Arg(99, "start");
    int64_t isum = start && start->is_int() ? start->AsInt() : 0;
    double dsum = start && start->is_double() ? start->AsDouble() : 0;
    bool is_double = start && start->is_double();
    for (const auto& item : items) {
      Value v = attr ? Attribute(item, Text(*attr, st)) : item;
      if (!v.is_number()) return ArgError(st, "sum", "cannot add " + std::string(v.TypeName()));
      if (v.is_double()) is_double = true;
      if (v.is_int())
        isum += v.AsInt();
      else
        dsum += v.AsDouble();
    }
    if (is_double) return Value(dsum + static_cast<double>(isum));
    return Value(isum);
  });
  env.AddFilter("min", [](const Value& in, Args& args, RenderState& st) { return MinMax(in, args, st, false); });
  env.AddFilter("max", [](const Value& in, Args& args, RenderState& st) { return MinMax(in, args, st, true); });
  env.AddFilter("chunk", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "chunk"));
    ASSIGN_OR_RETURN(int64_t size, IntArg(st, "chunk", args, 0, "size"));
    if (size <= 0) return ArgError(st, "chunk", "size must be positive");
    ValueList out;
    for (size_t i = 0; i < items.size(); i += static_cast<size_t>(size)) {
      size_t end = std::min(items.size(), i + static_cast<size_t>(size));
      out.push_back(Value(
          ValueList(items.begin() + static_cast<std::ptrdiff_t>(i), items.begin() + static_cast<std::ptrdiff_t>(end))));
    }
    return Value(std::move(out));
  });
  env.AddFilter("flatten", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "flatten"));
    ValueList out;
    for (const auto& v : items) {
      if (v.is_list())
        out.insert(out.end(), v.AsList().begin(), v.AsList().end());
      else
        out.push_back(v);
    }
    return Value(std::move(out));
  });
}

}  // namespace floe::tmpl::builtins
