#include "server/logs_api.h"

#include <atomic>

#include "server/sse.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

using state::LogEntry;
using tmpl::Value;
using tmpl::ValueList;

Result<std::optional<LogLevel>> MinLevel(const HttpRequest& q) {
  auto text = q.QueryValue("minLevel");
  if (!text || text->empty()) return std::optional<LogLevel>();
  auto level = ParseLogLevel(*text);
  if (!level) return InvalidArgument("minLevel is TRACE, DEBUG, INFO, WARN or ERROR, not '" + *text + "'");
  return std::optional<LogLevel>(*level);
}

// One /logs/{id}/follow stream. Lines published while the stored ones are
// being sent wait in `pending`; each line goes out once, in order of seq.
struct LogFollower : std::enable_shared_from_this<LogFollower> {
  std::string id, ns, flow_id;
  std::optional<LogLevel> min_level;
  std::shared_ptr<Responder> responder;
  ApiContext* api = nullptr;
  std::mutex mu;
  int64_t last_seq = 0;
  bool caught_up = false;
  bool closed = false;
  std::vector<LogEntry> pending;
  exec::EventBus::Subscription sub;
  std::atomic<bool> end_check_pending{false};

  bool Wanted(const LogEntry& e) const { return !min_level || e.level >= *min_level; }

  // Under mu.
  void WriteLocked(const LogEntry& e) {
    if (closed || e.seq <= last_seq) return;
    last_seq = e.seq;
    if (!Wanted(e)) return;
    if (!WriteEventOrEndBehind(
            *responder, FormatSseEvent({.id = std::to_string(e.seq), .data = tmpl::ToJson(LogJson(e, ns, flow_id))}))) {
      closed = true;
      Close();
    }
  }
  void OnLog(const LogEntry& e) {
    std::lock_guard lock(mu);
    if (!caught_up) {
      pending.push_back(e);
    } else {
      WriteLocked(e);
    }
  }
  void Close() {
    auto self = shared_from_this();
    api->routes.workers.Post([self] {
      exec::EventBus::Subscription local;
      {
        std::lock_guard lock(self->mu);
        local = std::move(self->sub);
      }
      local.Reset();
    });
  }
  // Sends what the store holds after last_seq, then what was published meanwhile.
  void CatchUp() {
    while (true) {
      int64_t after;
      {
        std::lock_guard lock(mu);
        after = last_seq;
      }
      auto lines = api->rt.store().QueryLogs({.execution_id = id, .after_seq = after, .limit = 5000});
      std::lock_guard lock(mu);
      if (!lines.ok()) {
        responder->Write(FormatSseEvent({.event = "error", .data = lines.status().ToString()}));
        closed = true;
        responder->End();
        Close();
        return;
      }
      for (const auto& e : *lines) WriteLocked(e);
      if (lines->size() == 5000 && !closed) continue;
      std::sort(pending.begin(), pending.end(), [](const LogEntry& a, const LogEntry& b) { return a.seq < b.seq; });
      for (const auto& e : pending) WriteLocked(e);
      pending.clear();
      caught_up = true;
      return;
    }
  }
  // Ends the stream once the execution ended and its lines were sent.
  void CheckEnded() {
    end_check_pending = false;
    auto state = api->rt.store().GetExecutionState(id);
    if (!state.ok() || !state::IsTerminal(*state)) return;
    CatchUpRest();
  }
  void CatchUpRest() {
    {
      std::lock_guard lock(mu);
      if (closed) return;
    }
    auto lines = api->rt.store().QueryLogs({.execution_id = id, .after_seq = last_seq, .limit = 100000});
    std::lock_guard lock(mu);
    if (lines.ok())
      for (const auto& e : *lines) WriteLocked(e);
    if (closed) return;
    closed = true;
    responder->Write(FormatSseEvent({.event = "end", .data = "{}"}));
    responder->End();
    Close();
  }
};

class LogRoutes {
 public:
  explicit LogRoutes(ApiContext& api) : api_(api), store_(api.rt.store()) {}

  Status Add() {
    ApiRoutes& r = api_.routes;
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/logs/{executionId}",
                                "An execution's log lines (?minLevel= &taskId= &taskRunId=)",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(auto found, ForExecution(q));
                                  ValueList out;
                                  for (const auto& e : found.lines) out.push_back(LogJson(e, found.ns, found.flow_id));
                                  return JsonResponse(200, Value(std::move(out)));
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/logs/{executionId}/download", "An execution's log lines as text",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(auto found, ForExecution(q));
                                  std::string text;
                                  for (const auto& e : found.lines) {
                                    text += FormatTimestamp(e.at) + " " + std::string(LogLevelName(e.level)) + " ";
                                    if (!e.task_id.empty()) text += "[" + e.task_id + "] ";
                                    text += e.message + "\n";
                                  }
                                  HttpResponse resp = HttpResponse::Text(200, std::move(text));
                                  resp.headers.Set("Content-Disposition",
                                                   "attachment; filename=\"" + q.PathParam("executionId") + ".log\"");
                                  return resp;
                                }));
    RETURN_IF_ERROR(AddApiRoute(
        r, "DELETE", "/logs/{executionId}", "Delete an execution's log lines",
        [this](const HttpRequest& q) -> Result<HttpResponse> {
          std::string id = q.PathParam("executionId");
          ASSIGN_OR_RETURN(auto e, store_.GetExecution(id));
          ASSIGN_OR_RETURN(auto level, MinLevel(q));
          state::LogPurge purge{.execution_id = id};
          if (level)
            for (int l = static_cast<int>(*level); l <= static_cast<int>(LogLevel::kError); ++l)
              purge.levels.push_back(static_cast<LogLevel>(l));
          if (q.QueryValue("taskId") || q.QueryValue("taskRunId"))
            return InvalidArgument("deleting the lines of one task is not supported; delete by execution and minLevel");
          ASSIGN_OR_RETURN(int64_t n, store_.PurgeLogs(purge));
          (void)e;
          return JsonResponse(200, Value::MakeMap({{"count", n}}));
        }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/logs/search",
                                "Search log lines (?namespace= &flowId= &minLevel= &startDate= &endDate= &q=), paged",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(Paging paging, ReadPaging(q));
                                  state::LogQuery query;
                                  query.namespace_ = q.QueryValue("namespace").value_or("");
                                  query.flow_id = q.QueryValue("flowId").value_or("");
                                  query.execution_id = q.QueryValue("executionId").value_or("");
                                  query.query = q.QueryValue("q").value_or("");
                                  ASSIGN_OR_RETURN(query.min_level, MinLevel(q));
                                  ASSIGN_OR_RETURN(query.start, QueryTime(q, "startDate"));
                                  ASSIGN_OR_RETURN(query.end, QueryTime(q, "endDate"));
                                  query.offset = paging.offset();
                                  query.limit = paging.size;
                                  int64_t total = 0;
                                  ASSIGN_OR_RETURN(auto lines, store_.QueryLogs(query, &total));
                                  ValueList out;
                                  std::map<std::string, std::pair<std::string, std::string>> flows;
                                  for (const auto& e : lines) {
                                    auto it = flows.find(e.execution_id);
                                    if (it == flows.end()) {
                                      auto ex = store_.GetExecution(e.execution_id);
                                      std::pair<std::string, std::string> nf;
                                      if (ex.ok()) nf = {ex->namespace_, ex->flow_id};
                                      it = flows.emplace(e.execution_id, nf).first;
                                    }
                                    out.push_back(LogJson(e, it->second.first, it->second.second));
                                  }
                                  return JsonResponse(200, PagedResults(std::move(out), total));
                                }));
    return AddApiAsyncRoute(r, "GET", "/logs/{executionId}/follow",
                            "Follow an execution's log lines: server-sent events, resumable with Last-Event-ID",
                            [this](const HttpRequest& request, std::shared_ptr<Responder> responder) {
                              Follow(request, std::move(responder));
                            });
  }

 private:
  struct Found {
    std::string ns, flow_id;
    std::vector<LogEntry> lines;
  };
  Result<Found> ForExecution(const HttpRequest& q) {
    std::string id = q.PathParam("executionId");
    ASSIGN_OR_RETURN(auto e, store_.GetExecution(id));
    Found found{e.namespace_, e.flow_id, {}};
    state::LogQuery query{.execution_id = id,
                          .task_id = q.QueryValue("taskId").value_or(""),
                          .task_run_id = q.QueryValue("taskRunId").value_or(""),
                          .limit = 1000000};
    ASSIGN_OR_RETURN(query.min_level, MinLevel(q));
    ASSIGN_OR_RETURN(found.lines, store_.QueryLogs(query));
    return found;
  }

  void Follow(const HttpRequest& request, std::shared_ptr<Responder> responder) {
    auto f = std::make_shared<LogFollower>();
    f->id = request.PathParam("executionId");
    f->responder = responder;
    f->api = &api_;
    auto level = MinLevel(request);
    if (!level.ok()) {
      responder->Send(ErrorResponse(level.status()));
      return;
    }
    f->min_level = *level;
    if (auto last = LastEventId(request)) {
      try {
        f->last_seq = std::stoll(*last);
      } catch (...) {
        f->last_seq = 0;  // "start": from the beginning
      }
    }
    bool posted = api_.routes.workers.Post([this, f] {
      auto e = store_.GetExecution(f->id);
      if (!e.ok()) {
        f->responder->Send(ErrorResponse(e.status()));
        return;
      }
      f->ns = e->namespace_;
      f->flow_id = e->flow_id;
      f->responder->StartStream(SseResponseHead());
      if (f->last_seq == 0) f->responder->Write(FormatSseEvent({.id = "start", .data = "{}"}));
      api_.streams.Add(f->responder);
      std::weak_ptr<LogFollower> weak = f;
      ApiWorkers* workers = &api_.routes.workers;
      auto sub = api_.rt.events().Subscribe([weak, workers](const exec::ExecutionEvent& event) {
        auto self = weak.lock();
        if (!self) return;
        if (event.kind == exec::ExecutionEvent::Kind::kLog && event.log.execution_id == self->id) {
          self->OnLog(event.log);
        } else if (event.kind == exec::ExecutionEvent::Kind::kExecutionState && event.execution.id == self->id &&
                   state::IsTerminal(event.execution.state) && !self->end_check_pending.exchange(true)) {
          workers->Post([self] { self->CheckEnded(); });
        }
      });
      {
        std::lock_guard lock(f->mu);
        f->sub = std::move(sub);
      }
      f->responder->OnClose([f] {
        {
          std::lock_guard lock(f->mu);
          f->closed = true;
        }
        f->Close();
      });
      f->CatchUp();
      // Read after subscribing: an execution that ended before is ended here,
      // one that ends later is ended by its event.
      f->CheckEnded();
    });
    if (!posted) responder->Send(HttpResponse::JsonError(503, "the server is busy; try again shortly"));
  }

  ApiContext& api_;
  state::Store& store_;
};

}  // namespace

tmpl::Value LogJson(const state::LogEntry& e, const std::string& ns, const std::string& flow_id) {
  tmpl::ValueMap m;
  m.Set("namespace", ns);
  m.Set("flowId", flow_id);
  if (!e.task_id.empty()) m.Set("taskId", e.task_id);
  m.Set("executionId", e.execution_id);
  if (!e.task_run_id.empty()) m.Set("taskRunId", e.task_run_id);
  m.Set("attemptNumber", Value());
  m.Set("timestamp", FormatTimestamp(e.at));
  m.Set("level", std::string(LogLevelName(e.level)));
  m.Set("message", e.message);
  m.Set("seq", e.seq);
  m.Set("deleted", false);
  m.Set("tenantId", "main");
  return Value(std::move(m));
}

Result<std::shared_ptr<void>> AddLogRoutes(ApiContext& api) {
  auto routes = std::make_shared<LogRoutes>(api);
  RETURN_IF_ERROR(routes->Add());
  return std::shared_ptr<void>(routes);
}

}  // namespace floe::server
