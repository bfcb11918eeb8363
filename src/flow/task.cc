#include "flow/task.h"

#include <cerrno>
#include <cstdlib>

#include "tmpl/json.h"

namespace floe::flow {

bool ConditionHolds(const tmpl::Value& v) {
  if (v.is_string()) return !(v.AsString().empty() || v.AsString() == "false" || v.AsString() == "0");
  return v.Truthy();
}

Result<std::optional<std::string>> TaskContext::OptionalString(std::string_view name) {
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> v, Property(name));
  if (!v || v->is_null()) return std::optional<std::string>();
  if (v->is_string()) return std::optional<std::string>(v->AsString());
  if (v->is_number() || v->is_bool()) return std::optional<std::string>(tmpl::ToJson(*v));
  return PropertyError(name, "expected text, got " + std::string(v->TypeName()));
}

Result<std::string> TaskContext::RequiredString(std::string_view name) {
  ASSIGN_OR_RETURN(std::optional<std::string> s, OptionalString(name));
  if (!s) return PropertyError(name, "required property '" + std::string(name) + "' is missing");
  return *s;
}

Result<std::string> TaskContext::StringOr(std::string_view name, std::string fallback) {
  ASSIGN_OR_RETURN(std::optional<std::string> s, OptionalString(name));
  return s ? *s : fallback;
}

Result<bool> TaskContext::BoolOr(std::string_view name, bool fallback) {
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> v, Property(name));
  if (!v || v->is_null()) return fallback;
  if (v->is_bool()) return v->AsBool();
  if (v->is_string() && (v->AsString() == "true" || v->AsString() == "false")) return v->AsString() == "true";
  return PropertyError(name, "expected true or false, got " + std::string(v->TypeName()));
}

Result<int64_t> TaskContext::IntOr(std::string_view name, int64_t fallback) {
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> v, Property(name));
  if (!v || v->is_null()) return fallback;
  if (v->is_int()) return v->AsInt();
  if (v->is_string() && !v->AsString().empty()) {
    const std::string& text = v->AsString();
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (*end == '\0' && errno == 0) return static_cast<int64_t>(n);
  }
  return PropertyError(name, "must be a whole number, got " + std::string(v->TypeName()));
}

Result<std::optional<tmpl::Value>> TaskContext::OptionalMap(std::string_view name) {
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> v, Property(name));
  if (!v || v->is_null()) return std::optional<tmpl::Value>();
  if (v->is_string()) {
    // A template that rendered a map to JSON text, or a JSON string.
    auto parsed = tmpl::ParseJson(v->AsString());
    if (parsed.ok() && parsed->is_map()) return std::optional<tmpl::Value>(*parsed);
  }
  if (!v->is_map()) return PropertyError(name, "expected a map, got " + std::string(v->TypeName()));
  return v;
}

}  // namespace floe::flow
