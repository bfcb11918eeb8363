#include "server/floe_server.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/id.h"
#include "runtime/runtime.h"
#include "server/api_context.h"
#include "server/auth.h"
#include "server/executions_api.h"
#include "server/flow_catalog.h"
#include "server/flows_api.h"
#include "server/http_server.h"
#include "server/iceberg_routes.h"
#include "server/lake_api.h"
#include "server/logs_api.h"
#include "server/metrics.h"
#include "server/namespaces_api.h"
#include "server/openapi.h"
#include "server/stats_api.h"
#include "server/triggers_api.h"
#include "server/ui_routes.h"
#include "server/webhook_route.h"
#include "tmpl/json.h"
#include "triggers/scheduler.h"

namespace floe::server {

// Bucket bounds of floe_task_run_duration_seconds: from a Log task (a few
// ms) to a long shell or query (30 min).
static const std::vector<double> kTaskDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                         2.5,   5,    10,    30,   60,  300,  1800};

struct FloeServer::Impl {
  runtime::Home home;
  ServerConfig config;
  std::FILE* out = stdout;
  std::unique_ptr<runtime::Runtime> rt;
  std::unique_ptr<triggers::Scheduler> scheduler;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<HttpServer> http;
  MetricsRegistry metrics;
  exec::EventBus::Subscription metrics_events;
  std::unique_ptr<FlowCatalog> flows;
  // The REST API. Members are destroyed in reverse order: the workers go
  // first (finishing their queue, which may use everything above them),
  // then the streams' keeper, then the route files' state.
  std::vector<std::shared_ptr<void>> api_state;
  std::unique_ptr<ApiContext> api;
  std::unique_ptr<ApiRoutes> api_routes;
  std::unique_ptr<StreamKeeper> api_streams;
  std::unique_ptr<ApiWorkers> api_workers;
  // The Iceberg REST catalog over the home's catalog and warehouse.
  std::unique_ptr<iceberg::SqlCatalog> iceberg_catalog;
  storage::ObjectStores iceberg_stores;
  std::unique_ptr<iceberg::Tables> iceberg_tables;
  std::unique_ptr<iceberg::RestCatalog> iceberg_rest;

  std::atomic<bool> ready{false};
  std::atomic<bool> shut_down{false};

  // The startup recovery of unfinished executions.
  std::thread recovery;
  std::atomic<bool> recovering{false};

  // The flows-folder watcher.
  std::thread watcher;
  std::mutex watch_mu;
  std::condition_variable watch_cv;
  bool stop_watching = false;

  // Fails the Pauses whose timeout passed (Executor::ExpirePauses), every second.
  std::thread pause_timer;

  MetricFamily<Counter>* executions_total = nullptr;
  MetricFamily<Histogram>* task_durations = nullptr;
  Gauge* queue_depth = nullptr;
  Gauge* running = nullptr;
  Gauge* scheduler_lag = nullptr;
  Gauge* flows_loaded = nullptr;
  Counter* triggers_fired = nullptr;

  void RegisterMetrics();
  void OnEvent(const exec::ExecutionEvent& event);
  std::string RenderMetrics();
  Status AddRoutes();
  void ApplyFolderChanges(const FlowsFolder::Changes& changes, bool first);
  Status AddApiRoutes();
  void Watch();
  void ExpirePauses();
  void Recover(std::vector<std::string> ids);
};

void FloeServer::Impl::RegisterMetrics() {
  executions_total = &metrics.AddCounter("floe_executions_total", "Executions ended, by final state", {"state"});
  task_durations = &metrics.AddHistogram("floe_task_run_duration_seconds",
                                         "Task runs ended, by final state: first to last state change",
                                         kTaskDurationBuckets, {"state"});
  queue_depth = &metrics.AddGauge("floe_executor_queue_depth", "Executions submitted and waiting for a thread")
                     .WithLabels(std::vector<std::string>{});
  running = &metrics.AddGauge("floe_executor_running", "Executions running now").WithLabels(std::vector<std::string>{});
  scheduler_lag =
      &metrics
           .AddGauge("floe_scheduler_lag_seconds", "How late the last schedule firing started, past its schedule date")
           .WithLabels(std::vector<std::string>{});
  triggers_fired = &metrics.AddCounter("floe_triggers_fired_total", "Executions started by triggers since start")
                        .WithLabels(std::vector<std::string>{});
  flows_loaded = &metrics.AddGauge("floe_flows_loaded", "Flows loaded from the flows folder")
                      .WithLabels(std::vector<std::string>{});
}

void FloeServer::Impl::OnEvent(const exec::ExecutionEvent& event) {
  using Kind = exec::ExecutionEvent::Kind;
  if (event.kind == Kind::kExecutionState && state::IsTerminal(event.execution.state)) {
    executions_total->WithLabels({state::StateName(event.execution.state)}).Increment();
  } else if (event.kind == Kind::kTaskRunState && state::IsTerminal(event.task_run.state) &&
             !event.task_run.history.empty()) {
    const auto& h = event.task_run.history;
    double seconds = std::chrono::duration<double>(h.back().at - h.front().at).count();
    task_durations->WithLabels({state::StateName(event.task_run.state)}).Observe(seconds);
  }
}

std::string FloeServer::Impl::RenderMetrics() {
  exec::Executor& executor = rt->executor();
  queue_depth->Set(static_cast<double>(executor.queued()));
  running->Set(static_cast<double>(executor.running()));
  triggers::SchedulerStats stats = scheduler->stats();
  scheduler_lag->Set(std::chrono::duration<double>(stats.last_lag).count());
  // The scheduler counts firings itself; the counter catches up to it.
  double fired = static_cast<double>(stats.fired);
  if (fired > triggers_fired->value()) triggers_fired->Increment(fired - triggers_fired->value());
  flows_loaded->Set(static_cast<double>(stats.flows));
  return metrics.Render();
}

namespace {

HttpResponse HealthUp() { return HttpResponse::Json(200, R"({"status":"UP"})"); }

}  // namespace

Status FloeServer::Impl::AddRoutes() {
  for (const char* prefix : {"/api/v1", "/api/v1/{tenant}"}) {
    std::string p = prefix;
    RETURN_IF_ERROR(http->Route("GET", p + "/health", "Liveness: the process serves", [](const HttpRequest& r) {
      if (auto bad = CheckTenant(r)) return *bad;
      return HealthUp();
    }));
    RETURN_IF_ERROR(AddWebhookRoutes(*http, p, *scheduler, rt->store(), rt->events()));
  }
  for (const char* path : {"/health", "/health/liveness"})
    RETURN_IF_ERROR(
        http->Route("GET", path, "Liveness (Micronaut's path)", [](const HttpRequest&) { return HealthUp(); }));
  RETURN_IF_ERROR(http->Route("GET", "/health/readiness", "Readiness: flows loaded, recovery started, not stopping",
                              [this](const HttpRequest&) {
                                if (ready.load()) return HealthUp();
                                return HttpResponse::Json(503, R"({"status":"DOWN"})");
                              }));
  RETURN_IF_ERROR(http->Route("GET", "/metrics", "Prometheus metrics", [this](const HttpRequest&) {
    HttpResponse r = HttpResponse::Text(200, RenderMetrics());
    r.headers.Set("Content-Type", std::string(MetricsRegistry::kContentType));
    return r;
  }));
  flow::LakeSettings lake = home.lake_settings();
  ASSIGN_OR_RETURN(iceberg_catalog, iceberg::SqlCatalog::Open(lake.catalog));
  iceberg_tables = std::make_unique<iceberg::Tables>(*iceberg_catalog, iceberg_stores);
  iceberg_rest = std::make_unique<iceberg::RestCatalog>(*iceberg_catalog, *iceberg_tables, lake.warehouse);
  RETURN_IF_ERROR(AddUiRoutes(*http));
  return AddIcebergRoutes(*http, *iceberg_rest);
}

Status FloeServer::Impl::AddApiRoutes() {
  api_workers = std::make_unique<ApiWorkers>(4);
  api_streams = std::make_unique<StreamKeeper>();
  api_routes = std::make_unique<ApiRoutes>(ApiRoutes{*http, *api_workers});
  api = std::make_unique<ApiContext>(ApiContext{*rt, *flows, *api_routes, *api_streams});
  RETURN_IF_ERROR(AddFlowRoutes(*api_routes, *flows, rt->store()));
  for (auto add : {AddExecutionRoutes, AddLogRoutes, AddNamespaceRoutes}) {
    ASSIGN_OR_RETURN(std::shared_ptr<void> state, add(*api));
    api_state.push_back(std::move(state));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<void> trigger_state, AddTriggerRoutes(*api, *scheduler));
  api_state.push_back(std::move(trigger_state));
  ASSIGN_OR_RETURN(std::shared_ptr<void> lake_state, AddLakeRoutes(*api, {.catalog = *iceberg_catalog,
                                                                          .stores = iceberg_stores,
                                                                          .catalog_db = home.lake_settings().catalog}));
  api_state.push_back(std::move(lake_state));
  RETURN_IF_ERROR(AddStatsRoutes(*api));
  RETURN_IF_ERROR(AddPluginRoutes(*api));
  // Made at each request from the table itself (which does not change once serving).
  return AddApiRoute(*api_routes, "GET", "/openapi.json", "This server's OpenAPI 3 document",
                     [this](const HttpRequest&) -> Result<HttpResponse> {
                       std::vector<RouteInfo> routes = http->routes();
                       std::erase_if(routes, [](const RouteInfo& r) { return IsUiRoute(r.pattern); });
                       return JsonResponse(200, OpenApiDocument(routes, "1"));
                     });
}

void FloeServer::Impl::ApplyFolderChanges(const FlowsFolder::Changes& changes, bool first) {
  for (const Status& e : changes.errors) std::fprintf(stderr, "floe server: flow skipped: %s\n", e.ToString().c_str());
  if (!changes.any()) return;
  Status s = scheduler->SetFlows(flows->flows());
  if (!s.ok()) std::fprintf(stderr, "floe server: scheduler: %s\n", s.ToString().c_str());
  for (const auto& f : changes.loaded)
    std::fprintf(out, "%s %s\n", first ? "flow" : "flow reloaded", DescribeFlowTriggers(*f).c_str());
  for (const auto& key : changes.removed) std::fprintf(out, "flow removed %s\n", key.c_str());
  std::fflush(out);
}

void FloeServer::Impl::Watch() {
  std::unique_lock lock(watch_mu);
  while (!stop_watching) {
    watch_cv.wait_for(lock, config.watch_interval, [this] { return stop_watching; });
    if (stop_watching) break;
    lock.unlock();
    flows->Refresh();  // OnChange applies what changed
    lock.lock();
  }
}

void FloeServer::Impl::ExpirePauses() {
  std::unique_lock lock(watch_mu);
  while (!stop_watching) {
    watch_cv.wait_for(lock, std::chrono::seconds(1), [this] { return stop_watching; });
    if (stop_watching) break;
    lock.unlock();
    auto expired = rt->executor().ExpirePauses();
    if (!expired.ok()) {
      std::fprintf(stderr, "floe server: pause timeouts: %s\n", expired.status().ToString().c_str());
    } else {
      for (const auto& id : *expired) std::fprintf(out, "execution %s: a pause timed out\n", id.c_str());
      if (!expired->empty()) std::fflush(out);
    }
    lock.lock();
  }
}

void FloeServer::Impl::Recover(std::vector<std::string> ids) {
  for (const std::string& id : ids) {
    if (shut_down.load()) break;
    std::fprintf(out, "recovering execution %s\n", id.c_str());
    std::fflush(out);
    Status s = rt->executor().Recover(id);
    // FailedPrecondition: it ended meanwhile, or another live process runs it.
    if (!s.ok() && s.code() != StatusCode::kFailedPrecondition)
      std::fprintf(stderr, "floe server: recovering %s: %s\n", id.c_str(), s.ToString().c_str());
  }
  recovering = false;
}

FloeServer::FloeServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FloeServer::~FloeServer() {
  Shutdown();
  if (impl_->recovery.joinable()) impl_->recovery.join();
}

uint16_t FloeServer::port() const { return impl_->http->port(); }

Result<std::unique_ptr<FloeServer>> FloeServer::Start(runtime::Home home, const ServerConfig& config, std::FILE* out) {
  if (!IsLoopbackHost(config.host) && !config.auth.enabled() && !config.allow_unauthenticated)
    return FailedPrecondition("floe server would listen on " + config.host +
                              " without authentication: anyone who reaches it could run flows")
        .WithHint(
            "configure server.basicAuth or server.tokens, bind to 127.0.0.1, or set server.allowUnauthenticated: "
            "true on purpose");
  auto impl = std::make_unique<Impl>();
  if (!config.flows_dir.empty()) home.flows = config.flows_dir;
  impl->home = home;
  impl->config = config;
  impl->out = out;
  ASSIGN_OR_RETURN(impl->rt,
                   runtime::Runtime::Open(home, {.workers = config.workers, .max_running = config.max_running}));
  impl->RegisterMetrics();
  Impl* raw = impl.get();
  impl->metrics_events = impl->rt->events().Subscribe([raw](const exec::ExecutionEvent& e) { raw->OnEvent(e); });

  // Executions a previous process left unfinished, listed before anything
  // new is submitted so that recovery never races a fresh submission.
  std::vector<std::string> unfinished;
  for (state::State s : {state::State::kRunning, state::State::kKilling, state::State::kQueued, state::State::kCreated,
                         state::State::kRestarted}) {
    ASSIGN_OR_RETURN(auto executions, impl->rt->store().ListExecutions({.state = s, .limit = 100000}));
    for (auto it = executions.rbegin(); it != executions.rend(); ++it) unfinished.push_back(it->id);
  }

  char host[256] = "floe";
  gethostname(host, sizeof host - 1);
  impl->scheduler = std::make_unique<triggers::Scheduler>(
      impl->rt->store(), impl->rt->executor(), SystemClock(),
      triggers::SchedulerOptions{.owner = std::string(host) + "-" + std::to_string(getpid()) + "-" + NewId()});
  impl->flows = std::make_unique<FlowCatalog>(home.flows, runtime::BuiltinRegistry(), impl->rt->store(), SystemClock());
  FlowsFolder::Changes first = impl->flows->Refresh();
  impl->ApplyFolderChanges(first, true);
  impl->flows->OnChange([raw](const FlowsFolder::Changes& changes) { raw->ApplyFolderChanges(changes, false); });
  if (!first.any()) {
    // No flows: the scheduler still learns so (it drops triggers of flows gone while stopped).
    Status s = impl->scheduler->SetFlows({});
    if (!s.ok()) std::fprintf(stderr, "floe server: scheduler: %s\n", s.ToString().c_str());
  }

  impl->auth = std::make_unique<Authenticator>(config.auth);
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.request_timeout);
  HttpServerOptions http_options{.host = config.host,
                                 .port = static_cast<uint16_t>(config.port),
                                 .max_body_bytes = config.max_body_bytes,
                                 .body_timeout = timeout,
                                 .write_timeout = timeout};
  http_options.filter = [raw](const HttpRequest& request) -> std::optional<HttpResponse> {
    if (request.method == "OPTIONS" && !raw->config.cors_origins.empty()) {
      // A CORS preflight: allowed origins learn what they may send.
      HttpResponse r{.status = 204};
      r.headers.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
      r.headers.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID, ttl");
      r.headers.Set("Access-Control-Max-Age", "600");
      return r;
    }
    return raw->auth->Check(request);
  };
  if (!config.cors_origins.empty()) {
    http_options.response_headers = [raw](const HttpRequest& request, HttpHeaders& headers) {
      std::string_view origin = request.headers.Get("origin");
      if (origin.empty()) return;
      for (const std::string& allowed : raw->config.cors_origins) {
        if (allowed != "*" && allowed != origin) continue;
        headers.Set("Access-Control-Allow-Origin", std::string(origin));
        headers.Set("Access-Control-Allow-Credentials", "true");
        headers.Set("Vary", "Origin");
        return;
      }
    };
  }
  impl->http = std::make_unique<HttpServer>(std::move(http_options));
  RETURN_IF_ERROR(impl->AddRoutes());
  RETURN_IF_ERROR(impl->AddApiRoutes());
  RETURN_IF_ERROR(impl->http->Start());

  if (!unfinished.empty()) {
    impl->recovering = true;
    impl->recovery = std::thread([raw, ids = std::move(unfinished)]() mutable { raw->Recover(std::move(ids)); });
  }
  impl->scheduler->Start();
  impl->watcher = std::thread([raw] { raw->Watch(); });
  impl->pause_timer = std::thread([raw] { raw->ExpirePauses(); });
  impl->ready = true;
  std::fprintf(out, "floe server listening on %s (%zu flows, home %s)\n", impl->http->base_url().c_str(),
               impl->flows->flows().size(), home.root.string().c_str());
  std::fflush(out);
  return std::unique_ptr<FloeServer>(new FloeServer(std::move(impl)));
}

FloeServer::ShutdownReport FloeServer::Shutdown() {
  Impl& s = *impl_;
  ShutdownReport report;
  if (s.shut_down.exchange(true)) return report;
  s.ready = false;
  s.http->Stop(std::chrono::seconds(1));
  {
    std::lock_guard lock(s.watch_mu);
    s.stop_watching = true;
  }
  s.watch_cv.notify_all();
  if (s.watcher.joinable()) s.watcher.join();
  if (s.pause_timer.joinable()) s.pause_timer.join();
  s.scheduler->Stop();
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(s.config.shutdown_grace);
  report.still_running = s.rt->executor().Drain(deadline);
  // A recovered execution runs on the recovery thread, outside the pool:
  // give it the rest of the grace too.
  while (s.recovering.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  report.recovering = s.recovering.load();
  if (!report.recovering && s.recovery.joinable()) s.recovery.join();
  if (report.recovering) {
    report.still_running += 1;
    s.recovery.detach();  // the caller exits without destroying the runtime under it
  }
  return report;
}

}  // namespace floe::server
