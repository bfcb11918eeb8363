// FloeServer: the `floe server` process as an object — a runtime (store,
// storage, executor), the scheduler running the flows folder's triggers, and
// the HTTP server answering health, readiness, Prometheus metrics and
// webhooks.
//
//   ASSIGN_OR_RETURN(auto server, FloeServer::Start(home, config, stdout));
//   // prints one line per flow and "floe server listening on http://127.0.0.1:8080"
//   ... wait for SIGTERM ...
//   FloeServer::ShutdownReport report = server->Shutdown();
//   if (report.still_running > 0) std::_Exit(0);   // see Shutdown()
//
// Routes, each both unscoped (/api/v1/...) and under Kestra's tenant
// (/api/v1/main/...; another tenant is a 404):
//   GET  /api/v1/health                 {"status":"UP"} while the process serves
//   GET  /health, /health/liveness      the same (Micronaut's management paths)
//   GET  /health/readiness              200 {"status":"UP"} once flows are loaded and recovery
//                                       started; 503 {"status":"DOWN"} before and while shutting down
//   GET  /metrics                       Prometheus text (see metrics names in floe_server.cc)
//   GET|POST|PUT /api/v1/executions/webhook/{namespace}/{flowId}/{key}
//                                       fires the flow's Webhook trigger: 200 with the execution
//                                       (Kestra's shape), or when the trigger says `wait: true`, the
//                                       execution once it ended (its outputs with returnOutputs);
//                                       404 no such webhook; 429 the executor's queue is full
//   /v1/...                             the Iceberg REST catalog (server/iceberg_routes.h) over the
//                                       home's Iceberg catalog and warehouse
//
// Thread safety: Start and Shutdown from one thread; the rest is internal.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "core/status.h"
#include "runtime/home.h"
#include "server/server_config.h"

namespace floe::server {

class FloeServer {
 public:
  // Opens the home's runtime, loads the flows folder (flows that do not load
  // are reported on stderr with file:line:col and skipped), hands the flows
  // to the scheduler, starts recovering unfinished executions on a thread of
  // its own, starts the scheduler, the flows-folder watcher and HTTP, and
  // prints the flows and the listening line on `out` (flushed). Fails when
  // the runtime cannot open or the address cannot be bound.
  static Result<std::unique_ptr<FloeServer>> Start(runtime::Home home, const ServerConfig& config, std::FILE* out);
  // Shuts down (Shutdown()) if not done yet.
  ~FloeServer();

  uint16_t port() const;

  struct ShutdownReport {
    size_t still_running = 0;  // executions (recovered ones included) running after the grace
    bool recovering = false;   // the startup recovery was still running its executions
  };
  // Graceful stop: readiness answers 503, HTTP stops accepting (requests in
  // flight get a second), the scheduler and watcher stop (leases released),
  // then the executor drains: queued executions are not started (they stay
  // CREATED), running ones may finish until the configured grace has passed.
  // Executions still running then stay RUNNING in the store, where the next
  // start recovers them. Every state change is committed to the store as it
  // happens, so nothing is lost by not waiting: a caller with
  // still_running > 0 should std::_Exit, because destroying the executor
  // waits for its executions without limit. Idempotent.
  ShutdownReport Shutdown();

  struct Impl;

 private:
  explicit FloeServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace floe::server
