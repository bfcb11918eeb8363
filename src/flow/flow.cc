#include "flow/flow.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/duration.h"
#include "core/strings.h"
#include "flow/internal/flow_parse_host.h"
#include "flow/retry.h"
#include "tmpl/json.h"

namespace floe::flow {
namespace {

const std::vector<std::string> kFlowKeys = {
    "id",     "namespace",   "description", "labels",       "inputs",   "variables",      "tasks",
    "errors", "finally",     "outputs",     "revision",     "disabled", "afterExecution", "pluginDefaults",
    "retry",  "concurrency", "triggers",    "taskDefaults", "sla"};
// Keys of Kestra's flow model that floe does not run yet: an error, never
// silently ignored.
const std::vector<std::string> kFlowKeysNotYet = {"listeners", "checks"};
const std::vector<std::string> kTaskKeysNotYet = {"workerGroup", "taskCache"};
const std::vector<std::string> kInputKeys = {"id",
                                             "name",
                                             "type",
                                             "description",
                                             "displayName",
                                             "required",
                                             "defaults",
                                             "values",
                                             "options",
                                             "validator",
                                             "min",
                                             "max",
                                             "itemType",
                                             "allowCustomValue",
                                             "after",
                                             "before",
                                             "extension",
                                             "allowedFileExtensions",
                                             "dependsOn",
                                             "expression",
                                             "autoSelectFirst"};
const std::vector<std::string> kOutputKeys = {"id", "type", "value", "description", "displayName", "required"};

bool ValidId(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}

class FlowParser final : public internal::FlowParseHost {
 public:
  FlowParser(const std::string& path, const TaskRegistry& registry) : path_(path), registry_(registry) {}

  FlowParse Run(std::string_view yaml) {
    FlowParse result;
    auto doc = ParseYaml(yaml, path_, FlowTemplateEnvironment(), &errors_);
    if (!doc.ok()) {
      errors_.insert(errors_.begin(), doc.status());
      result.errors = std::move(errors_);
      return result;
    }
    Flow flow;
    flow.source_path = path_;
    flow.source.assign(yaml);
    if (!doc->is_map()) {
      Error(doc->location, "a flow file must be a YAML map with id, namespace and tasks");
    } else {
      ParseTop(*doc, flow);
    }
    std::stable_sort(errors_.begin(), errors_.end(), [](const Status& a, const Status& b) {
      return std::pair(a.location().line, a.location().column) < std::pair(b.location().line, b.location().column);
    });
    result.errors = std::move(errors_);
    if (result.errors.empty()) result.flow = std::move(flow);
    return result;
  }

 private:
  void Error(const SourceLocation& where, std::string message, std::string hint = "") {
    Status s = InvalidArgument(std::move(message)).WithLocation(where);
    if (!hint.empty()) s = std::move(s).WithHint(std::move(hint));
    errors_.push_back(std::move(s));
  }

  // Reports keys not in `known` (with suggestions).
  void CheckMapKeys(const YamlNode& map, const std::vector<std::string>& known, std::string_view what,
                    const std::vector<std::string>& not_yet = {}) {
    for (const auto& e : map.entries) {
      if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
      if (std::find(not_yet.begin(), not_yet.end(), e.key) != not_yet.end()) {
        Error(e.key_location, "'" + e.key + "' is not supported by floe yet in " + std::string(what),
              "remove it; floe will not silently ignore it");
        continue;
      }
      Error(e.key_location, "unknown key '" + e.key + "' in " + std::string(what), DidYouMean(e.key, known));
    }
  }

  std::optional<std::string> Text(const YamlNode* node, std::string_view what, bool required,
                                  const SourceLocation& parent) {
    if (!node) {
      if (required) Error(parent, "missing required key '" + std::string(what) + "'");
      return std::nullopt;
    }
    if (!node->is_scalar()) {
      Error(node->location, "'" + std::string(what) + "' must be text, not " + std::string(node->KindName()));
      return std::nullopt;
    }
    return node->scalar;
  }

  void ParseTop(const YamlNode& doc, Flow& flow) {
    CheckMapKeys(doc, kFlowKeys, "a flow", kFlowKeysNotYet);
    SourceLocation top{path_, 1, 1};
    if (auto id = Text(doc.Find("id"), "id", true, top)) {
      if (!ValidId(*id))
        Error(doc.Find("id")->location, "flow id '" + *id + "' may only hold letters, digits, '_' and '-'");
      flow.id = *id;
    }
    if (auto ns = Text(doc.Find("namespace"), "namespace", true, top)) {
      flow.namespace_ = *ns;
      bool ok = !ns->empty() && std::all_of(ns->begin(), ns->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
      // Dots separate its parts; a namespace names a folder of namespace
      // files, so '.', '..' and empty parts (which would reach other
      // namespaces' files) are refused.
      bool parts_ok = !ns->starts_with('.') && !ns->ends_with('.') && ns->find("..") == std::string::npos;
      if (!ok)
        Error(doc.Find("namespace")->location,
              "namespace '" + *ns + "' may only hold letters, digits, '_', '-' and '.'");
      else if (!parts_ok)
        Error(doc.Find("namespace")->location,
              "namespace '" + *ns + "' has an empty part: dots separate names, as in 'company.team'");
    }
    if (auto d = Text(doc.Find("description"), "description", false, top)) flow.description = *d;
    if (const YamlNode* labels = doc.Find("labels")) ParseLabels(*labels, flow.labels);
    if (const YamlNode* inputs = doc.Find("inputs")) ParseInputs(*inputs, flow);
    if (const YamlNode* vars = doc.Find("variables")) {
      if (!vars->is_map() && !vars->is_null()) Error(vars->location, "'variables' must be a map");
      flow.variables = *vars;
    }
    if (const YamlNode* disabled = doc.Find("disabled")) {
      tmpl::Value v = disabled->ToValue();
      if (!v.is_bool()) Error(disabled->location, "'disabled' must be true or false");
      flow.disabled = v.is_bool() && v.AsBool();
    }
    // taskDefaults: Kestra's older name of pluginDefaults, still in real flows.
    const YamlNode* plugin_defaults = doc.Find("pluginDefaults");
    const YamlNode* task_defaults = doc.Find("taskDefaults");
    if (plugin_defaults && task_defaults)
      Error(task_defaults->location, "'taskDefaults' is the old name of 'pluginDefaults'; a flow has one of them",
            "move these entries under pluginDefaults");
    if (const YamlNode* defaults = plugin_defaults ? plugin_defaults : task_defaults) ParsePluginDefaults(*defaults);
    if (const YamlNode* revision = doc.Find("revision")) {
      tmpl::Value v = revision->ToValue();
      if (!v.is_int() || v.AsInt() < 1) {
        Error(revision->location, "'revision' must be a whole number >= 1");
      } else {
        flow.revision = static_cast<int>(v.AsInt());
      }
    }
    if (const YamlNode* retry = doc.Find("retry")) {
      auto policy = ParseRetry(*retry);
      if (policy.ok()) {
        flow.retry = *policy;
      } else {
        errors_.push_back(policy.status());
      }
    }
    if (const YamlNode* c = doc.Find("concurrency")) ParseConcurrency(*c, flow);
    if (const YamlNode* sla = doc.Find("sla")) ParseSlas(*sla, flow);
    const YamlNode* tasks = doc.Find("tasks");
    if (!tasks) {
      Error(top, "missing required key 'tasks'", "a flow needs at least one task");
    } else if (!tasks->is_sequence() || tasks->items.empty()) {
      Error(tasks->location, "'tasks' must be a non-empty list of tasks");
    } else {
      for (const auto& t : tasks->items) ParseTask(t, flow.tasks);
    }
    // Kestra's errors (run when a task fails) and finally (always run) lists.
    for (auto [key, list] : {std::pair{"errors", &flow.errors}, std::pair{"finally", &flow.finally_tasks},
                             std::pair{"afterExecution", &flow.after_execution}}) {
      const YamlNode* node = doc.Find(key);
      if (!node || node->is_null()) continue;
      if (!node->is_sequence()) {
        Error(node->location, "'" + std::string(key) + "' must be a list of tasks");
        continue;
      }
      for (const auto& t : node->items) ParseTask(t, *list);
    }
    if (const YamlNode* outputs = doc.Find("outputs")) ParseOutputs(*outputs, flow);
    if (const YamlNode* triggers = doc.Find("triggers")) ParseTriggers(*triggers, flow);
  }

  void ParseTriggers(const YamlNode& list, Flow& flow) { internal::ParseTriggers(list, registry_, *this, flow); }

  // internal::FlowParseHost, for triggers.cc.
  void AddError(const SourceLocation& where, std::string message, std::string hint) override {
    Error(where, std::move(message), std::move(hint));
  }
  void CheckKeys(const YamlNode& map, const std::vector<std::string>& known, std::string_view what,
                 const std::vector<std::string>& not_yet) override {
    CheckMapKeys(map, known, what, not_yet);
  }
  std::vector<std::pair<std::string, std::string>> Labels(const YamlNode& node) override {
    std::vector<std::pair<std::string, std::string>> out;
    ParseLabels(node, out);
    return out;
  }

  // A property of `task`'s type, checked against its schema; false (with an
  // error) when the type has no such property.
  bool CheckTypedProperty(const YamlNode::Entry& e, const TaskSpec& task,
                          const std::vector<std::string>& common) override {
    const PropertySpec* spec = task.task_type->FindProperty(e.key);
    if (!spec) {
      std::vector<std::string> known = common;
      for (const auto& p : task.task_type->properties) known.push_back(p.name);
      Error(e.key_location,
            "unknown property '" + e.key + "' for " + Kind(task) + " type '" + task.task_type->name + "'",
            DidYouMean(e.key, known));
      return false;
    }
    CheckPropertyType(*spec, e.value);
    return true;
  }

  static std::string Kind(const TaskSpec& task) { return task.task_type->is_trigger() ? "trigger" : "task"; }

  void CheckRequiredProperties(const YamlNode& node, const TaskSpec& task) override {
    for (const auto& spec : task.task_type->properties) {
      if (!spec.required) continue;
      bool present = node.Find(spec.name) != nullptr;
      for (const auto& a : spec.aliases) present = present || node.Find(a) != nullptr;
      if (!present)
        Error(node.location, Kind(task) + " '" + task.id + "' (" + task.task_type->name +
                                 ") is missing required property '" + spec.name + "'");
    }
  }

  void ParseSlas(const YamlNode& node, Flow& flow) {
    if (!node.is_sequence()) {
      Error(node.location, "'sla' must be a list of {id, type, behavior, ...}");
      return;
    }
    for (const auto& item : node.items) {
      if (!item.is_map()) {
        Error(item.location, "an sla must be a map with id, type and behavior");
        continue;
      }
      CheckMapKeys(item, {"id", "type", "behavior", "duration", "assert", "labels"}, "an sla");
      Sla sla;
      auto id = Text(item.Find("id"), "id", true, item.location);
      if (!id) continue;
      sla.id = *id;
      for (const auto& other : flow.slas)
        if (other.id == sla.id) Error(item.Find("id")->location, "sla id '" + sla.id + "' is used twice");
      const YamlNode* type = item.Find("type");
      std::string t = type && type->is_scalar() ? type->scalar : "";
      const YamlNode* behavior = item.Find("behavior");
      std::string b = behavior && behavior->is_scalar() ? behavior->scalar : "";
      if (b == "FAIL") {
        sla.behavior = Sla::Behavior::kFail;
      } else if (b == "CANCEL") {
        sla.behavior = Sla::Behavior::kCancel;
      } else if (b == "NONE") {
        sla.behavior = Sla::Behavior::kNone;
      } else {
        Error(behavior ? behavior->location : item.location,
              "sla '" + sla.id + "': 'behavior' must be FAIL, CANCEL or NONE");
        continue;
      }
      if (t == "MAX_DURATION") {
        sla.type = Sla::Type::kMaxDuration;
        const YamlNode* d = item.Find("duration");
        auto parsed = d && d->is_scalar() ? ParseDuration(d->scalar) : Result<Duration>(InvalidArgument("missing"));
        if (!parsed.ok() || parsed->count() <= 0) {
          Error(d ? d->location : item.location,
                "sla '" + sla.id + "': MAX_DURATION needs a positive 'duration' like PT1H");
          continue;
        }
        sla.duration = *parsed;
      } else if (t == "EXECUTION_ASSERTION") {
        sla.type = Sla::Type::kExecutionAssertion;
        const YamlNode* a = item.Find("assert");
        if (!a || !a->is_scalar() || a->scalar.empty()) {
          Error(a ? a->location : item.location,
                "sla '" + sla.id + "': EXECUTION_ASSERTION needs an 'assert' condition");
          continue;
        }
        sla.assertion = *a;
      } else {
        Error(type ? type->location : item.location,
              "sla '" + sla.id + "': 'type' must be MAX_DURATION or EXECUTION_ASSERTION");
        continue;
      }
      if (const YamlNode* labels = item.Find("labels")) {
        ParseLabels(*labels, sla.labels);
        for (const auto& [k, v] : sla.labels)
          if (k.starts_with("system."))
            Error(labels->location, "sla '" + sla.id + "': label '" + k + "' is reserved (system.*)");
      }
      flow.slas.push_back(std::move(sla));
    }
  }

  void ParseConcurrency(const YamlNode& node, Flow& flow) {
    if (!node.is_map()) {
      Error(node.location, "'concurrency' must be a map with limit and behavior");
      return;
    }
    CheckMapKeys(node, {"limit", "behavior"}, "concurrency");
    Concurrency c;
    const YamlNode* limit = node.Find("limit");
    tmpl::Value v = limit ? limit->ToValue() : tmpl::Value();
    if (!v.is_int() || v.AsInt() < 1) {
      Error(limit ? limit->location : node.location, "concurrency 'limit' must be a whole number >= 1");
      return;
    }
    c.limit = static_cast<int>(v.AsInt());
    if (const YamlNode* b = node.Find("behavior")) {
      if (b->scalar == "QUEUE") {
        c.behavior = Concurrency::Behavior::kQueue;
      } else if (b->scalar == "CANCEL") {
        c.behavior = Concurrency::Behavior::kCancel;
      } else if (b->scalar == "FAIL") {
        c.behavior = Concurrency::Behavior::kFail;
      } else {
        Error(b->location, "concurrency 'behavior' must be QUEUE, CANCEL or FAIL");
        return;
      }
    }
    flow.concurrency = c;
  }

  // Kestra's pluginDefaults: [{type, values, forced}]. `type` names a task
  // type (any of its names) or a prefix of names ("io.kestra.plugin.scripts").
  void ParsePluginDefaults(const YamlNode& node) {
    if (!node.is_sequence()) {
      Error(node.location, "'pluginDefaults' must be a list of {type, values, forced}");
      return;
    }
    for (const auto& item : node.items) {
      const YamlNode* type = item.Find("type");
      const YamlNode* values = item.Find("values");
      if (!item.is_map() || !type || !type->is_scalar() || !values || !values->is_map()) {
        Error(item.location, "a plugin default needs 'type' and a 'values' map");
        continue;
      }
      CheckMapKeys(item, {"type", "values", "forced"}, "a plugin default");
      bool forced = item.Find("forced") && item.Find("forced")->ToValue().Truthy();
      plugin_defaults_.push_back({type->scalar, values, forced});
    }
  }

  bool DefaultApplies(const std::string& default_type, const std::string& written, const TaskType* resolved) const {
    if (written == default_type || written.starts_with(default_type + ".")) return true;
    const TaskType* target = registry_.Find(default_type);
    return target && target == resolved;
  }

  // The task as written with its plugin defaults merged in: missing keys are
  // added; forced ones replace what the task says.
  YamlNode WithDefaults(const YamlNode& node) override {
    const YamlNode* type = node.Find("type");
    if (plugin_defaults_.empty() || !type || !type->is_scalar()) return node;
    const TaskType* resolved = registry_.Find(type->scalar);
    YamlNode merged = node;
    for (const auto& d : plugin_defaults_) {
      if (!DefaultApplies(d.type, type->scalar, resolved)) continue;
      for (const auto& e : d.values->entries) {
        auto it = std::find_if(merged.entries.begin(), merged.entries.end(),
                               [&](const YamlNode::Entry& m) { return m.key == e.key; });
        if (it == merged.entries.end()) {
          merged.entries.push_back(e);
        } else if (d.forced) {
          *it = e;
        }
      }
    }
    return merged;
  }

  void ParseLabels(const YamlNode& labels, std::vector<std::pair<std::string, std::string>>& out) {
    if (labels.is_map()) {
      for (const auto& e : labels.entries) {
        if (!e.value.is_scalar()) {
          Error(e.value.location, "label '" + e.key + "' must be text");
          continue;
        }
        out.emplace_back(e.key, e.value.scalar);
      }
    } else if (labels.is_sequence()) {
      for (const auto& item : labels.items) {
        const YamlNode* k = item.Find("key");
        const YamlNode* v = item.Find("value");
        if (!item.is_map() || !k || !v || !k->is_scalar() || !v->is_scalar()) {
          Error(item.location, "a label in a list must be a map with 'key' and 'value'");
          continue;
        }
        out.emplace_back(k->scalar, v->scalar);
      }
    } else {
      Error(labels.location, "'labels' must be a map or a list of {key, value}");
    }
  }

  void ParseInputs(const YamlNode& inputs, Flow& flow) {
    if (!inputs.is_sequence()) {
      Error(inputs.location, "'inputs' must be a list");
      return;
    }
    std::set<std::string> ids;
    for (const auto& node : inputs.items) {
      if (!node.is_map()) {
        Error(node.location, "an input must be a map with id and type");
        continue;
      }
      CheckMapKeys(node, kInputKeys, "an input");
      Input in;
      in.location = node.location;
      const YamlNode* id = node.Find("id") ? node.Find("id") : node.Find("name");
      if (auto s = Text(id, "id", true, node.location)) in.id = *s;
      if (!in.id.empty() && !ids.insert(in.id).second) Error(id->location, "duplicate input id '" + in.id + "'");
      if (auto type = Text(node.Find("type"), "type", true, node.location)) {
        std::optional<InputType> t = ParseInputType(*type);
        if (t) {
          in.type = *t;
        } else {
          Error(node.Find("type")->location, "unknown input type '" + *type + "'", DidYouMean(*type, InputTypeNames()));
        }
      }
      if (auto d = Text(node.Find("description"), "description", false, node.location)) in.description = *d;
      if (auto d = Text(node.Find("displayName"), "displayName", false, node.location)) in.display_name = *d;
      if (const YamlNode* req = node.Find("required")) {
        tmpl::Value v = req->ToValue();
        if (!v.is_bool())
          Error(req->location, "'required' must be true or false");
        else
          in.required = v.AsBool();
      }
      if (const YamlNode* def = node.Find("defaults")) in.defaults = def->ToValue();
      if (const YamlNode* item = node.Find("itemType")) {
        auto t = item->is_scalar() ? ParseInputType(item->scalar) : std::nullopt;
        if (!t || *t == InputType::kArray || *t == InputType::kMultiselect || *t == InputType::kFile) {
          Error(item->location, "'itemType' must be a simple input type like STRING or INT");
        } else {
          in.item_type = *t;
        }
      }
      if (const YamlNode* custom = node.Find("allowCustomValue")) in.allow_custom_value = custom->ToValue().Truthy();
      // Kestra's older MULTISELECT spelled its choices `options`.
      const YamlNode* values = node.Find("values") ? node.Find("values") : node.Find("options");
      if (values) {
        if (!values->is_sequence()) {
          Error(values->location, "'values' must be a list of choices");
        } else {
          for (const auto& v : values->items) in.values.push_back(v.scalar);
        }
      }
      bool choices = in.type == InputType::kSelect || in.type == InputType::kMultiselect;
      if (const YamlNode* expression = node.Find("expression")) {
        if (!choices) {
          Error(expression->location, "'expression' gives the choices of a SELECT or MULTISELECT input");
        } else if (values) {
          Error(expression->location, "give either 'values' or 'expression', not both");
        } else if (!expression->is_scalar() || !expression->tmpl) {
          Error(expression->location, "'expression' must be a template, like \"{{ kv('choices') }}\"");
        } else {
          in.values_expression = *expression;
        }
      }
      if (const YamlNode* first = node.Find("autoSelectFirst")) {
        if (!choices) Error(first->location, "'autoSelectFirst' applies to SELECT and MULTISELECT inputs");
        in.auto_select_first = first->ToValue().Truthy();
      }
      if (choices && in.values.empty() && !in.values_expression)
        Error(node.location, "a " + std::string(InputTypeName(in.type)) + " input needs 'values' or 'expression'");
      if (in.type == InputType::kArray && !in.item_type) Error(node.location, "an ARRAY input needs 'itemType'");
      if (auto v = Text(node.Find("validator"), "validator", false, node.location)) {
        in.validator = *v;
        // Kestra rejects a flow whose validator does not compile.
        try {
          std::regex compiled(*v);
        } catch (const std::regex_error& e) {
          Error(node.Find("validator")->location,
                "input '" + in.id + "': validator '" + *v + "' is not a valid regular expression (" + e.what() + ")");
        }
        if (in.type != InputType::kString && in.type != InputType::kSecret)
          Error(node.Find("validator")->location,
                "input '" + in.id + "': a validator applies to STRING and SECRET inputs");
      }
      for (const char* bound : {"min", "max"}) {
        if (const YamlNode* b = node.Find(bound)) {
          tmpl::Value v = b->ToValue();
          bool is_min = std::string_view(bound) == "min";
          if (in.type == InputType::kDuration) {
            auto d = v.is_string() ? ParseDuration(v.AsString()) : Result<Duration>(InvalidArgument("not text"));
            if (!d.ok())
              Error(b->location, std::string("'") + bound + "' of a DURATION input must be an ISO duration like PT1H");
            else
              (is_min ? in.min_duration : in.max_duration) = *d;
          } else if (!v.is_number()) {
            Error(b->location, std::string("'") + bound + "' must be a number");
          } else {
            (is_min ? in.min : in.max) = v.AsDouble();
          }
        }
      }
      for (const char* bound : {"after", "before"}) {
        const YamlNode* b = node.Find(bound);
        if (!b) continue;
        bool dated = in.type == InputType::kDate || in.type == InputType::kDateTime || in.type == InputType::kTime;
        if (!dated || !b->is_scalar()) {
          Error(b->location, std::string("'") + bound +
                                 "' applies to DATE, DATETIME and TIME inputs, as a value of "
                                 "their type");
          continue;
        }
        Input probe{.id = in.id, .type = in.type};
        std::map<std::string, tmpl::Value> given{{in.id, tmpl::Value(b->scalar)}};
        Flow f;
        f.inputs.push_back(probe);
        if (auto r = ResolveInputs(f, given); !r.ok()) {
          Error(b->location, std::string("'") + bound + "': " + r.status().message());
          continue;
        }
        (std::string_view(bound) == "after" ? in.after : in.before) = b->scalar;
      }
      for (const char* key : {"extension", "allowedFileExtensions"}) {
        const YamlNode* ext = node.Find(key);
        if (!ext) continue;
        if (in.type != InputType::kFile) {
          Error(ext->location, std::string("'") + key + "' applies to FILE inputs");
          continue;
        }
        if (ext->is_scalar()) {
          in.extensions.push_back(ext->scalar);
        } else if (ext->is_sequence()) {
          for (const auto& item : ext->items) in.extensions.push_back(item.scalar);
        } else {
          Error(ext->location, std::string("'") + key + "' must be an extension like .csv, or a list of them");
        }
      }
      if (const YamlNode* dep = node.Find("dependsOn")) {
        if (!dep->is_map()) {
          Error(dep->location, "'dependsOn' must be a map with inputs and condition");
        } else {
          if (const YamlNode* needed = dep->Find("inputs"); needed && needed->is_sequence()) {
            for (const auto& needed_id : needed->items) {
              bool earlier = false;
              for (const auto& prior : flow.inputs) earlier = earlier || prior.id == needed_id.scalar;
              if (!earlier)
                Error(needed_id.location,
                      "input '" + in.id + "' depends on '" + needed_id.scalar + "', which is not declared before it");
              in.depends_on.push_back(needed_id.scalar);
            }
          }
          if (const YamlNode* condition = dep->Find("condition")) in.depends_on_condition = *condition;
          for (const auto& e : dep->entries)
            if (e.key != "inputs" && e.key != "condition")
              Error(e.value.location, "unknown key '" + e.key + "' in dependsOn (inputs, condition)");
        }
      }
      if (in.defaults) {
        // Defaults must satisfy the input's own rules; check them now.
        Flow probe;
        probe.inputs.push_back(in);
        std::map<std::string, tmpl::Value> given{{in.id, *in.defaults}};
        auto r = ResolveInputs(probe, given);
        if (!r.ok()) Error(node.Find("defaults")->location, "default does not fit the input: " + r.status().message());
      }
      flow.inputs.push_back(std::move(in));
    }
  }

  void ParseTask(const YamlNode& written, std::vector<TaskSpec>& tasks) {
    if (!written.is_map()) {
      Error(written.location, "a task must be a map with id and type");
      return;
    }
    const YamlNode node = WithDefaults(written);
    TaskSpec task;
    task.location = node.location;
    if (auto id = Text(node.Find("id"), "id", true, node.location)) {
      task.id = *id;
      if (!ValidId(*id)) {
        Error(node.Find("id")->location, "task id '" + *id + "' may only hold letters, digits, '_' and '-'");
      } else if (!task_ids_.insert(*id).second) {
        Error(node.Find("id")->location, "duplicate task id '" + *id + "'", "task ids must be unique within a flow");
      }
    }
    if (auto d = Text(node.Find("description"), "description", false, node.location)) task.description = *d;
    if (const YamlNode* disabled = node.Find("disabled")) task.disabled = disabled->ToValue().Truthy();
    if (const YamlNode* allow = node.Find("allowFailure")) {
      tmpl::Value v = allow->ToValue();
      if (!v.is_bool()) Error(allow->location, "'allowFailure' must be true or false");
      task.allow_failure = v.is_bool() && v.AsBool();
    }
    if (const YamlNode* allow = node.Find("allowWarning")) {
      tmpl::Value v = allow->ToValue();
      if (!v.is_bool()) Error(allow->location, "'allowWarning' must be true or false");
      task.allow_warning = v.is_bool() && v.AsBool();
    }
    if (const YamlNode* to_file = node.Find("logToFile")) {
      tmpl::Value v = to_file->ToValue();
      if (!v.is_bool()) Error(to_file->location, "'logToFile' must be true or false");
      task.log_to_file = v.is_bool() && v.AsBool();
    }
    if (const YamlNode* level = node.Find("logLevel")) {
      task.log_level = level->is_scalar() ? ParseLogLevel(level->scalar) : std::nullopt;
      if (!task.log_level) Error(level->location, "'logLevel' must be TRACE, DEBUG, INFO, WARN or ERROR");
    }
    if (const YamlNode* timeout = node.Find("timeout")) {
      auto d = ParseDuration(timeout->scalar);
      if (!timeout->is_scalar() || !d.ok() || d->count() <= 0) {
        Error(timeout->location, "'timeout' must be a positive duration like PT10M");
      } else {
        task.timeout = *d;
      }
    }
    if (const YamlNode* retry = node.Find("retry")) {
      auto policy = ParseRetry(*retry);
      if (policy.ok()) {
        task.retry = *policy;
      } else {
        errors_.push_back(policy.status());
      }
    }
    if (const YamlNode* run_if = node.Find("runIf")) {
      if (!run_if->is_scalar()) Error(run_if->location, "'runIf' must be a condition, like \"{{ inputs.enabled }}\"");
      task.run_if = *run_if;
    }
    auto type = Text(node.Find("type"), "type", true, node.location);
    if (type) {
      task.type = *type;
      task.task_type = registry_.Find(*type);
      if (task.task_type && task.task_type->is_trigger()) {
        Error(node.Find("type")->location, "'" + *type + "' is a trigger, not a task", "move it under 'triggers'");
        task.task_type = nullptr;
      } else if (!task.task_type) {
        std::string hint = DidYouMean(*type, registry_.AllNames());
        Error(node.Find("type")->location, "unknown task type '" + *type + "'",
              hint.empty() ? "run 'floe schema' to list task types" : hint);
      }
    }
    task.properties.kind = YamlNode::Kind::kMap;
    task.properties.location = node.location;
    const auto& common = CommonTaskKeys();
    for (const auto& e : node.entries) {
      if (std::find(common.begin(), common.end(), e.key) != common.end()) continue;
      if (std::find(kTaskKeysNotYet.begin(), kTaskKeysNotYet.end(), e.key) != kTaskKeysNotYet.end()) {
        Error(e.key_location, "'" + e.key + "' is not supported by floe yet on tasks",
              "remove it; floe will not silently ignore it");
        continue;
      }
      if (task.task_type) {
        const PropertySpec* spec = task.task_type->FindProperty(e.key);
        if (spec && ParseBranches(*spec, e, task)) continue;
        if (!CheckTypedProperty(e, task, common)) continue;
      }
      task.properties.entries.push_back(e);
    }
    if (task.task_type) CheckRequiredProperties(node, task);
    tasks.push_back(std::move(task));
  }

  // Child task lists of flowable tasks become the task's branches; returns
  // false for ordinary properties.
  bool ParseBranches(const PropertySpec& spec, const YamlNode::Entry& e, TaskSpec& task) {
    switch (spec.type) {
      case PropertyType::kTasks: {
        if (e.value.is_null() && !spec.required) return true;  // `defaults: null`: an optional list left empty
        if (!e.value.is_sequence()) {
          Error(e.value.location, "'" + e.key + "' must be a list of tasks");
          return true;
        }
        TaskBranch branch{.name = spec.name};
        for (const auto& t : e.value.items) ParseTask(t, branch.tasks);
        task.branches.push_back(std::move(branch));
        return true;
      }
      case PropertyType::kTaskCases: {
        if (!e.value.is_map()) {
          Error(e.value.location, "'" + e.key + "' must be a map from a value to a list of tasks");
          return true;
        }
        for (const auto& c : e.value.entries) {
          if (!c.value.is_sequence()) {
            Error(c.value.location, "case '" + c.key + "' must be a list of tasks");
            continue;
          }
          TaskBranch branch{.name = "case:" + c.key};
          for (const auto& t : c.value.items) ParseTask(t, branch.tasks);
          task.branches.push_back(std::move(branch));
        }
        return true;
      }
      case PropertyType::kDagTasks:
        ParseDag(e, task);
        return true;
      default:
        return false;
    }
  }

  // Dag tasks: [{task: {...}, dependsOn: [ids]}]. Dependencies must name
  // siblings, and must not form a cycle (the cycle is named).
  void ParseDag(const YamlNode::Entry& e, TaskSpec& task) {
    if (!e.value.is_sequence()) {
      Error(e.value.location, "'tasks' of a Dag must be a list of {task, dependsOn}");
      return;
    }
    TaskBranch branch{.name = "tasks"};
    std::vector<SourceLocation> where;
    for (const auto& item : e.value.items) {
      const YamlNode* child = item.Find("task");
      if (!item.is_map() || !child) {
        Error(item.location, "a Dag entry must be a map with 'task' (and optional 'dependsOn')");
        continue;
      }
      CheckMapKeys(item, {"task", "dependsOn"}, "a Dag entry");
      size_t before = branch.tasks.size();
      ParseTask(*child, branch.tasks);
      if (branch.tasks.size() == before) continue;
      where.push_back(item.location);
      if (const YamlNode* deps = item.Find("dependsOn")) {
        if (!deps->is_sequence()) {
          Error(deps->location, "'dependsOn' must be a list of task ids");
        } else {
          for (const auto& d : deps->items) branch.tasks.back().depends_on.push_back(d.scalar);
        }
      }
    }
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < branch.tasks.size(); ++i) index[branch.tasks[i].id] = i;
    bool deps_ok = true;
    for (size_t i = 0; i < branch.tasks.size(); ++i) {
      for (const auto& d : branch.tasks[i].depends_on) {
        if (!index.count(d)) {
          std::vector<std::string> ids;
          for (const auto& [id, _] : index) ids.push_back(id);
          Error(where[i], "task '" + branch.tasks[i].id + "' depends on '" + d + "', which is not a task of this Dag",
                DidYouMean(d, ids));
          deps_ok = false;
        }
      }
    }
    if (deps_ok) {
      // Depth-first search; a back edge closes a cycle, named from its start.
      std::vector<int> mark(branch.tasks.size(), 0);  // 0 new, 1 on the path, 2 done
      std::vector<size_t> path;
      std::function<bool(size_t)> visit = [&](size_t i) {
        mark[i] = 1;
        path.push_back(i);
        for (const auto& d : branch.tasks[i].depends_on) {
          size_t j = index[d];
          if (mark[j] == 1) {
            std::string cycle;
            auto start = std::find(path.begin(), path.end(), j);
            for (auto it = start; it != path.end(); ++it) cycle += branch.tasks[*it].id + " -> ";
            Error(where[j], "the Dag '" + task.id + "' has a cycle: " + cycle + branch.tasks[j].id,
                  "each task must depend only on tasks that do not depend on it");
            return true;
          }
          if (mark[j] == 0 && visit(j)) return true;
        }
        path.pop_back();
        mark[i] = 2;
        return false;
      };
      for (size_t i = 0; i < branch.tasks.size(); ++i)
        if (mark[i] == 0 && visit(i)) break;
    }
    task.branches.push_back(std::move(branch));
  }

  // Static type check of a property as written; templated values are checked
  // when rendered.
  void CheckPropertyType(const PropertySpec& spec, const YamlNode& value) override {
    if (value.tmpl || value.is_null()) return;
    tmpl::Value v = value.ToValue();
    auto wrong = [&](std::string_view expected) {
      Error(value.location, "property '" + spec.name + "' must be " + std::string(expected) + ", not " +
                                std::string(v.TypeName()) + (v.is_string() ? " '" + v.AsString() + "'" : ""));
    };
    switch (spec.type) {
      case PropertyType::kString:
        if (value.is_sequence() || value.is_map()) wrong("text");
        break;
      case PropertyType::kInt:
        if (!v.is_int()) wrong("an integer");
        break;
      case PropertyType::kNumber:
        if (!v.is_number()) wrong("a number");
        break;
      case PropertyType::kBool:
        if (!v.is_bool()) wrong("true or false");
        break;
      case PropertyType::kEnum:
        if (!v.is_string() ||
            std::find(spec.enum_values.begin(), spec.enum_values.end(), v.AsString()) == spec.enum_values.end()) {
          std::string choices;
          for (const auto& c : spec.enum_values) choices += (choices.empty() ? "" : ", ") + c;
          Error(value.location, "property '" + spec.name + "' must be one of " + choices,
                v.is_string() ? DidYouMean(v.AsString(), spec.enum_values) : "");
        }
        break;
      case PropertyType::kList:
        if (!value.is_sequence()) wrong("a list");
        break;
      case PropertyType::kMap:
        if (!value.is_map()) wrong("a map");
        break;
      case PropertyType::kDuration: {
        if (!v.is_string()) {
          wrong("an ISO-8601 duration such as PT30S");
          break;
        }
        Result<Duration> d = ParseDuration(v.AsString());
        if (!d.ok()) {
          Error(value.location, "property '" + spec.name + "': " + std::string(d.status().message()));
        } else if (d->count() < 0) {
          Error(value.location, "property '" + spec.name + "' must not be negative, not " + v.AsString());
        }
        break;
      }
      case PropertyType::kValues:
        if (v.is_string()) {
          Result<tmpl::Value> parsed = tmpl::ParseJson(v.AsString());
          if (!parsed.ok() || !(parsed->is_list() || parsed->is_map()))
            Error(value.location, "property '" + spec.name + "' must be a list, a map, or JSON text of one");
        } else if (!value.is_sequence() && !value.is_map()) {
          wrong("a list, a map, or JSON text of one");
        }
        break;
      case PropertyType::kAny:
      case PropertyType::kTasks:
      case PropertyType::kTaskCases:
      case PropertyType::kDagTasks:
        break;
    }
  }

  void ParseOutputs(const YamlNode& outputs, Flow& flow) {
    if (!outputs.is_sequence()) {
      Error(outputs.location, "'outputs' must be a list of {id, type, value}");
      return;
    }
    std::set<std::string> ids;
    for (const auto& node : outputs.items) {
      if (!node.is_map()) {
        Error(node.location, "a flow output must be a map with id, type and value");
        continue;
      }
      CheckMapKeys(node, kOutputKeys, "a flow output");
      FlowOutput out;
      out.location = node.location;
      if (auto id = Text(node.Find("id"), "id", true, node.location)) {
        out.id = *id;
        if (!ids.insert(*id).second) Error(node.Find("id")->location, "duplicate output id '" + *id + "'");
      }
      if (auto t = Text(node.Find("type"), "type", false, node.location)) {
        out.type = *t;
        if (!ParseInputType(*t))
          Error(node.Find("type")->location, "flow output '" + out.id + "': unknown type '" + *t +
                                                 "' (STRING, INT, FLOAT, BOOLEAN, DATE, DATETIME, JSON, ...)");
      }
      if (auto d = Text(node.Find("description"), "description", false, node.location)) out.description = *d;
      if (const YamlNode* v = node.Find("value")) {
        out.value = *v;
      } else {
        Error(node.location, "flow output '" + out.id + "' is missing 'value'");
      }
      flow.outputs.push_back(std::move(out));
    }
  }

  struct PluginDefault {
    std::string type;
    const YamlNode* values;  // points into the parsed document, alive while parsing
    bool forced;
  };

  const std::string& path_;
  const TaskRegistry& registry_;
  std::vector<PluginDefault> plugin_defaults_;
  std::vector<Status> errors_;
  std::set<std::string> task_ids_;
};

}  // namespace

const std::vector<TaskSpec>* TaskSpec::Branch(std::string_view name) const {
  for (const auto& b : branches)
    if (b.name == name) return &b.tasks;
  return nullptr;
}

namespace {
const TaskSpec* FindIn(const std::vector<TaskSpec>& tasks, std::string_view id) {
  for (const auto& t : tasks) {
    if (t.id == id) return &t;
    for (const auto& b : t.branches)
      if (const TaskSpec* found = FindIn(b.tasks, id)) return found;
  }
  return nullptr;
}
}  // namespace

const TaskSpec* FindTask(const Flow& flow, std::string_view id) {
  for (const auto* list : {&flow.tasks, &flow.errors, &flow.finally_tasks})
    if (const TaskSpec* found = FindIn(*list, id)) return found;
  return nullptr;
}

namespace {
// Input types by name; the first spelling of each type is the canonical one.
const std::vector<std::pair<std::string, InputType>>& InputTypeTable() {
  static const std::vector<std::pair<std::string, InputType>> table = {
      {"STRING", InputType::kString},   {"INT", InputType::kInt},           {"FLOAT", InputType::kFloat},
      {"BOOLEAN", InputType::kBoolean}, {"BOOL", InputType::kBoolean},      {"DATE", InputType::kDate},
      {"TIME", InputType::kTime},       {"DATETIME", InputType::kDateTime}, {"DURATION", InputType::kDuration},
      {"JSON", InputType::kJson},       {"YAML", InputType::kYaml},         {"URI", InputType::kUri},
      {"EMAIL", InputType::kEmail},     {"SECRET", InputType::kSecret},     {"FILE", InputType::kFile},
      {"SELECT", InputType::kSelect},   {"ENUM", InputType::kSelect},       {"MULTISELECT", InputType::kMultiselect},
      {"ARRAY", InputType::kArray},
  };
  return table;
}
}  // namespace

std::optional<InputType> ParseInputType(std::string_view t) {
  for (const auto& [name, type] : InputTypeTable())
    if (name == t) return type;
  return std::nullopt;
}

const std::vector<std::string>& InputTypeNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, type] : InputTypeTable()) out.push_back(name);
    return out;
  }();
  return names;
}

std::string_view InputTypeName(InputType type) {
  for (const auto& [name, t] : InputTypeTable())
    if (t == type) return name;
  return "STRING";
}

namespace {
tmpl::Environment& MutableFlowTemplateEnvironment() {
  static tmpl::Environment env = tmpl::Environment::Standard(tmpl::Dialect::kPebble);
  return env;
}
}  // namespace

const tmpl::Environment& FlowTemplateEnvironment() { return MutableFlowTemplateEnvironment(); }

void SetFlowTemplateLimits(const tmpl::Limits& limits) { MutableFlowTemplateEnvironment().limits = limits; }

FlowParse ParseFlow(std::string_view yaml, const std::string& path, const TaskRegistry& registry) {
  FlowParser parser(path, registry);
  return parser.Run(yaml);
}

Status CombineErrors(const std::vector<Status>& errors) {
  if (errors.empty()) return Status::Ok();
  if (errors.size() == 1) return errors[0];
  std::string message = std::to_string(errors.size()) + " errors:";
  for (const auto& e : errors) message += "\n  " + e.ToString();
  return InvalidArgument(message);
}

Result<std::string> ReadFlowFile(const std::filesystem::path& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return NotFound("no flow file '" + path.string() + "'");
  if (std::filesystem::is_directory(status)) {
    return InvalidArgument("'" + path.string() + "' is a folder, not a flow file")
        .WithHint("name a .yml file; `floe flows` lists the flows of a flows folder");
  }
  if (!std::filesystem::is_regular_file(status))
    return InvalidArgument("'" + path.string() + "' is not a regular file");
  uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxYamlBytes) {
    return InvalidArgument("flow file '" + path.string() + "' is " + std::to_string(size) +
                           " bytes, more than the limit of " + std::to_string(kMaxYamlBytes >> 20) + " MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read flow file '" + path.string() + "': " + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Internal("error reading flow file '" + path.string() + "'");
  return buffer.str();
}

Result<Flow> LoadFlowFile(const std::filesystem::path& path, const TaskRegistry& registry) {
  ASSIGN_OR_RETURN(std::string text, ReadFlowFile(path));
  FlowParse parse = ParseFlow(text, path.string(), registry);
  if (!parse.errors.empty()) return CombineErrors(parse.errors);
  return std::move(*parse.flow);
}

}  // namespace floe::flow
