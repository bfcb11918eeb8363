#include "server/executions_api.h"

#include <atomic>
#include <fstream>
#include <regex>
#include <set>

#include "core/duration.h"
#include "core/id.h"
#include "engine/session.h"
#include "server/execution_json.h"
#include "server/multipart.h"
#include "server/sse.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

namespace fs = std::filesystem;
using state::Execution;
using state::State;
using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

Value ExecutionWithUrl(const Execution& e, int revision) {
  Value v = ExecutionJson(e, revision);
  v.MutableMap().Set("url", "/ui/main/executions/" + e.namespace_ + "/" + e.flow_id + "/" + e.id);
  return v;
}

// Kestra answers 422 for inputs that do not validate, 409 for a disabled flow.
Status AsKestraError(Status s) {
  if (s.code() == StatusCode::kNotFound && s.message().find("input") != std::string::npos)
    return Status(StatusCode::kInvalidArgument, s.ToString());
  return s;
}

// The inputs of a create or resume request, FILE parts saved under `upload_dir`.
Result<std::map<std::string, Value>> ReadInputs(const HttpRequest& request, const fs::path& upload_dir) {
  std::map<std::string, Value> inputs;
  std::string type(request.headers.Get("content-type"));
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type.rfind("application/json", 0) == 0) {
    if (request.body.empty()) return inputs;
    auto parsed = tmpl::ParseJson(request.body);
    if (!parsed.ok() || !parsed->is_map())
      return InvalidArgument("a JSON body of inputs must be an object of input id to value");
    for (const auto& [k, v] : parsed->AsMap()) inputs[k] = v;
    return inputs;
  }
  ASSIGN_OR_RETURN(std::vector<FormPart> parts, ParseForm(request));
  for (FormPart& part : parts) {
    if (!part.filename) {
      inputs[part.name] = Value(std::move(part.data));
      continue;
    }
    // Kestra before 0.24 sent every file as a part named "files" whose file
    // name is the input's id; since, the part's name is the input's id.
    std::string input = part.name == "files" ? *part.filename : part.name;
    std::string name =
        part.name == "files" || part.filename->empty() ? input : fs::path(*part.filename).filename().string();
    if (name.empty() || name == "." || name == ".." || input.empty())
      return InvalidArgument("a file part needs a name and a file name");
    fs::path dir = upload_dir / NewId();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return IoError("cannot store the uploaded file: " + ec.message());
    fs::path file = dir / name;
    {
      std::ofstream out(file, std::ios::binary);
      out.write(part.data.data(), static_cast<std::streamsize>(part.data.size()));
      if (!out) return IoError("cannot store the uploaded file '" + name + "'");
    }
    inputs[input] = Value(file.string());
  }
  return inputs;
}

// Removes what ReadInputs saved, once the executor copied it.
struct UploadFolder {
  fs::path dir;
  ~UploadFolder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// An id list body: ["id1", "id2"].
Result<std::vector<std::string>> IdList(const std::string& body) {
  auto parsed = tmpl::ParseJson(body);
  if (!parsed.ok() || !parsed->is_list()) return InvalidArgument("the body must be a JSON list of execution ids");
  std::vector<std::string> ids;
  for (const Value& v : parsed->AsList()) {
    if (!v.is_string()) return InvalidArgument("the body must be a JSON list of execution ids, not " + tmpl::ToJson(v));
    ids.push_back(v.AsString());
  }
  return ids;
}

// [{"key","value"}] -> labels JSON map text.
Result<std::vector<std::pair<std::string, std::string>>> LabelList(const Value& list) {
  if (!list.is_list()) return InvalidArgument("labels are a JSON list of {\"key\", \"value\"}");
  std::vector<std::pair<std::string, std::string>> out;
  for (const Value& item : list.AsList()) {
    const Value* k = item.is_map() ? item.Get("key") : nullptr;
    const Value* v = item.is_map() ? item.Get("value") : nullptr;
    if (!k || !v || !k->is_string())
      return InvalidArgument("a label is {\"key\": ..., \"value\": ...}, not " + tmpl::ToJson(item));
    if (k->AsString().rfind("system.", 0) == 0)
      return InvalidArgument("system labels are set by floe itself, not '" + k->AsString() + "'");
    out.emplace_back(k->AsString(), v->is_string() ? v->AsString() : tmpl::ToJson(*v));
  }
  return out;
}

// The execution's labels with `labels` replacing its non-system ones (or added to them).
std::string MergedLabels(const Execution& e, const std::vector<std::pair<std::string, std::string>>& labels,
                         bool replace) {
  ValueMap out;
  auto current = tmpl::ParseJson(e.labels_json);
  if (current.ok() && current->is_map())
    for (const auto& [k, v] : current->AsMap())
      if (!replace || k.rfind("system.", 0) == 0) out.Set(k, v);
  for (const auto& [k, v] : labels) out.Set(k, v);
  return tmpl::ToJson(Value(std::move(out)));
}

// The store key of an execution's file, from its floe:/// or kestra:/// URI;
// a path outside the execution's own folder is refused.
Result<std::string> ExecutionFileUri(const Execution& e, const HttpRequest& request) {
  auto path = request.QueryValue("path");
  if (!path || path->empty()) return InvalidArgument("the query parameter 'path' (a floe:/// URI) is required");
  std::string uri = *path;
  if (uri.rfind("kestra://", 0) == 0) uri = "floe://" + uri.substr(9);
  if (uri.rfind("floe:///", 0) != 0) return InvalidArgument("'path' must be a floe:/// URI of the execution's files");
  std::string key = uri.substr(8);
  std::string prefix = e.namespace_ + "/" + e.flow_id + "/executions/" + e.id + "/";
  if (key.rfind(prefix, 0) != 0)
    return Status(StatusCode::kInvalidArgument, "'" + *path + "' is not a file of execution " + e.id);
  for (size_t start = 0; start <= key.size();) {
    size_t end = key.find('/', start);
    std::string segment = key.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (segment == ".." || segment == "." || segment.empty() || segment.find('\0') != std::string::npos)
      return InvalidArgument("'" + *path + "' is not a plain file path");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return uri;
}

std::string Lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A filters[field][OP]=value parameter.
struct QueryFilter {
  std::string field, op, key, value;
};

std::vector<QueryFilter> ReadQueryFilters(const HttpRequest& request) {
  static const std::regex kPattern(R"(filters\[([^\]]*)\]\[([^\]]*)\](?:\[([^\]]+)\])?)");
  std::vector<QueryFilter> out;
  for (const auto& [name, value] : request.query) {
    std::smatch m;
    if (std::regex_match(name, m, kPattern)) out.push_back({m[1], m[2], m[3], value});
  }
  return out;
}

std::vector<std::string> SplitList(std::string v) {
  if (!v.empty() && v.front() == '[') v.erase(0, 1);
  if (!v.empty() && v.back() == ']') v.pop_back();
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    std::string item = v.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    if (!item.empty()) out.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

Result<State> ReadState(const std::string& name) {
  auto s = state::ParseState(name);
  if (!s) return InvalidArgument("unknown execution state '" + name + "'");
  return *s;
}

Result<Timestamp> ReadTime(const std::string& field, const std::string& text) {
  auto t = ParseTimestamp(text);
  if (!t.ok()) return InvalidArgument(field + " is not an ISO 8601 date-time: '" + text + "'");
  return *t;
}

}  // namespace

Result<state::ExecutionFilter> ReadExecutionFilter(const HttpRequest& request, Timestamp now) {
  state::ExecutionFilter f;
  f.include_child_namespaces = true;  // Kestra's namespace search takes the namespaces below
  std::vector<QueryFilter> filters = ReadQueryFilters(request);
  if (filters.empty()) {
    f.namespace_ = request.QueryValue("namespace").value_or("");
    f.flow_id = request.QueryValue("flowId").value_or("");
    f.query = request.QueryValue("q").value_or("");
    for (const std::string& s : request.QueryValues("state"))
      for (const std::string& name : SplitList(s)) {
        ASSIGN_OR_RETURN(State st, ReadState(name));
        f.states.push_back(st);
      }
    ASSIGN_OR_RETURN(f.labels, QueryLabels(request));
    ASSIGN_OR_RETURN(f.start, QueryTime(request, "startDate"));
    ASSIGN_OR_RETURN(f.end, QueryTime(request, "endDate"));
    if (auto range = request.QueryValue("timeRange"); range && !range->empty()) {
      if (f.start) return InvalidArgument("give timeRange or startDate, not both");
      auto d = ParseDuration(*range);
      if (!d.ok()) return InvalidArgument("timeRange is an ISO 8601 duration (P1D, PT5M), not '" + *range + "'");
      f.start = now - *d;
    }
    return f;
  }
  for (const QueryFilter& q : filters) {
    std::string where = "filters[" + q.field + "][" + q.op + "]";
    if (q.field == "namespace" && (q.op == "EQUALS" || q.op == "PREFIX" || q.op == "STARTS_WITH")) {
      f.namespace_ = q.value;
      f.include_child_namespaces = q.op != "EQUALS";
    } else if (q.field == "flowId" && q.op == "EQUALS") {
      f.flow_id = q.value;
    } else if (q.field == "q" && (q.op == "EQUALS" || q.op == "CONTAINS")) {
      f.query = q.value;
    } else if (q.field == "state" && (q.op == "EQUALS" || q.op == "IN")) {
      for (const std::string& name : SplitList(q.value)) {
        ASSIGN_OR_RETURN(State st, ReadState(name));
        f.states.push_back(st);
      }
    } else if (q.field == "labels" && q.op == "EQUALS" && !q.key.empty()) {
      f.labels.emplace_back(q.key, q.value);
    } else if (q.field == "startDate" && (q.op == "GREATER_THAN_OR_EQUAL_TO" || q.op == "GREATER_THAN")) {
      ASSIGN_OR_RETURN(Timestamp t, ReadTime(where, q.value));
      f.start = t;
    } else if (q.field == "endDate" && (q.op == "LESS_THAN_OR_EQUAL_TO" || q.op == "LESS_THAN")) {
      ASSIGN_OR_RETURN(Timestamp t, ReadTime(where, q.value));
      f.end = t;
    } else if (q.field == "timeRange" && q.op == "EQUALS") {
      auto d = ParseDuration(q.value);
      if (!d.ok()) return InvalidArgument(where + " is an ISO 8601 duration (P1D, PT5M), not '" + q.value + "'");
      f.start = now - *d;
    } else {
      return InvalidArgument("unsupported execution filter " + where +
                             " (floe filters executions by namespace, flowId, q, state, labels, startDate, endDate "
                             "and timeRange)");
    }
  }
  return f;
}

namespace {

// One request with wait=true: answered when its execution ends.
struct ExecutionWaiter {
  std::string id;
  std::shared_ptr<Responder> responder;
  std::atomic<bool> answered{false};
  std::mutex mu;
  exec::EventBus::Subscription sub;

  void Release() {
    exec::EventBus::Subscription local;
    {
      std::lock_guard lock(mu);
      local = std::move(sub);
    }
    local.Reset();
  }
};

// One /follow stream: the execution sent whole at each change. Changes that
// arrive while a send is pending are folded into it.
struct ExecutionFollower : std::enable_shared_from_this<ExecutionFollower> {
  std::string id;
  std::shared_ptr<Responder> responder;
  ApiContext* api = nullptr;
  std::atomic<bool> pending{false};
  std::atomic<bool> ended{false};
  std::mutex mu;
  exec::EventBus::Subscription sub;

  void Release() {
    exec::EventBus::Subscription local;
    {
      std::lock_guard lock(mu);
      local = std::move(sub);
    }
    local.Reset();
  }
  void Poke() {
    if (ended.load() || pending.exchange(true)) return;
    auto self = shared_from_this();
    if (!api->routes.workers.Post([self] { self->Send(); })) pending = false;
  }
  void Send() {
    pending = false;
    if (ended.load()) return;
    auto e = api->rt.store().GetExecution(id);
    if (!e.ok()) {
      responder->Write(FormatSseEvent({.event = "error", .data = e.status().ToString()}));
      return;
    }
    int revision = api->flows.Revision(e->namespace_, e->flow_id);
    std::string json = tmpl::ToJson(ExecutionJson(*e, revision));
    if (state::IsTerminal(e->state)) {
      if (ended.exchange(true)) return;
      responder->Write(FormatSseEvent({.id = "end", .data = json}));
      responder->End();
      auto self = shared_from_this();
      api->routes.workers.Post([self] { self->Release(); });
      return;
    }
    if (!WriteEventOrEndBehind(*responder, FormatSseEvent({.id = "progress", .data = json}))) {
      ended = true;
      auto self = shared_from_this();
      api->routes.workers.Post([self] { self->Release(); });
    }
  }
};

class ExecutionRoutes {
 public:
  explicit ExecutionRoutes(ApiContext& api) : api_(api), store_(api.rt.store()), executor_(api.rt.executor()) {}

  Status Add() {
    ApiRoutes& r = api_.routes;
    for (const char* path : {"/executions/{namespace}/{id}", "/executions/trigger/{namespace}/{id}"}) {
      RETURN_IF_ERROR(
          AddApiAsyncRoute(r, "POST", path, "Run a flow with inputs (multipart, form or JSON); ?wait=true",
                           [this](const HttpRequest& request, std::shared_ptr<Responder> responder) {
                             if (!api_.routes.workers.Post([this, request, responder] { Create(request, responder); }))
                               responder->Send(HttpResponse::JsonError(503, "the server is busy; try again shortly"));
                           }));
    }
    RETURN_IF_ERROR(
        Get("/executions/{executionId}", "Get an execution", [this](const HttpRequest& q) -> Result<HttpResponse> {
          ASSIGN_OR_RETURN(Execution e, store_.GetExecution(q.PathParam("executionId")));
          return JsonResponse(200, Json(e));
        }));
    RETURN_IF_ERROR(Get("/executions/search", "Search executions, newest first, paged",
                        [this](const HttpRequest& q) { return Search(q); }));
    RETURN_IF_ERROR(Get("/executions", "The executions of one flow (?namespace= &flowId=), paged",
                        [this](const HttpRequest& q) -> Result<HttpResponse> {
                          if (!q.QueryValue("namespace") || !q.QueryValue("flowId"))
                            return InvalidArgument("the query parameters 'namespace' and 'flowId' are required");
                          return Search(q);
                        }));
    RETURN_IF_ERROR(AddApiRoute(r, "DELETE", "/executions/{executionId}/kill", "Kill an execution (202)",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  RETURN_IF_ERROR(executor_.Cancel(q.PathParam("executionId")));
                                  return HttpResponse{.status = 202};
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/executions/{executionId}/pause",
                                "Pause a running execution: no task starts, running ones finish (204)",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  RETURN_IF_ERROR(executor_.Pause(q.PathParam("executionId")));
                                  return HttpResponse{.status = 204};
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/executions/{executionId}/resume",
                                "Resume a paused execution with its onResume inputs (204)",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  UploadFolder uploads{UploadDir()};
                                  ASSIGN_OR_RETURN(auto inputs, ReadInputs(q, uploads.dir));
                                  RETURN_IF_ERROR(executor_.SubmitResume(q.PathParam("executionId"), "", "", inputs));
                                  return HttpResponse{.status = 204};
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/executions/{executionId}/restart",
                                "Run a failed or killed execution again from its failed tasks",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  // Answered as Kestra does: the execution RESTARTED, before it runs.
                                  Execution restarted;
                                  RETURN_IF_ERROR(executor_.SubmitRestart(q.PathParam("executionId"), &restarted));
                                  return JsonResponse(200, Json(restarted));
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/executions/{executionId}/replay",
                                "A new execution that runs again from a task (?taskRunId= or ?taskId=)",
                                [this](const HttpRequest& q) { return Replay(q); }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/executions/{executionId}/change-status",
                                "Set an ended execution's state (?status= a terminal state)",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(State to, ReadState(q.QueryValue("status").value_or("")));
                                  if (!state::IsTerminal(to))
                                    return InvalidArgument(
                                        "an execution's state can only be changed to a terminal one");
                                  std::string id = q.PathParam("executionId");
                                  ASSIGN_OR_RETURN(Execution e, store_.GetExecution(id));
                                  if (!state::IsTerminal(e.state))
                                    return InvalidArgument("only an ended execution's state can be changed; " + id +
                                                           " is " + std::string(state::StateName(e.state)));
                                  RETURN_IF_ERROR(store_.TransitionExecution(id, to, SystemClock().Now()));
                                  ASSIGN_OR_RETURN(e, store_.GetExecution(id));
                                  return JsonResponse(200, Json(e));
                                }));
    RETURN_IF_ERROR(AddApiRoute(
        r, "POST", "/executions/{executionId}/state",
        "Set a task run's state ({\"taskRunId\", \"state\"}) in a failed or killed execution, which restarts from "
        "there",
        [this](const HttpRequest& q) -> Result<HttpResponse> {
          auto body = tmpl::ParseJson(q.body);
          const Value* run_id = body.ok() && body->is_map() ? body->Get("taskRunId") : nullptr;
          const Value* name = body.ok() && body->is_map() ? body->Get("state") : nullptr;
          if (!run_id || !name || !run_id->is_string() || !name->is_string())
            return InvalidArgument("the body is {\"taskRunId\": \"...\", \"state\": \"SUCCESS|WARNING|FAILED\"}");
          ASSIGN_OR_RETURN(State to, ReadState(name->AsString()));
          if (to != State::kSuccess && to != State::kWarning && to != State::kFailed)
            return InvalidArgument("a task run's state can be set to SUCCESS, WARNING or FAILED, not " +
                                   name->AsString());
          std::string id = q.PathParam("executionId");
          ASSIGN_OR_RETURN(Execution e, store_.GetExecution(id));
          if (e.state != State::kFailed && e.state != State::kKilled)
            return FailedPrecondition("execution " + id + " is " + std::string(state::StateName(e.state)) +
                                      "; a task run's state changes in a failed or killed execution");
          const state::TaskRun* run = nullptr;
          for (const auto& tr : e.task_runs)
            if (tr.id == run_id->AsString()) run = &tr;
          if (!run) return NotFound("execution " + id + " has no task run " + run_id->AsString());
          // Only the latest try of a task decides what a restart does.
          for (const auto& tr : e.task_runs)
            if (tr.task_id == run->task_id && tr.scope == run->scope && tr.attempt > run->attempt)
              return InvalidArgument("task run " + run->id + " is not the latest attempt of task " + run->task_id);
          RETURN_IF_ERROR(store_.TransitionTaskRun(run->id, to, SystemClock().Now()));
          Execution restarted;
          RETURN_IF_ERROR(executor_.SubmitRestart(id, &restarted));
          return JsonResponse(200, Json(restarted));
        }));
    RETURN_IF_ERROR(AddApiRoute(
        r, "POST", "/executions/{executionId}/labels", "Replace an ended execution's labels ([{\"key\", \"value\"}])",
        [this](const HttpRequest& q) -> Result<HttpResponse> {
          auto body = tmpl::ParseJson(q.body);
          if (!body.ok()) return InvalidArgument("the body must be JSON: [{\"key\", \"value\"}]");
          ASSIGN_OR_RETURN(auto labels, LabelList(*body));
          std::string id = q.PathParam("executionId");
          ASSIGN_OR_RETURN(Execution e, store_.GetExecution(id));
          if (!state::IsTerminal(e.state))
            return InvalidArgument("execution " + id + " has not ended; its labels change once it has");
          RETURN_IF_ERROR(store_.SetExecutionLabels(id, MergedLabels(e, labels, true)));
          ASSIGN_OR_RETURN(e, store_.GetExecution(id));
          return JsonResponse(200, Json(e));
        }));
    RETURN_IF_ERROR(AddApiRoute(r, "DELETE", "/executions/{executionId}",
                                "Delete an ended execution (?deleteLogs=true &deleteStorage=true); 204",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  RETURN_IF_ERROR(Delete(q.PathParam("executionId"), QueryFlag(q, "deleteLogs", true),
                                                         QueryFlag(q, "deleteStorage", true)));
                                  return HttpResponse{.status = 204};
                                }));
    RETURN_IF_ERROR(Get("/executions/{executionId}/file", "Download one of an execution's files (?path=floe:///...)",
                        [this](const HttpRequest& q) -> Result<HttpResponse> {
                          ASSIGN_OR_RETURN(Execution e, store_.GetExecution(q.PathParam("executionId")));
                          ASSIGN_OR_RETURN(std::string uri, ExecutionFileUri(e, q));
                          ASSIGN_OR_RETURN(std::string data, api_.rt.storage().Read(uri));
                          HttpResponse resp{.status = 200, .body = std::move(data)};
                          resp.headers.Set("Content-Type", "application/octet-stream");
                          resp.headers.Set("Content-Disposition",
                                           "attachment; filename=\"" + fs::path(uri).filename().string() + "\"");
                          return resp;
                        }));
    RETURN_IF_ERROR(Get("/executions/{executionId}/file/metas", "The size of one of an execution's files",
                        [this](const HttpRequest& q) -> Result<HttpResponse> {
                          ASSIGN_OR_RETURN(Execution e, store_.GetExecution(q.PathParam("executionId")));
                          ASSIGN_OR_RETURN(std::string uri, ExecutionFileUri(e, q));
                          ASSIGN_OR_RETURN(int64_t size, api_.rt.storage().Size(uri));
                          return JsonResponse(200, Value::MakeMap({{"size", size}}));
                        }));
    RETURN_IF_ERROR(Get("/executions/{executionId}/file/preview",
                        "The first rows of an execution's CSV, Parquet or JSON file (?path= &maxRows=)",
                        [this](const HttpRequest& q) { return Preview(q); }));
    RETURN_IF_ERROR(AddApiAsyncRoute(r, "GET", "/executions/{executionId}/follow",
                                     "Follow an execution: server-sent events until it ends",
                                     [this](const HttpRequest& request, std::shared_ptr<Responder> responder) {
                                       Follow(request.PathParam("executionId"), std::move(responder));
                                     }));
    return AddBulk();
  }

 private:
  Status Get(const std::string& path, const std::string& summary, ApiHandler handler) {
    return AddApiRoute(api_.routes, "GET", path, summary, std::move(handler));
  }
  Value Json(const Execution& e) { return ExecutionJson(e, api_.flows.Revision(e.namespace_, e.flow_id)); }
  fs::path UploadDir() { return api_.rt.home().scratch() / "uploads" / NewId(); }

  void Create(const HttpRequest& request, const std::shared_ptr<Responder>& responder) {
    std::string ns = request.PathParam("namespace"), flow_id = request.PathParam("id");
    auto fail = [&](const Status& s) { responder->Send(ErrorResponse(s)); };
    auto flow = api_.flows.Find(ns, flow_id);
    if (!flow) return fail(NotFound("no flow " + ns + "." + flow_id));
    UploadFolder uploads{UploadDir()};
    auto inputs = ReadInputs(request, uploads.dir);
    if (!inputs.ok()) return fail(Status(StatusCode::kInvalidArgument, inputs.status().ToString()));
    auto labels = QueryLabels(request);
    if (!labels.ok()) return fail(labels.status());
    for (const auto& [k, v] : *labels)
      if (k.rfind("system.", 0) == 0 && k != "system.correlationId")
        return fail(InvalidArgument("system labels are set by floe itself, not '" + k + "'"));
    exec::SubmitOptions options{.id = NewId(), .labels = *labels};
    auto schedule = QueryTime(request, "scheduleDate");
    if (!schedule.ok()) return fail(schedule.status());
    options.not_before = *schedule;
    std::shared_ptr<ExecutionWaiter> waiter;
    if (QueryFlag(request, "wait")) {
      waiter = std::make_shared<ExecutionWaiter>();
      waiter->id = options.id;
      waiter->responder = responder;
      std::weak_ptr<ExecutionWaiter> weak = waiter;
      ApiWorkers* workers = &api_.routes.workers;
      auto sub = api_.rt.events().Subscribe([this, weak, workers](const exec::ExecutionEvent& event) {
        auto w = weak.lock();
        if (!w || event.kind != exec::ExecutionEvent::Kind::kExecutionState || event.execution.id != w->id ||
            !state::IsTerminal(event.execution.state) || w->answered.exchange(true))
          return;
        workers->Post([this, w] {
          auto e = store_.GetExecution(w->id);
          w->responder->Send(
              e.ok() ? JsonResponse(200, ExecutionWithUrl(*e, api_.flows.Revision(e->namespace_, e->flow_id)))
                     : ErrorResponse(e.status()));
          w->Release();
        });
      });
      {
        std::lock_guard lock(waiter->mu);
        waiter->sub = std::move(sub);
      }
      // A client that leaves stops the wait (the execution goes on).
      responder->OnClose([waiter, workers] { workers->Post([waiter] { waiter->Release(); }); });
    }
    auto id = executor_.Submit(flow, *inputs, options);
    if (!id.ok()) {
      if (waiter) waiter->Release();
      return fail(AsKestraError(id.status()));
    }
    if (waiter) return;  // answered when it ends
    auto e = store_.GetExecution(*id);
    if (!e.ok()) return fail(e.status());
    responder->Send(JsonResponse(200, ExecutionWithUrl(*e, api_.flows.Revision(ns, flow_id))));
  }

  Result<HttpResponse> Search(const HttpRequest& q) {
    ASSIGN_OR_RETURN(Paging paging, ReadPaging(q));
    ASSIGN_OR_RETURN(state::ExecutionFilter f, ReadExecutionFilter(q, SystemClock().Now()));
    ASSIGN_OR_RETURN(int64_t total, store_.CountExecutions(f));
    f.offset = paging.offset();
    f.limit = paging.size;
    ASSIGN_OR_RETURN(auto found, store_.ListExecutions(f));
    ValueList results;
    for (const auto& e : found) results.push_back(Json(e));
    return JsonResponse(200, PagedResults(std::move(results), total));
  }

  Result<HttpResponse> Replay(const HttpRequest& q) {
    std::string id = q.PathParam("executionId");
    ASSIGN_OR_RETURN(Execution e, store_.GetExecution(id));
    std::string task_id = q.QueryValue("taskId").value_or("");
    if (auto run = q.QueryValue("taskRunId"); run && !run->empty()) {
      for (const auto& r : e.task_runs)
        if (r.id == *run) task_id = r.task_id;
      if (task_id.empty()) return NotFound("execution " + id + " has no task run " + *run);
    }
    if (task_id.empty()) {
      if (e.task_runs.empty()) return InvalidArgument("execution " + id + " ran no task to replay from");
      task_id = e.task_runs.front().task_id;
    }
    ASSIGN_OR_RETURN(std::string new_id, executor_.SubmitReplay(id, task_id, QueryFlag(q, "latest")));
    ASSIGN_OR_RETURN(Execution replayed, store_.GetExecution(new_id));
    return JsonResponse(200, Json(replayed));
  }

  Status Delete(const std::string& id, bool logs, bool files) {
    ASSIGN_OR_RETURN(Execution e, store_.GetExecution(id));
    if (!state::IsTerminal(e.state))
      return FailedPrecondition("execution " + id + " is " + std::string(state::StateName(e.state)) +
                                "; only an ended execution can be deleted (kill it first)");
    if (files) {
      std::string prefix = e.namespace_ + "/" + e.flow_id + "/executions/" + e.id + "/";
      auto listed = api_.rt.storage().List(prefix);
      if (listed.ok())
        for (const auto& uri : *listed) api_.rt.storage().Delete(uri).IgnoreError();
    }
    ASSIGN_OR_RETURN(auto purged, store_.PurgeExecutions({.ids = {id}, .logs = logs}));
    if (purged.executions.empty()) return NotFound("no ended execution " + id);
    return Status::Ok();
  }

  Result<HttpResponse> Preview(const HttpRequest& q) {
    ASSIGN_OR_RETURN(Execution e, store_.GetExecution(q.PathParam("executionId")));
    ASSIGN_OR_RETURN(std::string uri, ExecutionFileUri(e, q));
    int max_rows = 100;
    if (auto m = q.QueryValue("maxRows"); m && !m->empty()) {
      try {
        max_rows = std::clamp(std::stoi(*m), 1, 5000);
      } catch (...) {
        return InvalidArgument("maxRows must be a number, not '" + *m + "'");
      }
    }
    fs::path dir = UploadDir();
    UploadFolder cleanup{dir};
    ASSIGN_OR_RETURN(fs::path local, api_.rt.storage().Materialize(uri, dir));
    std::string ext = Lowercase(local.extension().string());
    std::string reader;
    if (ext == ".parquet") reader = "read_parquet";
    if (ext == ".csv" || ext == ".tsv") reader = "read_csv";
    if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson") reader = "read_json_auto";
    ValueMap out;
    out.Set("extension", ext.empty() ? "" : ext.substr(1));
    if (reader.empty()) {
      // Text: its first lines.
      std::ifstream in(local, std::ios::binary);
      std::string line;
      ValueList lines;
      while (static_cast<int>(lines.size()) < max_rows && std::getline(in, line)) lines.push_back(Value(line));
      out.Set("type", "TEXT");
      out.Set("truncated", static_cast<bool>(std::getline(in, line)));
      out.Set("content", Value(std::move(lines)));
      return JsonResponse(200, Value(std::move(out)));
    }
    std::lock_guard lock(preview_mu_);
    if (!preview_) {
      ASSIGN_OR_RETURN(preview_, engine::Session::Open({}));
    }
    ASSIGN_OR_RETURN(auto conn, preview_->Connect());
    std::string path = local.string();
    std::string quoted = "'";
    for (char c : path) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    quoted += "'";
    ASSIGN_OR_RETURN(engine::Table table,
                     conn->Query("SELECT * FROM " + reader + "(" + quoted + ") LIMIT " + std::to_string(max_rows + 1)));
    ValueList columns, rows;
    for (const auto& c : table.columns) columns.push_back(Value::MakeMap({{"name", c.name}, {"type", c.type}}));
    for (size_t i = 0; i < table.rows.size() && static_cast<int>(i) < max_rows; ++i) {
      ValueMap row;
      for (size_t c = 0; c < table.columns.size(); ++c) row.Set(table.columns[c].name, table.rows[i][c]);
      rows.push_back(Value(std::move(row)));
    }
    out.Set("type", "TABLE");
    out.Set("columns", Value(std::move(columns)));
    out.Set("truncated", static_cast<int>(table.rows.size()) > max_rows);
    out.Set("content", Value(std::move(rows)));
    return JsonResponse(200, Value(std::move(out)));
  }

  void Follow(const std::string& id, std::shared_ptr<Responder> responder) {
    auto follower = std::make_shared<ExecutionFollower>();
    follower->id = id;
    follower->responder = responder;
    follower->api = &api_;
    bool posted = api_.routes.workers.Post([this, follower] {
      auto e = store_.GetExecution(follower->id);
      if (!e.ok()) {
        follower->responder->Send(ErrorResponse(e.status()));
        return;
      }
      follower->responder->StartStream(SseResponseHead());
      follower->responder->Write(
          FormatSseEvent({.id = "start", .data = tmpl::ToJson(Value::MakeMap({{"id", e->id}}))}));
      api_.streams.Add(follower->responder);
      std::weak_ptr<ExecutionFollower> weak = follower;
      auto sub = api_.rt.events().Subscribe([weak](const exec::ExecutionEvent& event) {
        auto f = weak.lock();
        if (!f) return;
        bool mine = event.kind == exec::ExecutionEvent::Kind::kLog            ? false
                    : event.kind == exec::ExecutionEvent::Kind::kTaskRunState ? event.task_run.execution_id == f->id
                                                                              : event.execution.id == f->id;
        if (mine) f->Poke();
      });
      {
        std::lock_guard lock(follower->mu);
        follower->sub = std::move(sub);
      }
      ApiWorkers* workers = &api_.routes.workers;
      follower->responder->OnClose([follower, workers] {
        follower->ended = true;
        workers->Post([follower] { follower->Release(); });
      });
      follower->Poke();  // the state now, after subscribing: nothing is missed
    });
    if (!posted) responder->Send(HttpResponse::JsonError(503, "the server is busy; try again shortly"));
  }

  // A bulk action: every target checked first; any invalid one makes it a 400.
  using Check = std::function<std::optional<std::string>(const Execution&)>;
  using Act = std::function<Status(const Execution&)>;
  Result<HttpResponse> Bulk(const std::string& what, const std::vector<std::string>& ids, const Check& check,
                            const Act& act) {
    std::vector<Execution> targets;
    ValueList invalids;
    for (const std::string& id : ids) {
      auto e = store_.GetExecution(id);
      std::optional<std::string> problem;
      if (!e.ok()) {
        problem = "execution not found";
      } else {
        problem = check(*e);
      }
      if (problem) {
        invalids.push_back(Value::MakeMap({{"message", *problem}, {"invalidValue", id}}));
      } else {
        targets.push_back(std::move(*e));
      }
    }
    if (!invalids.empty())
      return JsonResponse(
          400, Value::MakeMap({{"message", "invalid bulk " + what}, {"invalids", Value(std::move(invalids))}}));
    int64_t count = 0;
    for (const auto& e : targets) {
      RETURN_IF_ERROR(act(e));
      ++count;
    }
    return JsonResponse(200, Value::MakeMap({{"count", count}}));
  }

  Result<std::vector<std::string>> QueryIds(const HttpRequest& q) {
    ASSIGN_OR_RETURN(state::ExecutionFilter f, ReadExecutionFilter(q, SystemClock().Now()));
    f.limit = 100000;
    ASSIGN_OR_RETURN(auto found, store_.ListExecutions(f));
    std::vector<std::string> ids;
    for (const auto& e : found) ids.push_back(e.id);
    return ids;
  }

  // Adds `verb`/by-ids (a body of ids) and `verb`/by-query.
  Status AddBulkPair(const std::string& method, const std::string& path, const std::string& what,
                     const std::string& summary, Check check, Act act) {
    auto by_ids = [this, what, check, act](const HttpRequest& q) -> Result<HttpResponse> {
      ASSIGN_OR_RETURN(auto ids, IdList(q.body));
      return Bulk(what, ids, check, act);
    };
    auto by_query = [this, what, check, act](const HttpRequest& q) -> Result<HttpResponse> {
      ASSIGN_OR_RETURN(auto ids, QueryIds(q));
      return Bulk(what, ids, check, act);
    };
    RETURN_IF_ERROR(AddApiRoute(api_.routes, method, path + "/by-ids", summary + " (a JSON list of ids)", by_ids));
    return AddApiRoute(api_.routes, method, path + "/by-query", summary + " (the executions a search finds)", by_query);
  }

  Status AddBulk() {
    auto ended = [](const Execution& e) -> std::optional<std::string> {
      if (state::IsTerminal(e.state)) return std::nullopt;
      return "execution not ended";
    };
    RETURN_IF_ERROR(AddBulkPair(
        "DELETE", "/executions/kill", "kill", "Kill executions",
        [](const Execution& e) -> std::optional<std::string> {
          if (state::IsTerminal(e.state)) return "execution already finished";
          return std::nullopt;
        },
        [this](const Execution& e) { return executor_.Cancel(e.id); }));
    RETURN_IF_ERROR(AddBulkPair(
        "POST", "/executions/restart", "restart", "Restart failed or killed executions",
        [](const Execution& e) -> std::optional<std::string> {
          if (e.state == State::kFailed || e.state == State::kKilled) return std::nullopt;
          return "execution not in state FAILED or KILLED";
        },
        [this](const Execution& e) { return executor_.SubmitRestart(e.id); }));
    RETURN_IF_ERROR(AddBulkPair(
        "POST", "/executions/pause", "pause", "Pause running executions",
        [](const Execution& e) -> std::optional<std::string> {
          if (e.state == State::kRunning) return std::nullopt;
          return "execution not in state RUNNING";
        },
        [this](const Execution& e) { return executor_.Pause(e.id); }));
    RETURN_IF_ERROR(AddBulkPair(
        "POST", "/executions/resume", "resume", "Resume paused executions",
        [](const Execution& e) -> std::optional<std::string> {
          if (e.state == State::kPaused) return std::nullopt;
          return "execution not in state PAUSED";
        },
        [this](const Execution& e) { return executor_.SubmitResume(e.id, "", "", {}); }));
    RETURN_IF_ERROR(AddBulkPair("DELETE", "/executions", "delete", "Delete ended executions", ended,
                                [this](const Execution& e) { return Delete(e.id, true, true); }));
    // Labels: by-ids takes {"executionsId": [...], "executionLabels": [...]}, by-query the labels.
    RETURN_IF_ERROR(
        AddApiRoute(api_.routes, "POST", "/executions/labels/by-ids",
                    "Add labels to ended executions ({\"executionsId\", \"executionLabels\"})",
                    [this, ended](const HttpRequest& q) -> Result<HttpResponse> {
                      auto body = tmpl::ParseJson(q.body);
                      const Value* ids = body.ok() && body->is_map() ? body->Get("executionsId") : nullptr;
                      const Value* labels = body.ok() && body->is_map() ? body->Get("executionLabels") : nullptr;
                      if (!ids || !labels)
                        return InvalidArgument("the body is {\"executionsId\": [...], \"executionLabels\": [...]}");
                      ASSIGN_OR_RETURN(auto id_list, IdList(tmpl::ToJson(*ids)));
                      ASSIGN_OR_RETURN(auto label_list, LabelList(*labels));
                      return Bulk("labels", id_list, ended, [this, label_list](const Execution& e) {
                        return store_.SetExecutionLabels(e.id, MergedLabels(e, label_list, false));
                      });
                    }));
    return AddApiRoute(api_.routes, "POST", "/executions/labels/by-query",
                       "Add labels ([{\"key\", \"value\"}]) to the ended executions a search finds",
                       [this, ended](const HttpRequest& q) -> Result<HttpResponse> {
                         auto body = tmpl::ParseJson(q.body);
                         if (!body.ok()) return InvalidArgument("the body must be JSON: [{\"key\", \"value\"}]");
                         ASSIGN_OR_RETURN(auto label_list, LabelList(*body));
                         ASSIGN_OR_RETURN(auto ids, QueryIds(q));
                         return Bulk("labels", ids, ended, [this, label_list](const Execution& e) {
                           return store_.SetExecutionLabels(e.id, MergedLabels(e, label_list, false));
                         });
                       });
  }

  ApiContext& api_;
  state::Store& store_;
  exec::Executor& executor_;
  std::mutex preview_mu_;
  std::unique_ptr<engine::Session> preview_;
};

}  // namespace

Result<std::shared_ptr<void>> AddExecutionRoutes(ApiContext& api) {
  auto routes = std::make_shared<ExecutionRoutes>(api);
  RETURN_IF_ERROR(routes->Add());
  return std::shared_ptr<void>(routes);
}

}  // namespace floe::server
