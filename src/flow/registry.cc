#include "flow/registry.h"

#include <cassert>

namespace floe::flow {

std::string_view TriggerKindName(TriggerKind kind) {
  switch (kind) {
    case TriggerKind::kNone:
      return "task";
    case TriggerKind::kPolling:
      return "polling";
    case TriggerKind::kSchedule:
      return "Schedule";
    case TriggerKind::kScheduleOnDates:
      return "ScheduleOnDates";
    case TriggerKind::kFlow:
      return "Flow";
    case TriggerKind::kWebhook:
      return "Webhook";
  }
  return "task";
}

std::string_view PropertyTypeName(PropertyType type) {
  switch (type) {
    case PropertyType::kString:
      return "string";
    case PropertyType::kInt:
      return "integer";
    case PropertyType::kNumber:
      return "number";
    case PropertyType::kBool:
      return "boolean";
    case PropertyType::kDuration:
      return "duration";
    case PropertyType::kEnum:
      return "enum";
    case PropertyType::kList:
      return "list";
    case PropertyType::kMap:
      return "map";
    case PropertyType::kValues:
      return "list, map or JSON text";
    case PropertyType::kAny:
      return "any";
    case PropertyType::kTasks:
    case PropertyType::kDagTasks:
      return "list of tasks";
    case PropertyType::kTaskCases:
      return "map of task lists";
  }
  return "any";
}

const PropertySpec* TaskType::FindProperty(std::string_view property) const {
  for (const auto& p : properties) {
    if (p.name == property) return &p;
    for (const auto& a : p.aliases)
      if (a == property) return &p;
  }
  return nullptr;
}

const std::vector<std::string>& CommonTaskKeys() {
  static const std::vector<std::string> keys = {"id",    "type",    "description",  "disabled", "allowFailure", "runIf",
                                                "retry", "timeout", "allowWarning", "logLevel", "logToFile"};
  return keys;
}

void TaskRegistry::Register(TaskType type) {
  if (type.trigger_factory && type.trigger == TriggerKind::kNone) type.trigger = TriggerKind::kPolling;
  assert((type.trigger == TriggerKind::kPolling) == (type.trigger_factory != nullptr) &&
         "a polling trigger type needs a trigger_factory, and only it");
  auto owned = std::make_unique<TaskType>(std::move(type));
  const TaskType* ptr = owned.get();
  [[maybe_unused]] bool inserted = by_name_.emplace(ptr->name, ptr).second;
  assert(inserted && "task type registered twice");
  for (const auto& alias : ptr->aliases) {
    inserted = by_name_.emplace(alias, ptr).second;
    assert(inserted && "task alias registered twice");
  }
  types_.push_back(std::move(owned));
}

const TaskType* TaskRegistry::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::string> TaskRegistry::AllNames() const {
  std::vector<std::string> names;
  for (const auto& [name, type] : by_name_) names.push_back(name);
  return names;
}

}  // namespace floe::flow
