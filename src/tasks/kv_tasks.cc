// The namespace KV store tasks (Kestra's io.kestra.plugin.core.kv.*), the
// older state.* tasks (a map per flow and name, kept in the same store), and
// execution.Labels.
#include "core/duration.h"
#include "tasks/builtin.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

Result<std::string> NamespaceOf(flow::TaskContext& ctx) {
  ASSIGN_OR_RETURN(std::optional<std::string> ns, ctx.OptionalString("namespace"));
  return ns ? *ns : ctx.FlowNamespace();
}

// kvType converts the value as Kestra does; without it the value keeps the
// type it rendered to.
Result<Value> Typed(flow::TaskContext& ctx, const Value& value) {
  ASSIGN_OR_RETURN(std::optional<std::string> type, ctx.OptionalString("kvType"));
  if (!type) return value;
  std::string text = value.is_string() ? value.AsString() : tmpl::ToJson(value);
  if (*type == "STRING") return Value(value.is_string() ? value.AsString() : text);
  if (*type == "NUMBER") {
    if (value.is_number()) return value;
    auto parsed = tmpl::ParseJson(text);
    if (!parsed.ok() || !parsed->is_number()) return ctx.PropertyError("value", "'" + text + "' is not a NUMBER");
    return *parsed;
  }
  if (*type == "BOOLEAN") {
    if (value.is_bool()) return value;
    if (text == "true" || text == "false") return Value(text == "true");
    return ctx.PropertyError("value", "'" + text + "' is not a BOOLEAN");
  }
  if (*type == "JSON") {
    if (!value.is_string()) return value;
    auto parsed = tmpl::ParseJson(text);
    if (!parsed.ok()) return ctx.PropertyError("value", "is not JSON: " + parsed.status().message());
    return *parsed;
  }
  if (*type == "DURATION") {
    if (!ParseDuration(text).ok()) return ctx.PropertyError("value", "'" + text + "' is not a DURATION like PT5M");
    return Value(text);
  }
  // DATE, DATETIME: kept as text (ISO-8601).
  return Value(text);
}

class KvSetTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string ns, NamespaceOf(ctx));
    ASSIGN_OR_RETURN(std::string key, ctx.RequiredString("key"));
    ASSIGN_OR_RETURN(std::optional<Value> raw, ctx.Property("value"));
    if (!raw) return ctx.PropertyError("value", "required property 'value' is missing");
    ASSIGN_OR_RETURN(Value value, Typed(ctx, *raw));
    ASSIGN_OR_RETURN(bool overwrite, ctx.BoolOr("overwrite", true));
    std::optional<std::chrono::milliseconds> ttl;
    ASSIGN_OR_RETURN(std::optional<std::string> ttl_text, ctx.OptionalString("ttl"));
    if (ttl_text) {
      auto d = ParseDuration(*ttl_text);
      if (!d.ok() || d->count() <= 0) return ctx.PropertyError("ttl", "must be a positive duration like P1D");
      ttl = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    }
    if (!overwrite) {
      ASSIGN_OR_RETURN(std::optional<Value> existing, ctx.Kv().Get(ns, key));
      if (existing)
        return Status(StatusCode::kAlreadyExists,
                      "KV key '" + key + "' already exists in namespace '" + ns + "' and overwrite is false");
    }
    RETURN_IF_ERROR(ctx.Kv().Put(ns, key, value, ttl));
    return Value(tmpl::ValueMap{});
  }
};

class KvGetTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string ns, NamespaceOf(ctx));
    ASSIGN_OR_RETURN(std::string key, ctx.RequiredString("key"));
    ASSIGN_OR_RETURN(bool error_on_missing, ctx.BoolOr("errorOnMissing", false));
    ASSIGN_OR_RETURN(std::optional<Value> value, ctx.Kv().Get(ns, key));
    if (!value && error_on_missing) return NotFound("no KV key '" + key + "' in namespace '" + ns + "'");
    return Value::MakeMap({{"value", value ? *value : Value()}});
  }
};

class KvDeleteTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string ns, NamespaceOf(ctx));
    ASSIGN_OR_RETURN(std::string key, ctx.RequiredString("key"));
    ASSIGN_OR_RETURN(bool error_on_missing, ctx.BoolOr("errorOnMissing", false));
    ASSIGN_OR_RETURN(bool deleted, ctx.Kv().Delete(ns, key));
    if (!deleted && error_on_missing) return NotFound("no KV key '" + key + "' in namespace '" + ns + "'");
    return Value::MakeMap({{"deleted", Value(deleted)}});
  }
};

class KvGetKeysTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string ns, NamespaceOf(ctx));
    ASSIGN_OR_RETURN(std::string prefix, ctx.StringOr("prefix", ""));
    ASSIGN_OR_RETURN(std::vector<std::string> keys, ctx.Kv().Keys(ns, prefix));
    tmpl::ValueList list;
    for (auto& k : keys) list.push_back(Value(std::move(k)));
    return Value::MakeMap({{"keys", Value(std::move(list))}});
  }
};

// Kestra's older state store: a JSON map per flow, name and (inside a
// ForEach, unless taskrunValue is false) iteration value, merged on Set.
// Kept in the namespace's KV store under "__state__/<flowId>/<name>[/<value>]".
// States written by floe before it keyed them by flow ("__state__/<name>")
// are still read, for the running flow's own states.
enum class StateOp { kSet, kGet, kDelete };

class StateTask final : public flow::Task {
 public:
  explicit StateTask(StateOp op) : op_(op) {}

  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string name, ctx.StringOr("name", "default"));
    ASSIGN_OR_RETURN(std::string ns, ctx.StringOr("namespace", ctx.FlowNamespace()));
    ASSIGN_OR_RETURN(std::string flow_id, ctx.StringOr("flowId", ctx.FlowId()));
    ASSIGN_OR_RETURN(bool by_value, ctx.BoolOr("taskrunValue", true));
    std::string key = "__state__/" + flow_id + "/" + name;
    std::optional<std::string> value = ctx.TaskRunValue();
    if (by_value && value) key += "/" + *value;
    std::string legacy = "__state__/" + name;
    bool legacy_applies = ns == ctx.FlowNamespace() && flow_id == ctx.FlowId() && !(by_value && value);
    ASSIGN_OR_RETURN(bool error_on_missing, ctx.BoolOr("errorOnMissing", false));
    ASSIGN_OR_RETURN(std::optional<Value> current, ctx.Kv().Get(ns, key));
    if (!current && legacy_applies) {
      ASSIGN_OR_RETURN(current, ctx.Kv().Get(ns, legacy));
    }
    switch (op_) {
      case StateOp::kSet: {
        ASSIGN_OR_RETURN(std::optional<Value> data, ctx.OptionalMap("data"));
        tmpl::ValueMap merged = current && current->is_map() ? current->AsMap() : tmpl::ValueMap{};
        if (data)
          for (const auto& [k, v] : data->AsMap()) merged.Set(k, v);
        int64_t count = static_cast<int64_t>(merged.size());
        RETURN_IF_ERROR(ctx.Kv().Put(ns, key, Value(std::move(merged)), std::nullopt));
        if (legacy_applies) RETURN_IF_ERROR(ctx.Kv().Delete(ns, legacy).status());  // moved to the new key
        return Value::MakeMap({{"count", Value(count)}});
      }
      case StateOp::kGet: {
        if (!current && error_on_missing) return NotFound("no state '" + name + "' in namespace '" + ns + "'");
        Value data = current ? *current : Value(tmpl::ValueMap{});
        int64_t count = data.is_map() ? static_cast<int64_t>(data.AsMap().size()) : 0;
        return Value::MakeMap({{"data", data}, {"count", Value(count)}});
      }
      case StateOp::kDelete: {
        ASSIGN_OR_RETURN(bool deleted, ctx.Kv().Delete(ns, key));
        if (legacy_applies) {
          ASSIGN_OR_RETURN(bool deleted_legacy, ctx.Kv().Delete(ns, legacy));
          deleted = deleted || deleted_legacy;
        }
        if (!deleted && error_on_missing) return NotFound("no state '" + name + "' in namespace '" + ns + "'");
        return Value::MakeMap({{"deleted", Value(deleted)}});
      }
    }
    return Value(tmpl::ValueMap{});
  }

 private:
  StateOp op_;
};

// trigger.Toggle: enables or disables a trigger of this flow (or of another
// flow), as `floe triggers enable|disable` does; a running server sees it at
// its next evaluation.
class ToggleTriggerTask final : public flow::Task {
  Result<tmpl::Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string trigger, ctx.RequiredString("trigger"));
    ASSIGN_OR_RETURN(std::string ns, ctx.StringOr("namespace", ctx.FlowNamespace()));
    ASSIGN_OR_RETURN(std::string flow_id, ctx.StringOr("flowId", ctx.FlowId()));
    ASSIGN_OR_RETURN(bool enabled, ctx.BoolOr("enabled", false));
    Status set = ctx.SetTriggerEnabled(ns, flow_id, trigger, enabled);
    if (set.code() == StatusCode::kNotFound)
      return ctx.PropertyError("trigger", "no trigger '" + trigger + "' of flow " + ns + "." + flow_id +
                                              " is known yet (a server or `floe triggers poll` loads it)");
    RETURN_IF_ERROR(set);
    ctx.Log(LogLevel::kInfo,
            std::string(enabled ? "enabled" : "disabled") + " trigger " + ns + "." + flow_id + "/" + trigger);
    return tmpl::Value::MakeMap({{"enabled", tmpl::Value(enabled)}});
  }
};

class LabelsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::optional<Value> labels, ctx.Property("labels"));
    if (!labels) return ctx.PropertyError("labels", "required property 'labels' is missing");
    std::vector<std::pair<std::string, std::string>> pairs;
    auto text = [](const Value& v) { return tmpl::ToDisplayString(v, tmpl::Dialect::kPebble); };
    if (labels->is_map()) {
      for (const auto& [k, v] : labels->AsMap()) pairs.emplace_back(k, text(v));
    } else if (labels->is_list()) {
      for (const auto& item : labels->AsList()) {
        const Value* k = item.Get("key");
        const Value* v = item.Get("value");
        if (!k || !v) return ctx.PropertyError("labels", "a list of labels must hold {key, value} maps");
        pairs.emplace_back(text(*k), text(*v));
      }
    } else {
      return ctx.PropertyError("labels", "must be a map or a list of {key, value}");
    }
    for (const auto& [k, v] : pairs)
      if (k.empty()) return ctx.PropertyError("labels", "a label needs a non-empty key");
    RETURN_IF_ERROR(ctx.SetExecutionLabels(pairs));
    return Value(tmpl::ValueMap{});
  }
};

flow::PropertySpec Namespace() {
  return {.name = "namespace", .type = PropertyType::kString, .description = "The flow's namespace by default."};
}

flow::PropertySpec ErrorOnMissing() {
  return {.name = "errorOnMissing", .type = PropertyType::kBool, .description = "Fail when the key is absent."};
}

}  // namespace

void RegisterKvTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "kv.Set",
      .aliases = {"io.kestra.plugin.core.kv.Set"},
      .description = "Stores a value under a key in a namespace's KV store.",
      .properties = {{.name = "key", .type = PropertyType::kString, .required = true},
                     {.name = "value", .type = PropertyType::kAny, .required = true},
                     Namespace(),
                     {.name = "overwrite", .type = PropertyType::kBool, .description = "true by default."},
                     {.name = "ttl", .type = PropertyType::kDuration, .description = "Expire after this long."},
                     {.name = "kvType",
                      .type = PropertyType::kEnum,
                      .enum_values = {"STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON"}}},
      .factory = [] { return std::make_unique<KvSetTask>(); },
  });
  registry.Register({
      .name = "kv.Get",
      .aliases = {"io.kestra.plugin.core.kv.Get"},
      .description = "Reads a key's value (null when absent, unless errorOnMissing) into outputs.value.",
      .properties = {{.name = "key", .type = PropertyType::kString, .required = true}, Namespace(), ErrorOnMissing()},
      .factory = [] { return std::make_unique<KvGetTask>(); },
  });
  registry.Register({
      .name = "kv.Delete",
      .aliases = {"io.kestra.plugin.core.kv.Delete"},
      .description = "Deletes a key; outputs.deleted says whether it existed.",
      .properties = {{.name = "key", .type = PropertyType::kString, .required = true}, Namespace(), ErrorOnMissing()},
      .factory = [] { return std::make_unique<KvDeleteTask>(); },
  });
  registry.Register({
      .name = "kv.GetKeys",
      .aliases = {"io.kestra.plugin.core.kv.GetKeys"},
      .description = "Lists a namespace's live keys (with a prefix) into outputs.keys.",
      .properties = {{.name = "prefix", .type = PropertyType::kString}, Namespace()},
      .factory = [] { return std::make_unique<KvGetKeysTask>(); },
  });
  flow::PropertySpec name{.name = "name", .type = PropertyType::kString, .description = "The state's name."};
  // Every state task names the state by namespace, flow, name and value.
  auto state_properties = [&](std::vector<flow::PropertySpec> own) {
    own.insert(own.begin(), name);
    own.push_back(Namespace());
    own.push_back({.name = "flowId", .type = PropertyType::kString, .description = "This flow's by default."});
    own.push_back({.name = "taskrunValue",
                   .type = PropertyType::kBool,
                   .description = "Inside a ForEach, one state per value; true by default."});
    return own;
  };
  registry.Register({
      .name = "state.Set",
      .aliases = {"io.kestra.plugin.core.state.Set", "io.kestra.core.tasks.states.Set"},
      .description = "Older Kestra state store: merges `data` into the named state map.",
      .properties = state_properties({{.name = "data", .type = PropertyType::kMap, .required = true}}),
      .factory = [] { return std::make_unique<StateTask>(StateOp::kSet); },
  });
  registry.Register({
      .name = "state.Get",
      .aliases = {"io.kestra.plugin.core.state.Get", "io.kestra.core.tasks.states.Get"},
      .description = "Older Kestra state store: reads the named state map into outputs.data.",
      .properties = state_properties({ErrorOnMissing()}),
      .factory = [] { return std::make_unique<StateTask>(StateOp::kGet); },
  });
  registry.Register({
      .name = "state.Delete",
      .aliases = {"io.kestra.plugin.core.state.Delete", "io.kestra.core.tasks.states.Delete"},
      .description = "Older Kestra state store: deletes the named state map.",
      .properties = state_properties({ErrorOnMissing()}),
      .factory = [] { return std::make_unique<StateTask>(StateOp::kDelete); },
  });
  registry.Register({
      .name = "execution.Labels",
      .aliases = {"io.kestra.plugin.core.execution.Labels", "io.kestra.core.tasks.executions.Labels"},
      .description = "Adds (or replaces) labels of the running execution.",
      .properties = {{.name = "labels",
                      .type = PropertyType::kAny,
                      .required = true,
                      .description = "A map, or a list of {key, value}."}},
      .factory = [] { return std::make_unique<LabelsTask>(); },
  });
  registry.Register({
      .name = "trigger.Toggle",
      .aliases = {"io.kestra.plugin.core.trigger.Toggle", "io.kestra.core.tasks.trigger.Toggle"},
      .description = "Enables or disables a trigger of this flow, or of the flow `namespace`.`flowId`.",
      .properties =
          {{.name = "trigger", .type = PropertyType::kString, .required = true, .description = "The trigger's id."},
           {.name = "enabled",
            .type = PropertyType::kBool,
            .required = true,
            .description = "Whether the trigger is enabled afterwards."},
           {.name = "namespace",
            .type = PropertyType::kString,
            .description = "The flow's namespace; this flow's by default."},
           {.name = "flowId", .type = PropertyType::kString, .description = "The flow's id; this flow's by default."}},
      .factory = [] { return std::make_unique<ToggleTriggerTask>(); },
  });
}

}  // namespace floe::tasks
