#include "exec/task_context.h"

#include <fstream>
#include <system_error>

namespace floe::exec {

RunTaskContext::RunTaskContext(const flow::TaskSpec& spec, tmpl::Value variables, const ExecutionServices& services,
                               std::string storage_prefix, std::filesystem::path scratch,
                               std::optional<std::filesystem::path> shared_workdir, LogFn log)
    : spec_(spec),
      services_(services),
      storage_prefix_(std::move(storage_prefix)),
      scratch_(std::move(scratch)),
      staging_(scratch_.string() + ".files"),
      log_(std::move(log)) {
  lake_ = services_.lake;
  if (const tmpl::Value* pins = services_.pins.is_map() ? services_.pins.Get(spec.id) : nullptr; pins && pins->is_map())
    for (const auto& [table, snapshot] : pins->AsMap())
      if (snapshot.is_int()) lake_.pinned[table] = snapshot.AsInt();
  if (shared_workdir) {
    working_directory_ = std::move(shared_workdir);
    owns_working_directory_ = false;
  }
  // A shallow copy of the top level, so AddVariable does not leak into the
  // execution's shared context.
  ResetVariables(std::move(variables));
}

RunTaskContext::~RunTaskContext() {
  std::error_code ec;
  if (working_directory_ && owns_working_directory_)
    std::filesystem::remove_all(*working_directory_, ec);  // best effort: scratch space
  std::filesystem::remove_all(staging_, ec);
}

void RunTaskContext::ResetVariables(tmpl::Value variables) {
  tmpl::ValueMap own;
  if (variables.is_map())
    for (const auto& [k, v] : variables.AsMap()) own.Set(k, v);
  variables_ = tmpl::Value(std::move(own));
}

void RunTaskContext::AddVariable(std::string name, tmpl::Value value) {
  variables_.MutableMap().Set(std::move(name), std::move(value));
}

const flow::YamlNode::Entry* RunTaskContext::FindEntry(std::string_view name) const {
  const flow::PropertySpec* spec = spec_.task_type ? spec_.task_type->FindProperty(name) : nullptr;
  for (const auto& e : spec_.properties.entries) {
    if (e.key == name) return &e;
    if (spec &&
        (e.key == spec->name || std::find(spec->aliases.begin(), spec->aliases.end(), e.key) != spec->aliases.end()))
      return &e;
  }
  return nullptr;
}

Result<std::optional<tmpl::Value>> RunTaskContext::Property(std::string_view name) {
  return RenderProperty(name, variables_);
}

Result<std::optional<tmpl::Value>> RunTaskContext::PropertyWith(std::string_view name, const tmpl::Value& extra) {
  tmpl::ValueMap merged = variables_.AsMap();
  if (extra.is_map())
    for (const auto& [k, v] : extra.AsMap()) merged.Set(k, v);
  return RenderProperty(name, tmpl::Value(std::move(merged)));
}

std::optional<std::string> RunTaskContext::TaskRunValue() const {
  const tmpl::Value* taskrun = variables_.Get("taskrun");
  const tmpl::Value* value = taskrun ? taskrun->Get("value") : nullptr;
  if (!value) return std::nullopt;
  return tmpl::ToDisplayString(*value, tmpl::Dialect::kPebble);
}

Result<bool> RunTaskContext::DeleteStorageFile(std::string_view uri) {
  if (!storage::InternalStorage::IsStorageUri(uri))
    return InvalidArgument("'" + std::string(uri) + "' is not a file of the execution's storage (floe://)");
  std::string own = storage::InternalStorage::UriFor(services_.storage_prefix) + "/";
  if (!uri.starts_with(own))
    return FailedPrecondition("'" + std::string(uri) +
                              "' belongs to another execution: a task deletes only its own "
                              "execution's files");
  Status s = services_.storage->Delete(uri);
  if (s.code() == StatusCode::kNotFound) return false;
  RETURN_IF_ERROR(s);
  return true;
}

Result<std::vector<std::string>> RunTaskContext::PurgeExecutionFiles() {
  ASSIGN_OR_RETURN(std::vector<std::string> uris, services_.storage->List(services_.storage_prefix));
  for (const auto& uri : uris) {
    Status s = services_.storage->Delete(uri);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  return uris;
}

Result<std::vector<flow::ExecutionSummary>> RunTaskContext::Executions(const std::string& ns,
                                                                       const std::string& flow_id) {
  if (!services_.store) return FailedPrecondition("no store to count executions in");
  ASSIGN_OR_RETURN(std::vector<state::Execution> list,
                   services_.store->ListExecutions({.namespace_ = ns, .flow_id = flow_id, .limit = 1000000}));
  std::vector<flow::ExecutionSummary> out;
  for (const auto& e : list)
    out.push_back({e.id, e.namespace_, e.flow_id, std::string(state::StateName(e.state)), e.created()});
  return out;
}

Result<int64_t> RunTaskContext::PurgeLogs(const flow::LogPurgeRequest& request) {
  if (!services_.store) return FailedPrecondition("no store to purge logs in");
  return services_.store->PurgeLogs({.namespace_ = request.namespace_,
                                     .flow_id = request.flow_id,
                                     .levels = request.levels,
                                     .start = request.start,
                                     .end = request.end});
}

Result<flow::ExecutionPurgeCounts> RunTaskContext::PurgeExecutions(const flow::ExecutionPurgeRequest& request) {
  if (!services_.store) return FailedPrecondition("no store to purge executions in");
  state::ExecutionPurge filter{.namespace_ = request.namespace_,
                               .flow_id = request.flow_id,
                               .start = request.start,
                               .end = request.end,
                               .executions = request.executions,
                               .logs = request.logs,
                               .in_use = services_.execution_in_use};
  for (const auto& name : request.states) {
    auto st = state::ParseState(name);
    if (!st) return InvalidArgument("'" + name + "' is not an execution state");
    if (!state::IsTerminal(*st))
      return InvalidArgument("state " + name +
                             ": only ended executions are purged (SUCCESS, WARNING, FAILED, "
                             "KILLED, CANCELLED, SKIPPED, RETRIED)");
    filter.states.push_back(*st);
  }
  ASSIGN_OR_RETURN(state::PurgedExecutions purged, services_.store->PurgeExecutions(filter));
  flow::ExecutionPurgeCounts counts{
      .executions = request.executions ? static_cast<int64_t>(purged.executions.size()) : 0, .logs = purged.logs};
  if (request.storage) {
    for (const auto& e : purged.executions) {
      ASSIGN_OR_RETURN(std::vector<std::string> uris,
                       services_.storage->List(e.namespace_ + "/" + e.flow_id + "/executions/" + e.id));
      for (const auto& uri : uris) {
        Status s = services_.storage->Delete(uri);
        if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
        if (s.ok()) ++counts.storage_files;
      }
    }
  }
  return counts;
}

Status RunTaskContext::ResumeExecution(const std::string& execution_id, const std::string& ns,
                                       const std::string& flow_id, const std::map<std::string, tmpl::Value>& inputs) {
  if (!services_.resume) return FailedPrecondition("no executor to resume executions with");
  if (execution_id == services_.execution_id)
    return InvalidArgument("execution " + execution_id + " is this one, which is running, not paused");
  return services_.resume(execution_id, ns, flow_id, inputs);
}

Result<std::optional<tmpl::Value>> RunTaskContext::RenderProperty(std::string_view name, const tmpl::Value& variables) {
  const flow::YamlNode::Entry* entry = FindEntry(name);
  if (!entry) return std::optional<tmpl::Value>();
  Result<tmpl::Value> rendered = tmpl::Value();
  {
    std::shared_lock lock(*services_.context_mu);
    rendered = RenderNode(entry->value, variables, services_.host);
  }
  if (!rendered.ok()) {
    Status s = std::move(rendered).status();
    return std::move(s).WithContext("task '" + spec_.id + "' property '" + entry->key + "'");
  }
  if (rendered->is_undefined()) return std::optional<tmpl::Value>();
  return std::optional<tmpl::Value>(std::move(*rendered));
}

bool RunTaskContext::WaitFor(std::chrono::milliseconds d) {
  const Clock& clock = *services_.clock;
  Timestamp due = clock.Now() + d;
  std::unique_lock lock(cancel_mu_);
  while (!cancelled_.load() && clock.Now() < due) clock.WaitUntil(lock, cancel_cv_, due);
  return !cancelled_.load();
}

void RunTaskContext::SetInterrupt(std::function<void()> interrupt) {
  std::lock_guard lock(cancel_mu_);
  interrupt_ = std::move(interrupt);
}

void RunTaskContext::Cancel() {
  std::lock_guard lock(cancel_mu_);
  cancelled_.store(true);
  cancel_cv_.notify_all();
  // Under the lock, so the task cannot clear (and destroy) what the
  // interrupt refers to while it runs.
  if (interrupt_) interrupt_();
}

Status RunTaskContext::ProcessGroupStarted(const ProcessGroup& group) {
  if (task_run_id_.empty() || !services_.process_group_started) return Status::Ok();
  return services_.process_group_started(task_run_id_, group);
}

void RunTaskContext::ProcessGroupEnded(const ProcessGroup& group) {
  if (task_run_id_.empty() || !services_.process_group_ended) return;
  services_.process_group_ended(task_run_id_, group);
}

Status RunTaskContext::PropertyError(std::string_view name, std::string message) const {
  const flow::YamlNode::Entry* entry = FindEntry(name);
  Status s = InvalidArgument("task '" + spec_.id + "' property '" + std::string(name) + "': " + message);
  return s.WithLocation(entry ? entry->value.location : spec_.location);
}

Result<std::filesystem::path> RunTaskContext::WorkingDirectory() {
  if (!working_directory_) {
    std::filesystem::path dir = scratch_;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return IoError("cannot create working directory '" + dir.string() + "': " + ec.message());
    working_directory_ = dir;
  }
  return *working_directory_;
}

Result<std::string> RunTaskContext::StoreFile(const std::filesystem::path& local, std::string_view name) {
  return services_.storage->Put(local, storage_prefix_ + "/" + std::string(name));
}

Result<std::pair<std::filesystem::path, std::string>> RunTaskContext::NewStorageFile(std::string_view name) {
  std::string key = storage_prefix_ + "/" + std::string(name);
  RETURN_IF_ERROR(storage::CheckStorageKey(key));
  // Written locally first, stored when the task has succeeded (a local store
  // takes it by renaming): a reader never sees half a file.
  std::filesystem::path local =
      staging_ / "out" / std::to_string(pending_.size()) / std::filesystem::path(key).filename();
  std::error_code ec;
  std::filesystem::create_directories(local.parent_path(), ec);
  if (ec) return IoError("cannot create '" + local.parent_path().string() + "': " + ec.message());
  pending_.emplace_back(local, key);
  return std::make_pair(local, storage::InternalStorage::UriFor(key));
}

Status RunTaskContext::CommitStorageFiles() {
  for (const auto& [local, key] : pending_) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(local, ec))
      return Internal("task '" + spec_.id + "' did not write its file for " + storage::InternalStorage::UriFor(key));
    RETURN_IF_ERROR(services_.storage->MoveIn(local, key).status());
  }
  pending_.clear();
  return Status::Ok();
}

Result<std::filesystem::path> RunTaskContext::ResolveFile(std::string_view uri) {
  if (storage::InternalStorage::IsStorageUri(uri)) return services_.storage->Materialize(uri, staging_ / "in");
  if (uri.starts_with("s3://")) {
    ASSIGN_OR_RETURN(storage::ObjectLocation at, services_.object_stores->Open(uri));
    if (at.key.empty() || at.key.ends_with('/'))
      return InvalidArgument("'" + std::string(uri) + "' names a folder, not an object");
    std::filesystem::path local =
        staging_ / "in" / std::to_string(downloads_++) / std::filesystem::path(at.key).filename();
    std::error_code ec;
    std::filesystem::create_directories(local.parent_path(), ec);
    if (ec) return IoError("cannot create '" + local.parent_path().string() + "': " + ec.message());
    RETURN_IF_ERROR(at.store->GetToFile(at.key, local));
    return local;
  }
  if (!services_.files) return FailedPrecondition("no local files may be read here ('" + std::string(uri) + "')");
  return services_.files->Resolve(uri);
}

}  // namespace floe::exec
