// The values of dbt's Jinja context: `this`, `model`, `modules`, and what
// a NodeScope serves to every render.
#include <chrono>
#include <ctime>

#include "models/internal/dbt_context.h"

namespace floe::models {

using tmpl::CallArgs;
using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

namespace {

// A datetime object: prints as ISO text; strftime/isoformat and its fields.
Value DateTimeValue(std::time_t t, long micros, bool date_only) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, date_only ? "%Y-%m-%d" : "%Y-%m-%d %H:%M:%S", &tm);
  std::string text = buf;
  if (!date_only && micros) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06ld", micros);
    text += frac;
  }
  ValueMap m;
  m.Set("year", Value(int64_t(tm.tm_year + 1900)));
  m.Set("month", Value(int64_t(tm.tm_mon + 1)));
  m.Set("day", Value(int64_t(tm.tm_mday)));
  if (!date_only) {
    m.Set("hour", Value(int64_t(tm.tm_hour)));
    m.Set("minute", Value(int64_t(tm.tm_min)));
    m.Set("second", Value(int64_t(tm.tm_sec)));
  }
  m.Set("strftime", Value::MakeCallable("strftime", [tm](CallArgs& a) -> Result<Value> {
          const Value* f = a.Arg(0, "format");
          if (!f || !f->is_string()) return InvalidArgument("strftime() takes a format string");
          char out[256];
          size_t n = std::strftime(out, sizeof out, f->AsString().c_str(), &tm);
          return Value(std::string(out, n));
        }));
  std::string iso = text;
  if (!date_only) iso[10] = 'T';
  m.Set("isoformat", Value::MakeCallable("isoformat", [iso](CallArgs&) -> Result<Value> { return Value(iso); }));
  m.set_display(text);
  return Value(std::move(m));
}

Value Now(bool date_only) {
  auto now = std::chrono::system_clock::now();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  return DateTimeValue(std::chrono::system_clock::to_time_t(now), static_cast<long>(micros), date_only);
}

}  // namespace

Value CurrentDateTime() { return Now(false); }

Value ModulesValue() {
  auto now = Value::MakeCallable("now", [](CallArgs&) -> Result<Value> { return Now(false); });
  auto today = Value::MakeCallable("today", [](CallArgs&) -> Result<Value> { return Now(true); });
  Value datetime_class = Value::MakeMap({{"now", now}, {"utcnow", now}, {"today", today}});
  Value date_class = Value::MakeMap({{"today", today}});
  Value datetime_module = Value::MakeMap({{"datetime", datetime_class}, {"date", date_class}});
  return Value::MakeMap({{"datetime", datetime_module}});
}

Value NodeValue(const ParsedNode& p) {
  const Node& n = p.node;
  ValueMap m;
  m.Set("unique_id", Value(n.unique_id));
  m.Set("name", Value(n.name));
  m.Set("alias", Value(p.relation.identifier.empty() ? n.name : p.relation.identifier));
  m.Set("resource_type", Value(std::string(ResourceTypeName(n.resource_type))));
  m.Set("package_name", Value(n.package));
  m.Set("path", Value(n.path));
  m.Set("original_file_path", Value(n.original_file_path));
  ValueList fqn;
  for (const auto& f : n.fqn) fqn.push_back(Value(f));
  m.Set("fqn", Value(std::move(fqn)));
  m.Set("config", p.config.is_map() ? p.config : n.config);
  m.Set("database", Value(p.relation.database));
  m.Set("schema", Value(p.relation.schema));
  ValueList tags;
  for (const auto& t : p.tags) tags.push_back(Value(t));
  m.Set("tags", Value(std::move(tags)));
  m.Set("description", Value(n.description));
  m.Set("raw_code", Value(n.raw_code));
  m.Set("raw_sql", Value(n.raw_code));
  m.Set("meta", n.meta.is_map() ? n.meta : Value(ValueMap{}));
  ValueMap columns;
  for (const auto& c : n.columns)
    columns.Set(c.name, Value::MakeMap({{"name", Value(c.name)},
                                        {"description", Value(c.description)},
                                        {"data_type", Value(c.data_type)}}));
  m.Set("columns", Value(std::move(columns)));
  if (n.version) m.Set("version", Value(*n.version));
  return Value(std::move(m));
}

const Value* NodeScope::Global(std::string_view name) const {
  if (name == "execute") {
    if (execute_.is_null()) execute_ = Value(mode == RenderMode::kExecute);
    return &execute_;
  }
  if (node && name == "this") {
    if (this_.is_null()) this_ = RelationValue(node->relation, node->materialized == "view" ? "view" : "table");
    return &this_;
  }
  if (node && name == "model") {
    if (model_.is_null()) model_ = NodeValue(*node);
    return &model_;
  }
  return manifest && manifest->jinja ? manifest->jinja->globals.Get(name) : nullptr;
}

std::vector<std::string> NodeScope::GlobalNames() const {
  std::vector<std::string> names{"execute"};
  if (node) names.insert(names.end(), {"this", "model"});
  if (manifest && manifest->jinja && manifest->jinja->globals.is_map())
    for (const auto& [k, v] : manifest->jinja->globals.AsMap()) names.push_back(k);
  return names;
}

}  // namespace floe::models
