#include <cctype>

#include "exec/execution_lock.h"
#include "exec/running_execution.h"
#include "tmpl/json.h"

extern char** environ;

namespace floe::exec {

using state::State;

// The execution's template context: inputs (stored, sealed, opened),
// labels, outputs as tasks end, and the variables each task run sees.

// FILE inputs are copied into the execution's storage, so the execution does
// not depend on the original file staying put.
Result<tmpl::Value> RunningExecution::StoreFileInputs(const tmpl::Value& inputs) {
  tmpl::ValueMap out;
  for (const auto& [name, value] : inputs.AsMap()) {
    const flow::Input* decl = nullptr;
    for (const auto& in : flow_.inputs)
      if (in.id == name) decl = &in;
    if (!decl || decl->type != flow::InputType::kFile || !value.is_string() ||
        storage::InternalStorage::IsStorageUri(value.AsString())) {
      out.Set(name, value);
      continue;
    }
    std::string given = value.AsString();
    if (given.starts_with("file://")) given = given.substr(7);
    std::filesystem::path path(given);
    // A default written in the flow is relative to the flow file.
    bool from_default = decl->defaults && decl->defaults->is_string() && decl->defaults->AsString() == value.AsString();
    if (path.is_relative() && from_default && !flow_.source_path.empty())
      path = std::filesystem::path(flow_.source_path).parent_path() / path;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      return NotFound("input '" + name + "' (FILE): no file at '" + path.string() + "'");
    ASSIGN_OR_RETURN(std::string uri,
                     env_.storage.Put(path, StoragePrefix() + "/inputs/" + name + "/" + path.filename().string()));
    out.Set(name, tmpl::Value(uri));
  }
  return tmpl::Value(std::move(out));
}

Result<tmpl::Value> RunningExecution::SealInputs(const tmpl::Value& inputs) const {
  tmpl::ValueMap out;
  for (const auto& [name, value] : inputs.AsMap()) {
    const flow::Input* decl = nullptr;
    for (const auto& in : flow_.inputs)
      if (in.id == name) decl = &in;
    bool secret = decl && decl->type == flow::InputType::kSecret;
    // A text that merely looks sealed is sealed too, so it reads back as given.
    if (!value.is_string() || !(secret || mask_.Holds(value.AsString()) || SecretCipher::IsSealed(value.AsString()))) {
      out.Set(name, value);
      continue;
    }
    auto sealed = env_.cipher.Seal(value.AsString(), "input:" + name);
    if (!sealed.ok()) return Status(sealed.status()).WithContext("input '" + name + "': cannot store it encrypted");
    out.Set(name, tmpl::Value(*sealed));
  }
  return tmpl::Value(std::move(out));
}

Result<tmpl::Value> RunningExecution::OpenInputs(const tmpl::Value& stored) const {
  if (!stored.is_map()) return stored;
  tmpl::ValueMap out;
  for (const auto& [name, value] : stored.AsMap()) {
    if (!value.is_string() || !SecretCipher::IsSealed(value.AsString())) {
      out.Set(name, value);
      continue;
    }
    auto opened = env_.cipher.Open(value.AsString(), "input:" + name);
    if (!opened.ok())
      return Status(opened.status()).WithContext("execution " + execution_.id + " input '" + name + "'");
    out.Set(name, tmpl::Value(*opened));
  }
  return tmpl::Value(std::move(out));
}

tmpl::Value RunningExecution::MaskValues(const tmpl::Value& map) const {
  if (!map.is_map()) return map;
  tmpl::ValueMap out;
  for (const auto& [k, v] : map.AsMap()) out.Set(k, v.is_string() ? tmpl::Value(mask_.Mask(v.AsString())) : v);
  return tmpl::Value(std::move(out));
}

namespace {

// A replay's Iceberg pins (Execution::pins_json); null when there are none.
tmpl::Value ParsedPins(const std::string& json) {
  if (json.empty()) return tmpl::Value();
  auto parsed = tmpl::ParseJson(json);
  return parsed.ok() ? *parsed : tmpl::Value();
}

// Kestra shows labels to templates nested at their dots, so
// "system.correlationId" reads as {{ labels.system.correlationId }}.
tmpl::Value NestedLabels(const tmpl::Value& flat) {
  tmpl::ValueMap out;
  if (!flat.is_map()) return tmpl::Value(std::move(out));
  for (const auto& [key, value] : flat.AsMap()) {
    tmpl::ValueMap* level = &out;
    size_t start = 0;
    for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
      std::string part = key.substr(start, dot - start);
      tmpl::Value* next = level->Find(part);
      if (!next || !next->is_map()) {
        level->Set(part, tmpl::Value(tmpl::ValueMap{}));
        next = level->Find(part);
      }
      level = &next->MutableMap();
      start = dot + 1;
    }
    level->Set(key.substr(start), value);
  }
  return tmpl::Value(std::move(out));
}

// The value at `keys` under `root`, creating maps on the way.
tmpl::Value* MapAt(tmpl::ValueMap& root, const std::vector<std::string>& keys) {
  tmpl::ValueMap* level = &root;
  tmpl::Value* at = nullptr;
  for (const auto& key : keys) {
    at = level->Find(key);
    if (!at || !at->is_map()) {
      level->Set(key, tmpl::Value(tmpl::ValueMap{}));
      at = level->Find(key);
    }
    level = &at->MutableMap();
  }
  return at;
}

}  // namespace

void RunningExecution::BuildContext(const tmpl::Value& inputs, tmpl::Value labels) {
  // SECRET inputs are masked like secret() values.
  for (const auto& in : flow_.inputs) {
    const tmpl::Value* v = inputs.Get(in.id);
    if (in.type == flow::InputType::kSecret && v && v->is_string()) mask_.Add(v->AsString());
  }
  tmpl::ValueMap ctx;
  ctx.Set("flow", tmpl::Value::MakeMap({{"id", tmpl::Value(flow_.id)},
                                        {"namespace", tmpl::Value(flow_.namespace_)},
                                        {"revision", tmpl::Value(static_cast<int64_t>(std::max(flow_.revision, 1)))}}));
  ctx.Set("execution", tmpl::Value::MakeMap({{"id", tmpl::Value(execution_.id)},
                                             {"startDate", tmpl::Value(FormatTimestamp(start_))},
                                             // What tasks see: the execution runs while they do.
                                             {"state", tmpl::Value("RUNNING")},
                                             {"originalId", tmpl::Value(execution_.id)}}));
  ctx.Set("inputs", inputs);
  ctx.Set("labels", NestedLabels(labels));
  labels_ = std::move(labels);
  ctx.Set("outputs", tmpl::Value(tmpl::ValueMap{}));
  ctx.Set("tasks", tmpl::Value(tmpl::ValueMap{}));
  if (!trigger_.is_null()) ctx.Set("trigger", trigger_);
  ctx.Set("globals", tmpl::Value::MakeMap({{"lake", tmpl::Value(env_.settings.lake.string())}}));
  // Kestra exposes ENV_FOO as {{ envs.foo }}.
  tmpl::ValueMap envs;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (!kv.starts_with("ENV_")) continue;
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(kv.substr(4, eq - 4));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    envs.Set(key, tmpl::Value(std::string(kv.substr(eq + 1))));
  }
  ctx.Set("envs", tmpl::Value(std::move(envs)));
  context_ = tmpl::Value(std::move(ctx));
  files_ = LocalFileAccess(NamespaceFiles(), env_.settings.allowed_paths);
  host_.emplace(FlowRenderHost::Services{.storage = &env_.storage,
                                         .object_stores = &env_.object_stores,
                                         .store = &env_.store,
                                         .secrets_file = env_.settings.secrets_file,
                                         .files = files_,
                                         .mask = &mask_,
                                         .namespace_ = flow_.namespace_,
                                         .execution_id = execution_.id,
                                         .clock = env_.settings.clock});
  kv_.emplace(env_.store, *env_.settings.clock);
  services_ = ExecutionServices{
      .storage = &env_.storage,
      .object_stores = &env_.object_stores,
      .host = &*host_,
      .context_mu = &context_mu_,
      .kv = &*kv_,
      .namespace_ = flow_.namespace_,
      .flow_id = flow_.id,
      .namespace_files = NamespaceFiles(),
      .flows_dir = env_.settings.flows_dir,
      .namespace_files_root = env_.settings.namespace_files,
      .registry = &env_.registry,
      .lake = env_.settings.iceberg,
      .pins = ParsedPins(execution_.pins_json),
      .files = &files_,
      .set_labels = [this](const std::vector<std::pair<std::string, std::string>>& added) { return SetLabels(added); },
      .logs = [this](const std::string& id) -> Result<tmpl::Value> {
        tmpl::ValueList lines;
        int64_t after = 0;
        while (true) {
          ASSIGN_OR_RETURN(std::vector<state::LogEntry> page, env_.store.GetLogs(id, after));
          if (page.empty()) break;
          for (const auto& l : page) {
            lines.push_back(tmpl::Value::MakeMap({{"timestamp", tmpl::Value(FormatTimestamp(l.at))},
                                                  {"level", tmpl::Value(std::string(LogLevelName(l.level)))},
                                                  {"taskId", tmpl::Value(l.task_id)},
                                                  {"message", tmpl::Value(l.message)}}));
            after = l.seq;
          }
        }
        return tmpl::Value(std::move(lines));
      },
      .store = &env_.store,
      .resume = env_.resume,
      .execution_in_use = [locks =
                               env_.settings.locks](const std::string& id) { return ExecutionLock::IsHeld(locks, id); },
      .execution_id = execution_.id,
      .storage_prefix = StoragePrefix(),
      .clock = env_.settings.clock,
      .set_trigger_enabled = [this](const std::string& ns, const std::string& flow_id, const std::string& trigger_id,
                                    bool enabled) -> Status {
        return env_.store.SetTriggerEnabled({ns, flow_id, trigger_id}, enabled, Now());
      },
      .process_group_started = [this](const std::string& run_id, const ProcessGroup& g) -> Status {
        return env_.store.AddProcessGroup(run_id, g);
      },
      .process_group_ended =
          [this](const std::string& run_id, const ProcessGroup& g) {
            // A record left behind is harmless: a later kill or recovery
            // finds no live process in the group.
            Status s = env_.store.RemoveProcessGroup(run_id, g.pgid);
            if (!s.ok()) Logger().Warn("process group " + std::to_string(g.pgid) + ": " + s.ToString());
          },
  };
}

Status RunningExecution::SetLabels(const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& [k, v] : labels)
    if (k.starts_with("system."))
      return InvalidArgument("label '" + k + "': labels starting with 'system.' are reserved for floe");
  return StoreLabels(labels);
}

Status RunningExecution::StoreLabels(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::unique_lock lock(context_mu_);
  tmpl::ValueMap updated = labels_.is_map() ? labels_.AsMap() : tmpl::ValueMap{};
  // Stored and seen masked: a label shows in every listing.
  for (const auto& [k, v] : labels) updated.Set(k, tmpl::Value(mask_.Mask(v)));
  tmpl::Value value(std::move(updated));
  RETURN_IF_ERROR(env_.store.SetExecutionLabels(execution_.id, tmpl::ToJson(value)));
  context_.MutableMap().Set("labels", NestedLabels(value));
  labels_ = std::move(value);
  return Status::Ok();
}

void RunningExecution::SetTaskState(const state::TaskRun& run) {
  std::vector<std::string> keys{run.task_id};
  if (run.loop_values_json != "[]") {
    auto values = tmpl::ParseJson(run.loop_values_json);
    if (values.ok() && values->is_list())
      for (const auto& v : values->AsList()) keys.push_back(tmpl::ToDisplayString(v, tmpl::Dialect::kPebble));
  }
  std::unique_lock lock(context_mu_);
  tmpl::Value* tasks = context_.is_map() ? context_.MutableMap().Find("tasks") : nullptr;
  if (!tasks) return;  // before the context exists (a restore recreating runs)
  MapAt(tasks->MutableMap(), keys)->MutableMap().Set("state", tmpl::Value(std::string(state::StateName(run.state))));
}

tmpl::Value RunningExecution::VariablesFor(const flow::TaskSpec& spec, const Scope& scope, const state::TaskRun& run) {
  tmpl::ValueMap vars;
  {
    std::shared_lock lock(context_mu_);
    for (const auto& [k, v] : context_.AsMap()) vars.Set(k, v);
  }
  // The type as written in the flow: an alias stays an alias, as in Kestra.
  vars.Set("task", tmpl::Value::MakeMap({{"id", tmpl::Value(spec.id)}, {"type", tmpl::Value(spec.type)}}));
  tmpl::ValueMap taskrun;
  taskrun.Set("id", tmpl::Value(run.id));
  taskrun.Set("attemptsCount", tmpl::Value(run.attempt - 1));
  if (!run.history.empty()) taskrun.Set("startDate", tmpl::Value(FormatTimestamp(run.history.front().at)));
  if (!run.parent_id.empty()) taskrun.Set("parentId", tmpl::Value(run.parent_id));
  // As in Kestra, only a ForEach iteration's direct children have a value;
  // deeper tasks read it as {{ parent.taskrun.value }}.
  if (scope.iteration_child && !scope.iterations.empty())
    for (const auto& [k, v] : scope.iterations.back().AsMap()) taskrun.Set(k, v);
  if (!scope.ancestors.empty()) {
    // Kestra's parents: the enclosing task runs, nearest first, leaving out
    // those without a value; parent is the first.
    tmpl::ValueList parents;
    for (auto it = scope.ancestors.rbegin(); it != scope.ancestors.rend(); ++it)
      if (!it->AsMap().empty()) parents.push_back(*it);
    if (!parents.empty()) vars.Set("parent", parents.front());
    vars.Set("parents", tmpl::Value(std::move(parents)));
  }
  vars.Set("taskrun", tmpl::Value(std::move(taskrun)));
  if (!scope.worker_taskrun.is_null()) vars.Set("workerTaskrun", scope.worker_taskrun);
  return tmpl::Value(std::move(vars));
}

Result<tmpl::Value> RunningExecution::Render(const flow::YamlNode& node, const tmpl::Value& variables) {
  std::shared_lock lock(context_mu_);
  return RenderNode(node, variables, &*host_);
}

void RunningExecution::SetOutputs(const std::string& task_id, const std::vector<std::string>& keys,
                                  tmpl::Value outputs) {
  std::unique_lock lock(context_mu_);
  tmpl::ValueMap& all = context_.Get("outputs")->MutableMap();
  if (keys.empty()) {
    all.Set(task_id, std::move(outputs));
    return;
  }
  // Inside iterations: outputs.<task>[v1][v2]... = outputs.
  tmpl::Value* level = all.Find(task_id);
  if (!level || !level->is_map()) {
    all.Set(task_id, tmpl::Value(tmpl::ValueMap{}));
    level = all.Find(task_id);
  }
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    tmpl::Value* next = level->MutableMap().Find(keys[i]);
    if (!next || !next->is_map()) {
      level->MutableMap().Set(keys[i], tmpl::Value(tmpl::ValueMap{}));
      next = level->MutableMap().Find(keys[i]);
    }
    level = next;
  }
  level->MutableMap().Set(keys.back(), std::move(outputs));
}

}  // namespace floe::exec
