#include "flow/schema.h"

#include "flow/flow.h"

namespace floe::flow {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

Value Str(std::string s) { return Value(std::move(s)); }

Value Strings(const std::vector<std::string>& items) {
  ValueList list;
  for (const auto& s : items) list.push_back(Value(s));
  return Value(std::move(list));
}

Value TaskRef() { return Value::MakeMap({{"$ref", Str("#/definitions/task")}}); }

// A property value as a flow may write it: the type itself, or a template
// string rendered at run time.
Value PropertySchema(const PropertySpec& p) {
  Value templated = Value::MakeMap({{"type", Str("string")}, {"pattern", Str("\\{\\{|\\{%")}});
  Value base;
  switch (p.type) {
    case PropertyType::kString:
      base = Value::MakeMap({{"type", Strings({"string", "number", "boolean"})}});
      break;
    case PropertyType::kInt:
      base = Value::MakeMap({{"type", Str("integer")}});
      break;
    case PropertyType::kNumber:
      base = Value::MakeMap({{"type", Str("number")}});
      break;
    case PropertyType::kBool:
      base = Value::MakeMap({{"type", Str("boolean")}});
      break;
    case PropertyType::kDuration:
      base = Value::MakeMap({{"type", Str("string")}, {"pattern", Str("^[-+]?[Pp]")}});
      break;
    case PropertyType::kEnum:
      base = Value::MakeMap({{"enum", Strings(p.enum_values)}});
      break;
    case PropertyType::kList:
      base = Value::MakeMap({{"type", Str("array")}});
      break;
    case PropertyType::kMap:
      base = Value::MakeMap({{"type", Str("object")}});
      break;
    case PropertyType::kValues:
      base = Value::MakeMap({{"type", Strings({"array", "object", "string"})}});
      break;
    case PropertyType::kAny:
      base = Value(ValueMap{});
      break;
    case PropertyType::kTasks:  // null reads as no tasks (`defaults: null`)
      return Value::MakeMap({{"type", Strings({"array", "null"})}, {"items", TaskRef()}});
    case PropertyType::kTaskCases:
      return Value::MakeMap({{"type", Str("object")},
                             {"additionalProperties", Value::MakeMap({{"type", Str("array")}, {"items", TaskRef()}})}});
    case PropertyType::kDagTasks:
      return Value::MakeMap(
          {{"type", Str("array")},
           {"items", Value::MakeMap(
                         {{"type", Str("object")},
                          {"required", Strings({"task"})},
                          {"properties",
                           Value::MakeMap({{"task", TaskRef()},
                                           {"dependsOn",
                                            Value::MakeMap({{"type", Str("array")},
                                                            {"items", Value::MakeMap({{"type", Str("string")}})}})}})},
                          {"additionalProperties", Value(false)}})}});
  }
  Value schema = p.type == PropertyType::kAny || p.type == PropertyType::kString
                     ? base
                     : Value::MakeMap({{"anyOf", Value(ValueList{base, templated})}});
  if (!p.description.empty()) schema.MutableMap().Set("description", Str(p.description));
  return schema;
}

// The keys every task has (triggers have id, type, description, disabled,
// conditions, stopAfter, and interval when polled).
void AddTaskKeys(ValueMap& properties) {
  properties.Set("allowFailure", Value::MakeMap({{"type", Str("boolean")}}));
  properties.Set("allowWarning", Value::MakeMap({{"type", Str("boolean")}}));
  properties.Set("logLevel", Value::MakeMap({{"enum", Strings({"TRACE", "DEBUG", "INFO", "WARN", "ERROR"})}}));
  properties.Set("logToFile", Value::MakeMap({{"type", Str("boolean")}}));
  properties.Set("runIf", Value::MakeMap({{"type", Strings({"string", "boolean"})}}));
  properties.Set("timeout", Value::MakeMap({{"type", Str("string")}, {"pattern", Str("^[Pp]")}}));
  properties.Set(
      "retry",
      Value::MakeMap(
          {{"type", Str("object")},
           {"required", Strings({"type"})},
           {"properties",
            Value::MakeMap({{"type", Value::MakeMap({{"enum", Strings({"constant", "exponential", "random"})}})}})}}));
}

Value TaskSchema(const TaskType& type) {
  ValueMap properties;
  std::vector<std::string> names = {type.name};
  names.insert(names.end(), type.aliases.begin(), type.aliases.end());
  properties.Set("type", Value::MakeMap({{"enum", Strings(names)}}));
  properties.Set("id", Value::MakeMap({{"type", Str("string")}, {"pattern", Str("^[A-Za-z0-9_-]+$")}}));
  properties.Set("description", Value::MakeMap({{"type", Str("string")}}));
  properties.Set("disabled", Value::MakeMap({{"type", Str("boolean")}}));
  if (type.is_trigger()) {
    if (type.trigger == TriggerKind::kPolling)
      properties.Set("interval", Value::MakeMap({{"type", Str("string")}, {"pattern", Str("^[Pp]")}}));
    properties.Set("conditions",
                   Value::MakeMap({{"type", Str("array")},
                                   {"items", Value::MakeMap({{"$ref", Str("#/definitions/condition")}})}}));
    properties.Set("stopAfter",
                   Value::MakeMap({{"type", Str("array")},
                                   {"items", Value::MakeMap({{"enum", Strings(ExecutionStateNames())}})}}));
  } else {
    AddTaskKeys(properties);
  }
  std::vector<std::string> required = {"id", "type"};
  for (const auto& p : type.properties) {
    properties.Set(p.name, PropertySchema(p));
    for (const auto& alias : p.aliases) properties.Set(alias, PropertySchema(p));
    if (p.required && p.aliases.empty()) required.push_back(p.name);
  }
  ValueMap schema;
  schema.Set("title", Str(type.name));
  if (!type.description.empty()) schema.Set("description", Str(type.description));
  schema.Set("type", Str("object"));
  schema.Set("properties", Value(std::move(properties)));
  schema.Set("required", Strings(required));
  schema.Set("additionalProperties", Value(false));
  return Value(std::move(schema));
}

// One condition type: its names in `type`, its properties.
Value ConditionSchema(const ConditionTypeInfo& info) {
  ValueMap properties;
  std::vector<std::string> names = {info.name};
  names.insert(names.end(), info.aliases.begin(), info.aliases.end());
  properties.Set("type", Value::MakeMap({{"enum", Strings(names)}}));
  std::vector<std::string> required = {"type"};
  for (const auto& p : info.properties) {
    properties.Set(p.name, PropertySchema(p));
    for (const auto& alias : p.aliases) properties.Set(alias, PropertySchema(p));
    if (p.required) required.push_back(p.name);
  }
  ValueMap schema;
  schema.Set("title", Str(info.name));
  schema.Set("description", Str(info.description));
  schema.Set("type", Str("object"));
  schema.Set("properties", Value(std::move(properties)));
  schema.Set("required", Strings(required));
  schema.Set("additionalProperties", Value(false));
  return Value(std::move(schema));
}

Value InputSchema() {
  return Value::MakeMap({
      {"type", Str("object")},
      {"required", Strings({"type"})},
      {"properties",
       Value::MakeMap({
           {"id", Value::MakeMap({{"type", Str("string")}})},
           {"name", Value::MakeMap({{"type", Str("string")}, {"description", Str("Older Kestra spelling of id")}})},
           {"type", Value::MakeMap({{"enum", Strings(InputTypeNames())}})},
           {"description", Value::MakeMap({{"type", Str("string")}})},
           {"displayName", Value::MakeMap({{"type", Str("string")}})},
           {"required", Value::MakeMap({{"type", Str("boolean")}})},
           {"defaults", Value(ValueMap{})},
           {"values", Value::MakeMap({{"type", Str("array")}})},
           {"options", Value::MakeMap({{"type", Str("array")}})},
           {"itemType", Value::MakeMap({{"enum", Strings(InputTypeNames())}})},
           {"allowCustomValue", Value::MakeMap({{"type", Str("boolean")}})},
           {"expression", Value::MakeMap({{"type", Str("string")},
                                          {"description", Str("SELECT/MULTISELECT: a template giving the choices")}})},
           {"autoSelectFirst", Value::MakeMap({{"type", Str("boolean")}})},
           {"validator", Value::MakeMap({{"type", Str("string")}})},
           {"min", Value::MakeMap({{"type", Strings({"number", "string"})},
                                   {"description", Str("A number, or an ISO duration for DURATION")}})},
           {"max", Value::MakeMap({{"type", Strings({"number", "string"})},
                                   {"description", Str("A number, or an ISO duration for DURATION")}})},
           {"after", Value::MakeMap({{"type", Str("string")}})},
           {"before", Value::MakeMap({{"type", Str("string")}})},
           {"extension", Value::MakeMap({{"type", Str("string")}})},
           {"allowedFileExtensions",
            Value::MakeMap({{"type", Str("array")}, {"items", Value::MakeMap({{"type", Str("string")}})}})},
           {"dependsOn",
            Value::MakeMap({{"type", Str("object")},
                            {"properties", Value::MakeMap({{"inputs", Value::MakeMap({{"type", Str("array")}})},
                                                           {"condition", Value(ValueMap{})}})},
                            {"additionalProperties", Value(false)}})},
       })},
      {"additionalProperties", Value(false)},
  });
}

}  // namespace

Value FlowJsonSchema(const TaskRegistry& registry) {
  ValueList task_variants, trigger_variants;
  for (const auto& type : registry.types())
    (type->is_trigger() ? trigger_variants : task_variants).push_back(TaskSchema(*type));
  ValueList condition_variants;
  for (const auto& info : ConditionTypes()) condition_variants.push_back(ConditionSchema(info));
  Value labels = Value::MakeMap(
      {{"oneOf", Value(ValueList{
                     Value::MakeMap({{"type", Str("object")},
                                     {"additionalProperties",
                                      Value::MakeMap({{"type", Strings({"string", "number", "boolean"})}})}}),
                     Value::MakeMap({{"type", Str("array")},
                                     {"items", Value::MakeMap({{"type", Str("object")},
                                                               {"required", Strings({"key", "value"})}})}}),
                 })}});
  Value plugin_defaults = Value::MakeMap(
      {{"type", Str("array")},
       {"items",
        Value::MakeMap({{"type", Str("object")},
                        {"required", Strings({"type", "values"})},
                        {"properties", Value::MakeMap({{"type", Value::MakeMap({{"type", Str("string")}})},
                                                       {"values", Value::MakeMap({{"type", Str("object")}})},
                                                       {"forced", Value::MakeMap({{"type", Str("boolean")}})}})},
                        {"additionalProperties", Value(false)}})}});
  Value output = Value::MakeMap({
      {"type", Str("object")},
      {"required", Strings({"id", "value"})},
      {"properties", Value::MakeMap({{"id", Value::MakeMap({{"type", Str("string")}})},
                                     {"type", Value::MakeMap({{"type", Str("string")}})},
                                     {"value", Value(ValueMap{})},
                                     {"description", Value::MakeMap({{"type", Str("string")}})},
                                     {"displayName", Value::MakeMap({{"type", Str("string")}})},
                                     {"required", Value::MakeMap({{"type", Str("boolean")}})}})},
      {"additionalProperties", Value(false)},
  });
  return Value::MakeMap({
      {"$schema", Str("http://json-schema.org/draft-07/schema#")},
      {"title", Str("floe flow")},
      {"type", Str("object")},
      {"required", Strings({"id", "namespace", "tasks"})},
      {"properties",
       Value::MakeMap({
           {"id", Value::MakeMap({{"type", Str("string")}, {"pattern", Str("^[A-Za-z0-9_-]+$")}})},
           {"namespace", Value::MakeMap({{"type", Str("string")}, {"pattern", Str("^[A-Za-z0-9_.-]+$")}})},
           {"description", Value::MakeMap({{"type", Str("string")}})},
           {"labels", labels},
           {"inputs", Value::MakeMap(
                          {{"type", Str("array")}, {"items", Value::MakeMap({{"$ref", Str("#/definitions/input")}})}})},
           {"variables", Value::MakeMap({{"type", Str("object")}})},
           {"tasks", Value::MakeMap({{"type", Str("array")},
                                     {"minItems", Value(1)},
                                     {"items", Value::MakeMap({{"$ref", Str("#/definitions/task")}})}})},
           {"errors",
            Value::MakeMap({{"type", Str("array")}, {"items", Value::MakeMap({{"$ref", Str("#/definitions/task")}})}})},
           {"finally",
            Value::MakeMap({{"type", Str("array")}, {"items", Value::MakeMap({{"$ref", Str("#/definitions/task")}})}})},
           {"outputs", Value::MakeMap({{"type", Str("array")}, {"items", output}})},
           {"afterExecution",
            Value::MakeMap({{"type", Str("array")}, {"items", Value::MakeMap({{"$ref", Str("#/definitions/task")}})}})},
           {"retry", Value::MakeMap({{"type", Str("object")}, {"required", Strings({"type"})}})},
           {"concurrency",
            Value::MakeMap(
                {{"type", Str("object")},
                 {"required", Strings({"limit"})},
                 {"properties",
                  Value::MakeMap({{"limit", Value::MakeMap({{"type", Str("integer")}, {"minimum", Value(1)}})},
                                  {"behavior", Value::MakeMap({{"enum", Strings({"QUEUE", "CANCEL", "FAIL"})}})}})},
                 {"additionalProperties", Value(false)}})},
           {"sla",
            Value::MakeMap(
                {{"type", Str("array")},
                 {"items",
                  Value::MakeMap(
                      {{"type", Str("object")},
                       {"required", Strings({"id", "type", "behavior"})},
                       {"properties",
                        Value::MakeMap(
                            {{"id", Value::MakeMap({{"type", Str("string")}})},
                             {"type", Value::MakeMap({{"enum", Strings({"MAX_DURATION", "EXECUTION_ASSERTION"})}})},
                             {"behavior", Value::MakeMap({{"enum", Strings({"FAIL", "CANCEL", "NONE"})}})},
                             {"duration", Value::MakeMap({{"type", Str("string")}})},
                             {"assert", Value::MakeMap({{"type", Str("string")}})},
                             {"labels", labels}})},
                       {"additionalProperties", Value(false)}})}})},
           {"pluginDefaults", plugin_defaults},
           {"taskDefaults", plugin_defaults},  // the old name, still accepted
           {"triggers", Value::MakeMap({{"type", Str("array")},
                                        {"items", Value::MakeMap({{"$ref", Str("#/definitions/trigger")}})}})},
           {"revision", Value::MakeMap({{"type", Str("integer")}})},
           {"disabled", Value::MakeMap({{"type", Str("boolean")}})},
       })},
      {"additionalProperties", Value(false)},
      {"definitions", Value::MakeMap({{"input", InputSchema()},
                                      {"task", Value::MakeMap({{"oneOf", Value(task_variants)}})},
                                      {"trigger", Value::MakeMap({{"oneOf", Value(trigger_variants)}})},
                                      {"condition", Value::MakeMap({{"oneOf", Value(condition_variants)}})}})},
  });
}

}  // namespace floe::flow
