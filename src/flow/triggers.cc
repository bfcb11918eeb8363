// A flow's `triggers`: common keys, each kind's typed properties, and the
// conditions, every problem reported with its place in the file.
#include <date/tz.h>

#include <algorithm>
#include <set>

#include "core/duration.h"
#include "core/strings.h"
#include "flow/internal/flow_parse_host.h"

namespace floe::flow::internal {
namespace {

// Keys of every trigger; `interval` only on polling ones.
const std::vector<std::string> kTriggerKeys = {"id", "type", "description", "disabled", "conditions", "stopAfter"};
// Kestra's trigger keys floe does not run yet: errors, never silently ignored.
const std::vector<std::string> kTriggerKeysNotYet = {"allowConcurrent", "workerGroup", "logLevel",
                                                     "minLogLevel",     "logToFile",   "failOnTriggerError"};

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool ValidId(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

class TriggerParser {
 public:
  TriggerParser(const TaskRegistry& registry, FlowParseHost& host) : registry_(registry), host_(host) {}

  void Parse(const YamlNode& list, Flow& flow) {
    if (list.is_null()) return;
    if (!list.is_sequence()) {
      Error(list.location, "'triggers' must be a list of triggers");
      return;
    }
    std::set<std::string> ids;
    for (const auto& written : list.items) {
      if (!written.is_map()) {
        Error(written.location, "a trigger must be a map with id and type");
        continue;
      }
      ParseOne(host_.WithDefaults(written), ids, flow);
    }
  }

 private:
  void Error(const SourceLocation& where, std::string message, std::string hint = "") {
    host_.AddError(where, std::move(message), std::move(hint));
  }

  void ParseOne(const YamlNode& node, std::set<std::string>& ids, Flow& flow) {
    TriggerSpec trigger;
    TaskSpec& spec = trigger.spec;
    spec.location = node.location;
    if (const YamlNode* id = node.Find("id"); !id) {
      Error(node.location, "missing required key 'id'");
    } else if (!id->is_scalar()) {
      Error(id->location, "'id' must be text, not " + std::string(id->KindName()));
    } else {
      spec.id = id->scalar;
      if (!ValidId(spec.id)) {
        Error(id->location, "trigger id '" + spec.id + "' may only hold letters, digits, '_' and '-'");
      } else if (!ids.insert(spec.id).second) {
        Error(id->location, "duplicate trigger id '" + spec.id + "'");
      }
    }
    if (const YamlNode* d = node.Find("description")) {
      if (!d->is_scalar()) Error(d->location, "'description' must be text, not " + std::string(d->KindName()));
      spec.description = d->scalar;
    }
    if (const YamlNode* disabled = node.Find("disabled")) {
      tmpl::Value v = disabled->ToValue();
      if (!v.is_bool()) Error(disabled->location, "'disabled' must be true or false");
      spec.disabled = v.is_bool() && v.AsBool();
    }
    ResolveType(node, trigger);
    bool polling = trigger.kind == TriggerKind::kPolling;
    if (const YamlNode* interval = node.Find("interval")) {
      auto d = ParseDuration(interval->scalar);
      if (spec.task_type && !polling) {
        Error(interval->location,
              "'interval' applies to polling triggers; a " + std::string(TriggerKindName(trigger.kind)) +
                  " trigger is not polled",
              trigger.kind == TriggerKind::kSchedule ? "set its dates with 'cron'" : "remove it");
      } else if (!interval->is_scalar() || !d.ok() || d->count() <= 0) {
        Error(interval->location, "'interval' must be a positive duration like PT1M");
      } else {
        trigger.interval = *d;
      }
    }
    spec.properties.kind = YamlNode::Kind::kMap;
    spec.properties.location = node.location;
    std::vector<std::string> common = kTriggerKeys;
    if (polling) common.push_back("interval");
    for (const auto& e : node.entries) {
      if (Contains(kTriggerKeys, e.key) || e.key == "interval") continue;
      if (Contains(kTriggerKeysNotYet, e.key)) {
        Error(e.key_location, "'" + e.key + "' is not supported by floe yet on triggers",
              "remove it; floe will not silently ignore it");
        continue;
      }
      if (spec.task_type && host_.CheckTypedProperty(e, spec, common)) spec.properties.entries.push_back(e);
    }
    if (spec.task_type) host_.CheckRequiredProperties(node, spec);
    // An unknown type has no kind: its conditions are checked for themselves.
    TriggerKind kind = spec.task_type ? trigger.kind : TriggerKind::kNone;
    if (const YamlNode* c = node.Find("conditions")) ParseConditionList(*c, kind, trigger.conditions);
    if (const YamlNode* s = node.Find("stopAfter")) trigger.stop_after = States(*s, "stopAfter");
    if (spec.task_type) ParseKind(node, trigger);
    if (spec.task_type && !polling) CheckInputs(trigger, flow);
    flow.triggers.push_back(std::move(trigger));
  }

  // The inputs a server-run trigger gives must be ones the flow declares,
  // and it must give every required input without a default: otherwise
  // each execution it starts would fail before its first task.
  void CheckInputs(const TriggerSpec& trigger, const Flow& flow) {
    std::vector<std::string> declared;
    for (const auto& in : flow.inputs) declared.push_back(in.id);
    auto check_names = [&](const YamlNode& inputs, std::string_view where) {
      for (const auto& e : inputs.entries) {
        if (Contains(declared, e.key)) continue;
        Error(e.key_location,
              "trigger '" + trigger.spec.id + "' gives input '" + e.key + "'" + std::string(where) +
                  ", which the flow does not declare",
              declared.empty() ? "declare it under the flow's 'inputs'" : DidYouMean(e.key, declared));
      }
    };
    if (trigger.inputs.is_map()) check_names(trigger.inputs, "");
    if (trigger.schedule && trigger.schedule->backfill && trigger.schedule->backfill->inputs.is_map())
      check_names(trigger.schedule->backfill->inputs, " in its backfill");
    for (const auto& in : flow.inputs) {
      if (!in.required || in.defaults) continue;
      if (trigger.inputs.is_map() && trigger.inputs.Find(in.id)) continue;
      Error(trigger.spec.location,
            "trigger '" + trigger.spec.id + "' does not give the required input '" + in.id +
                "', so every execution it starts would fail",
            "set it under the trigger's 'inputs', or give the input a default");
    }
  }

  void ResolveType(const YamlNode& node, TriggerSpec& trigger) {
    const YamlNode* type = node.Find("type");
    if (!type) {
      Error(node.location, "missing required key 'type'");
      return;
    }
    if (!type->is_scalar()) {
      Error(type->location, "'type' must be text, not " + std::string(type->KindName()));
      return;
    }
    trigger.spec.type = type->scalar;
    const TaskType* found = registry_.Find(type->scalar);
    if (found && found->is_trigger()) {
      trigger.spec.task_type = found;
      trigger.kind = found->trigger;
      return;
    }
    if (found) {
      Error(type->location, "'" + type->scalar + "' is a task type, not a trigger", "move it under 'tasks'");
      return;
    }
    std::vector<std::string> names;
    std::string all;
    for (const auto& t : registry_.types()) {
      if (!t->is_trigger()) continue;
      names.push_back(t->name);
      names.insert(names.end(), t->aliases.begin(), t->aliases.end());
      all += (all.empty() ? "" : ", ") + t->name;
    }
    std::string hint = DidYouMean(type->scalar, names);
    Error(type->location, "unknown trigger type '" + type->scalar + "'",
          hint.empty() ? "floe knows these triggers: " + all : hint);
  }

  // Execution state names, checked, with suggestions.
  std::vector<std::string> States(const YamlNode& node, std::string_view what) {
    std::vector<std::string> out;
    if (!node.is_sequence()) {
      Error(node.location, "'" + std::string(what) + "' must be a list of execution states, like [SUCCESS]");
      return out;
    }
    for (const auto& item : node.items) {
      if (!item.is_scalar() || !Contains(ExecutionStateNames(), item.scalar)) {
        std::string hint = item.is_scalar() ? DidYouMean(item.scalar, ExecutionStateNames()) : "";
        Error(item.location, "'" + item.scalar + "' in '" + std::string(what) + "' is not an execution state",
              hint.empty() ? "floe's states: " + Join(ExecutionStateNames()) : hint);
        continue;
      }
      out.push_back(item.scalar);
    }
    return out;
  }

  static std::string Join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  }

  static std::string Scalar(const YamlNode& node, std::string_view key) {
    const YamlNode* v = node.Find(key);
    return v && v->is_scalar() ? v->scalar : "";
  }

  static std::optional<Duration> DurationOf(const YamlNode& node, std::string_view key) {
    const YamlNode* v = node.Find(key);
    if (!v || !v->is_scalar()) return std::nullopt;
    auto d = ParseDuration(v->scalar);
    return d.ok() ? std::optional<Duration>(*d) : std::nullopt;
  }

  // A schedule's time zone: an IANA name the time zone database knows (a
  // template is checked when rendered). Etc/UTC when absent.
  std::string TimeZone(const YamlNode& node) {
    const YamlNode* tz = node.Find("timezone");
    if (!tz || !tz->is_scalar()) return "Etc/UTC";
    if (tz->tmpl) return tz->scalar;
    try {
      date::locate_zone(tz->scalar);
    } catch (const std::exception&) {  // date throws std::runtime_error for an unknown name
      std::vector<std::string> names;
      for (const auto& z : date::get_tzdb().zones) names.emplace_back(z.name());
      std::string hint = DidYouMean(tz->scalar, names);
      Error(tz->location, "unknown time zone '" + tz->scalar + "'",
            hint.empty() ? "use an IANA name like Europe/Paris, or Etc/UTC" : hint);
    }
    return tz->scalar;
  }

  std::optional<RecoverMissed> Recover(const YamlNode& node) {
    std::string v = Scalar(node, "recoverMissedSchedules");
    if (v == "ALL") return RecoverMissed::kAll;
    if (v == "LAST") return RecoverMissed::kLast;
    if (v == "NONE") return RecoverMissed::kNone;
    return std::nullopt;  // absent, or already reported by the enum check
  }

  void ParseKind(const YamlNode& node, TriggerSpec& trigger) {
    if (const YamlNode* inputs = node.Find("inputs")) trigger.inputs = *inputs;
    if (const YamlNode* labels = node.Find("labels")) trigger.labels = host_.Labels(*labels);
    switch (trigger.kind) {
      case TriggerKind::kSchedule: {
        ScheduleSpec s;
        s.cron = Scalar(node, "cron");
        if (const YamlNode* w = node.Find("withSeconds")) s.with_seconds = w->ToValue().Truthy();
        if (const YamlNode* cron = node.Find("cron"); cron && cron->is_scalar() && registry_.cron_check()) {
          if (Status bad = registry_.cron_check()(s.cron, s.with_seconds); !bad.ok())
            Error(cron->location, bad.message(), bad.hint());
        }
        s.timezone = TimeZone(node);
        s.recover_missed = Recover(node);
        s.late_maximum_delay = DurationOf(node, "lateMaximumDelay");
        if (const YamlNode* b = node.Find("backfill"); b && b->is_map()) s.backfill = ParseBackfill(*b);
        if (const YamlNode* c = node.Find("scheduleConditions"))
          ParseConditionList(*c, trigger.kind, trigger.conditions);
        trigger.schedule = std::move(s);
        break;
      }
      case TriggerKind::kScheduleOnDates: {
        ScheduleOnDatesSpec s;
        if (const YamlNode* dates = node.Find("dates")) {
          if (!dates->is_sequence() && !dates->tmpl)
            Error(dates->location, "'dates' must be a list of ISO date-times, or an expression giving one");
          s.dates = *dates;
        }
        s.timezone = TimeZone(node);
        s.recover_missed = Recover(node);
        trigger.schedule_on_dates = std::move(s);
        break;
      }
      case TriggerKind::kFlow: {
        FlowTriggerSpec f;
        if (const YamlNode* states = node.Find("states")) f.states = States(*states, "states");
        if (const YamlNode* p = node.Find("preconditions"); p && p->is_map()) f.preconditions = ParsePreconditions(*p);
        if (!node.Find("preconditions") && trigger.conditions.empty())
          Error(node.location, "Flow trigger '" + trigger.spec.id + "' needs 'preconditions' (or 'conditions')",
                "name the upstream flows: preconditions: {id: upstream, flows: [{namespace: ..., flowId: ...}]}");
        trigger.flow = std::move(f);
        break;
      }
      case TriggerKind::kWebhook: {
        WebhookSpec w;
        w.key = Scalar(node, "key");
        if (w.key.size() > 256) Error(node.Find("key")->location, "a webhook 'key' may be at most 256 characters");
        if (const YamlNode* v = node.Find("wait")) w.wait = v->ToValue().Truthy();
        if (const YamlNode* v = node.Find("returnOutputs")) w.return_outputs = v->ToValue().Truthy();
        if (w.return_outputs && !w.wait)
          Error(node.Find("returnOutputs")->location, "'returnOutputs' needs 'wait: true'",
                "the webhook answers with the outputs only once the execution ended");
        trigger.webhook = std::move(w);
        break;
      }
      case TriggerKind::kPolling:
      case TriggerKind::kNone:
        break;
    }
  }

  Backfill ParseBackfill(const YamlNode& node) {
    host_.CheckKeys(node, {"start", "end", "inputs", "labels"}, "a backfill", {});
    Backfill b;
    if (const YamlNode* s = node.Find("start")) {
      b.start = *s;
    } else {
      Error(node.location, "a backfill needs 'start' (an ISO date-time)");
    }
    if (const YamlNode* e = node.Find("end")) b.end = *e;
    if (const YamlNode* i = node.Find("inputs")) {
      if (!i->is_map()) Error(i->location, "backfill 'inputs' must be a map");
      b.inputs = *i;
    }
    if (const YamlNode* l = node.Find("labels")) b.labels = host_.Labels(*l);
    return b;
  }

  Preconditions ParsePreconditions(const YamlNode& node) {
    host_.CheckKeys(node, {"id", "flows", "where", "timeWindow", "resetOnSuccess"}, "preconditions", {});
    Preconditions p;
    p.id = Scalar(node, "id");
    if (p.id.empty()) Error(node.location, "preconditions need an 'id' (the name their progress is kept under)");
    if (const YamlNode* flows = node.Find("flows")) {
      if (!flows->is_sequence()) {
        Error(flows->location, "preconditions 'flows' must be a list of {namespace, flowId, states, labels}");
      } else {
        for (const auto& f : flows->items) {
          if (!f.is_map()) {
            Error(f.location, "an upstream flow must be a map with namespace and flowId");
            continue;
          }
          host_.CheckKeys(f, {"namespace", "flowId", "states", "labels"}, "an upstream flow", {});
          UpstreamFlow up{.namespace_ = Scalar(f, "namespace"), .flow_id = Scalar(f, "flowId"), .location = f.location};
          if (up.namespace_.empty()) Error(f.location, "an upstream flow needs 'namespace'");
          if (const YamlNode* s = f.Find("states")) up.states = States(*s, "states");
          if (const YamlNode* l = f.Find("labels")) up.labels = host_.Labels(*l);
          p.flows.push_back(std::move(up));
        }
      }
    }
    if (const YamlNode* where = node.Find("where")) {
      ParseWhere(*where);
      p.where = *where;
    }
    if (!node.Find("flows") && !node.Find("where"))
      Error(node.location, "preconditions need 'flows' or 'where' (which upstream executions count)");
    if (const YamlNode* tw = node.Find("timeWindow")) p.time_window = ParseTimeWindow(*tw).value_or(TimeWindow{});
    if (const YamlNode* r = node.Find("resetOnSuccess")) {
      tmpl::Value v = r->ToValue();
      if (!v.is_bool()) Error(r->location, "'resetOnSuccess' must be true or false");
      p.reset_on_success = !v.is_bool() || v.AsBool();
    }
    return p;
  }

  // where: [{id, operand: AND|OR, filters: [{field, type, value | values}]}]
  void ParseWhere(const YamlNode& where) {
    if (!where.is_sequence()) {
      Error(where.location, "preconditions 'where' must be a list of {id, filters}");
      return;
    }
    static const std::vector<std::string> kFields = {"FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION"};
    for (const auto& w : where.items) {
      if (!w.is_map() || !w.Find("filters") || !w.Find("filters")->is_sequence()) {
        Error(w.location, "a 'where' entry must be a map with id and a list of filters");
        continue;
      }
      host_.CheckKeys(w, {"id", "operand", "filters"}, "a 'where' entry", {});
      if (std::string op = Scalar(w, "operand"); !op.empty() && op != "AND" && op != "OR")
        Error(w.Find("operand")->location, "'operand' must be AND or OR");
      for (const auto& f : w.Find("filters")->items) {
        if (!f.is_map()) {
          Error(f.location, "a filter must be a map with field, type and value");
          continue;
        }
        host_.CheckKeys(f, {"field", "type", "value", "values"}, "a filter", {});
        std::string field = Scalar(f, "field");
        if (!Contains(kFields, field))
          Error(f.Find("field") ? f.Find("field")->location : f.location,
                "filter 'field' must be one of " + Join(kFields), DidYouMean(field, kFields));
      }
    }
  }

  std::optional<TimeWindow> ParseTimeWindow(const YamlNode& node) {
    if (!node.is_map()) {
      Error(node.location, "'timeWindow' must be a map with type and window");
      return std::nullopt;
    }
    host_.CheckKeys(node, {"type", "window", "windowAdvance", "startTime", "endTime", "deadline"}, "a timeWindow", {});
    static const std::vector<std::string> kTypes = {"DURATION_WINDOW", "SLIDING_WINDOW", "DAILY_TIME_DEADLINE",
                                                    "DAILY_TIME_WINDOW"};
    TimeWindow w;
    std::string type = Scalar(node, "type");
    if (!type.empty()) {
      auto it = std::find(kTypes.begin(), kTypes.end(), type);
      if (it == kTypes.end()) {
        Error(node.Find("type")->location, "timeWindow 'type' must be one of " + Join(kTypes),
              DidYouMean(type, kTypes));
        return std::nullopt;
      }
      w.type = static_cast<TimeWindow::Type>(it - kTypes.begin());
    }
    for (const char* key : {"window", "windowAdvance"}) {
      if (const YamlNode* v = node.Find(key)) {
        auto d = v->is_scalar() ? ParseDuration(v->scalar) : Result<Duration>(InvalidArgument("not text"));
        if (!d.ok() || d->count() < 0) {
          Error(v->location, std::string("timeWindow '") + key + "' must be a duration like PT12H");
        } else {
          (std::string_view(key) == "window" ? w.window : w.window_advance) = *d;
        }
      }
    }
    w.start_time = Scalar(node, "startTime");
    w.end_time = Scalar(node, "endTime");
    w.deadline = Scalar(node, "deadline");
    bool daily = w.type == TimeWindow::Type::kDailyTimeDeadline || w.type == TimeWindow::Type::kDailyTimeWindow;
    if (w.type == TimeWindow::Type::kDailyTimeDeadline && w.deadline.empty())
      Error(node.location, "a DAILY_TIME_DEADLINE timeWindow needs 'deadline' (a time like 09:00:00)");
    if (w.type == TimeWindow::Type::kDailyTimeWindow && (w.start_time.empty() || w.end_time.empty()))
      Error(node.location, "a DAILY_TIME_WINDOW timeWindow needs 'startTime' and 'endTime' (times like 09:00:00)");
    if (daily && (w.window || w.window_advance))
      Error(node.location, "'window' and 'windowAdvance' apply to DURATION_WINDOW and SLIDING_WINDOW only");
    if (!daily && (!w.deadline.empty() || !w.start_time.empty() || !w.end_time.empty()))
      Error(node.location, "'deadline', 'startTime' and 'endTime' apply to DAILY_TIME_DEADLINE and DAILY_TIME_WINDOW",
            "set 'type' to one of them");
    return w;
  }

  void ParseConditionList(const YamlNode& list, TriggerKind kind, std::vector<Condition>& out) {
    if (list.is_null()) return;
    if (!list.is_sequence()) {
      Error(list.location, "'conditions' must be a list of conditions, each with a type");
      return;
    }
    for (const auto& item : list.items)
      if (auto c = ParseCondition(item, kind)) out.push_back(std::move(*c));
  }

  std::optional<Condition> ParseCondition(const YamlNode& node, TriggerKind kind) {
    if (!node.is_map() || !node.Find("type") || !node.Find("type")->is_scalar()) {
      Error(node.location, "a condition must be a map with a type");
      return std::nullopt;
    }
    const YamlNode& type = *node.Find("type");
    if (IsPublicHolidayCondition(type.scalar)) {
      Error(type.location,
            "PublicHoliday conditions cannot be evaluated: floe ships no public-holiday calendar (Kestra reads the "
            "Jollyday library's data; no holiday data package is part of floe's build)",
            "list the holidays yourself: a Not condition over DateTimeBetween ones, or an Expression on trigger.date");
      return std::nullopt;
    }
    const ConditionTypeInfo* info = FindConditionType(type.scalar);
    if (!info) {
      std::vector<std::string> names;
      for (const auto& t : ConditionTypes()) {
        names.push_back(t.name);
        names.insert(names.end(), t.aliases.begin(), t.aliases.end());
      }
      std::string hint = DidYouMean(type.scalar, names);
      std::string all;
      for (const auto& t : ConditionTypes()) all += (all.empty() ? "" : ", ") + t.name;
      Error(type.location, "unknown condition type '" + type.scalar + "'",
            hint.empty() ? "floe's conditions: " + all : hint);
      return std::nullopt;
    }
    if (NeedsUpstreamExecution(info->type) && kind != TriggerKind::kFlow && kind != TriggerKind::kNone) {
      Error(type.location,
            std::string(info->name) + " looks at the execution that ended, which only a Flow trigger has; this is a " +
                std::string(TriggerKindName(kind)) + " trigger",
            "use it under a trigger.Flow, or an Expression condition here");
      return std::nullopt;
    }
    Condition c;
    c.type = info->type;
    c.type_name = type.scalar;
    c.location = node.location;
    std::vector<std::string> known = {"type"};
    for (const auto& p : info->properties) {
      known.push_back(p.name);
      known.insert(known.end(), p.aliases.begin(), p.aliases.end());
    }
    for (const auto& e : node.entries) {
      if (e.key == "type") continue;
      const PropertySpec* spec = nullptr;
      for (const auto& p : info->properties)
        if (p.name == e.key || Contains(p.aliases, e.key)) spec = &p;
      if (!spec) {
        Error(e.key_location, "unknown property '" + e.key + "' for condition type '" + info->name + "'",
              DidYouMean(e.key, known));
        continue;
      }
      host_.CheckPropertyType(*spec, e.value);
    }
    for (const auto& p : info->properties) {
      if (p.required && !node.Find(p.name))
        Error(node.location, info->name + " condition is missing required property '" + p.name + "'");
    }
    Fill(node, kind, c);
    return c;
  }

  // The typed fields of `c` from its (already checked) properties.
  void Fill(const YamlNode& node, TriggerKind kind, Condition& c) {
    auto node_of = [&](std::string_view key) { return node.Find(key) ? *node.Find(key) : YamlNode{}; };
    if (const YamlNode* in = node.Find("in")) c.in = States(*in, "in");
    if (const YamlNode* not_in = node.Find("notIn")) c.not_in = States(*not_in, "notIn");
    c.namespace_ = Scalar(node, "namespace");
    c.flow_id = Scalar(node, "flowId");
    std::string comparison = Scalar(node, "comparison");
    if (comparison == "PREFIX" ||
        (comparison.empty() && node.Find("prefix") && node.Find("prefix")->ToValue().Truthy()))
      c.comparison = Condition::Comparison::kPrefix;
    if (comparison == "SUFFIX") c.comparison = Condition::Comparison::kSuffix;
    if (const YamlNode* labels = node.Find("labels")) c.labels = host_.Labels(*labels);
    c.expression = node_of("expression");
    c.date = node_of("date");
    c.day_of_week = Scalar(node, "dayOfWeek");
    c.day_in_month = Scalar(node, "dayInMonth");
    c.after = node_of("after");
    c.before = node_of("before");
    if (c.type == ConditionType::kDateTimeBetween || c.type == ConditionType::kTimeBetween) {
      if (!node.Find("after") && !node.Find("before"))
        Error(node.location, std::string(ConditionTypeName(c.type)) + std::string(" needs 'after', 'before' or both"));
    }
    if (c.type == ConditionType::kNot || c.type == ConditionType::kOr) {
      if (const YamlNode* list = node.Find("conditions")) ParseConditionList(*list, kind, c.conditions);
    }
    if (c.type == ConditionType::kMultipleCondition) {
      c.id = Scalar(node, "id");
      if (!c.id.empty() && !ValidId(c.id))
        Error(node.Find("id")->location, "condition id '" + c.id + "' may only hold letters, digits, '_' and '-'");
      const YamlNode* tw = node.Find("timeWindow") ? node.Find("timeWindow") : node.Find("sla");
      if (tw) {
        c.time_window = ParseTimeWindow(*tw);
      } else if (node.Find("window") || node.Find("windowAdvance")) {
        c.time_window =
            TimeWindow{.window = DurationOf(node, "window"), .window_advance = DurationOf(node, "windowAdvance")};
      }
      if (const YamlNode* r = node.Find("resetOnSuccess")) c.reset_on_success = r->ToValue().Truthy();
      if (const YamlNode* map = node.Find("conditions"); map && map->is_map()) {
        for (const auto& e : map->entries) {
          auto child = ParseCondition(e.value, kind);
          if (!child) continue;
          child->id = e.key;
          c.conditions.push_back(std::move(*child));
        }
      }
    }
  }

  const TaskRegistry& registry_;
  FlowParseHost& host_;
};

}  // namespace

void ParseTriggers(const YamlNode& list, const TaskRegistry& registry, FlowParseHost& host, Flow& flow) {
  TriggerParser(registry, host).Parse(list, flow);
}

}  // namespace floe::flow::internal
