#include "server/lake_api.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine/session.h"
#include "iceberg/duckdb_scan.h"
#include "iceberg/scan.h"
#include "server/model_docs.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

constexpr int kDefaultPreviewRows = 100;
constexpr int kDefaultConsoleRows = 1000;
constexpr int kMaxRows = 10000;
constexpr std::chrono::seconds kConsoleTimeout{30};
// How many recent executions of flows that run SQL models /lake/models looks at.
constexpr int kModelRunsScanned = 200;
// manifest.json of a project with thousands of nodes is tens of MiB.
constexpr int64_t kMaxModelArtefactBytes = int64_t{256} << 20;

std::string SqlQuoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

Result<int> RowLimit(const std::optional<std::string>& given, int fallback) {
  if (!given || given->empty()) return fallback;
  char* end = nullptr;
  long n = std::strtol(given->c_str(), &end, 10);
  if (*end != '\0' || n < 1 || n > kMaxRows)
    return InvalidArgument("size must be a whole number from 1 to " + std::to_string(kMaxRows) + ", not '" + *given +
                           "'");
  return static_cast<int>(n);
}

// DuckDB numbers lines of the wrapped query ("SELECT * FROM (\n" + sql):
// its one marker, "\nLINE n: " before the query's line and a caret line
// aligned under it, is renumbered to the user's lines.
std::string WithoutWrapperLine(std::string message) {
  static constexpr std::string_view kMarker = "\nLINE ";
  size_t at = message.rfind(kMarker);
  if (at == std::string::npos) return message;
  size_t digits = at + kMarker.size(), end = digits;
  while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
  if (end == digits || end >= message.size() || message[end] != ':') return message;
  long line = std::strtol(message.c_str() + digits, nullptr, 10);
  if (line < 2) return message;
  std::string renumbered = std::to_string(line - 1);
  size_t narrower = (end - digits) - renumbered.size();  // 10 -> 9: the caret moves left too
  message.replace(digits, end - digits, renumbered);
  size_t caret = message.find('\n', digits);
  if (narrower > 0 && caret != std::string::npos &&
      message.compare(caret + 1, narrower, std::string(narrower, ' ')) == 0)
    message.erase(caret + 1, narrower);
  return message;
}

// Columns and rows as the UI shows them: {"columns": [{"name", "type"}], "rows": [[...]], "truncated"}.
ValueMap TableJson(const engine::Table& table, int limit) {
  ValueList columns, rows;
  for (const auto& c : table.columns) columns.push_back(Value::MakeMap({{"name", c.name}, {"type", c.type}}));
  for (size_t i = 0; i < table.rows.size() && static_cast<int>(i) < limit; ++i) rows.push_back(Value(table.rows[i]));
  ValueMap out;
  out.Set("columns", Value(std::move(columns)));
  out.Set("rows", Value(std::move(rows)));
  out.Set("truncated", static_cast<int>(table.rows.size()) > limit);
  return out;
}

// Which models run an answer is about: its execution and task run.
ValueMap ModelRunHead(const state::Execution& e, const state::TaskRun& run) {
  ValueMap m;
  m.Set("namespace", e.namespace_);
  m.Set("flowId", e.flow_id);
  m.Set("executionId", e.id);
  m.Set("taskId", run.task_id);
  m.Set("taskRunId", run.id);
  m.Set("state", std::string(state::StateName(run.state)));
  if (!run.history.empty()) m.Set("date", FormatTimestamp(run.history.back().at));
  return m;
}

class LakeApi {
 public:
  LakeApi(ApiContext& api, LakeApiDeps deps) : api_(api), deps_(std::move(deps)) {}

  Status Add() {
    ApiRoutes& r = api_.routes;
    LakeApi* self = this;  // kept by the server as long as the routes serve
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/lake/tables", "The lakehouse's Iceberg tables",
                                [self](const HttpRequest&) { return self->Tables(); }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/lake/tables/{namespace}/{table}",
                                "An Iceberg table's metadata: schemas, partition specs, snapshots, refs",
                                [self](const HttpRequest& q) { return self->Table(q); }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/lake/tables/{namespace}/{table}/files",
                                "The data files of a snapshot (?snapshot= or ?ref=; the current one by default)",
                                [self](const HttpRequest& q) { return self->Files(q); }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/lake/tables/{namespace}/{table}/preview",
                                "The first rows of a table at a snapshot (?snapshot=, ?ref=, ?size=)",
                                [self](const HttpRequest& q) { return self->Preview(q); }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/lake/sql", "One read-only query over the lake ({\"sql\", \"size\"})",
                                [self](const HttpRequest& q) { return self->Sql(q); }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/lake/models",
                                "The latest run of each SQL models task, with its node results",
                                [self](const HttpRequest&) { return self->Models(); }));
    return AddApiRoute(r, "GET", "/lake/models/{executionId}/{taskRunId}",
                       "One SQL models run as dbt docs shows it: nodes, lineage, SQL, columns and results",
                       [self](const HttpRequest& q) { return self->ModelRun(q); });
  }

 private:
  Result<iceberg::TableIdent> Ident(const HttpRequest& q) {
    ASSIGN_OR_RETURN(iceberg::Namespace ns, iceberg::ParseNamespace(q.PathParam("namespace")));
    std::string name = q.PathParam("table");
    if (name.empty()) return InvalidArgument("the table's name is empty");
    return iceberg::TableIdent{std::move(ns), std::move(name)};
  }

  Result<iceberg::OpenedTable> Open(const HttpRequest& q) {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(q));
    return iceberg::OpenTable(ident.ToString(), &deps_.catalog, deps_.stores);
  }

  Result<iceberg::ScanOptions> Snapshot(const HttpRequest& q) {
    iceberg::ScanOptions scan;
    if (auto s = q.QueryValue("snapshot"); s && !s->empty()) {
      char* end = nullptr;
      long long id = std::strtoll(s->c_str(), &end, 10);
      if (*end != '\0') return InvalidArgument("snapshot must be a snapshot id (a number), not '" + *s + "'");
      scan.snapshot_id = id;
    }
    scan.ref = q.QueryValue("ref").value_or("");
    if (scan.snapshot_id && !scan.ref.empty()) return InvalidArgument("give snapshot or ref, not both");
    return scan;
  }

  Result<HttpResponse> Tables() {
    ValueList out;
    std::vector<iceberg::Namespace> pending = {{}};
    while (!pending.empty()) {
      iceberg::Namespace parent = std::move(pending.back());
      pending.pop_back();
      ASSIGN_OR_RETURN(auto children, deps_.catalog.ListNamespaces(parent));
      for (auto& ns : children) {
        ASSIGN_OR_RETURN(auto tables, deps_.catalog.ListTables(ns));
        for (const auto& t : tables) {
          ASSIGN_OR_RETURN(std::string location, deps_.catalog.LoadTable(t));
          out.push_back(Value::MakeMap(
              {{"namespace", iceberg::NamespaceToString(t.ns)}, {"name", t.name}, {"metadataLocation", location}}));
        }
        pending.push_back(std::move(ns));
      }
    }
    int64_t total = static_cast<int64_t>(out.size());
    return JsonResponse(200, PagedResults(std::move(out), total));
  }

  Result<HttpResponse> Table(const HttpRequest& q) {
    ASSIGN_OR_RETURN(iceberg::OpenedTable t, Open(q));
    ASSIGN_OR_RETURN(std::string metadata_json, iceberg::TableMetadataToJson(t.metadata));
    ASSIGN_OR_RETURN(Value metadata, tmpl::ParseJson(metadata_json));
    return JsonResponse(200, Value::MakeMap({{"namespace", q.PathParam("namespace")},
                                             {"name", q.PathParam("table")},
                                             {"metadataLocation", t.metadata_location},
                                             {"metadata", std::move(metadata)}}));
  }

  Result<HttpResponse> Files(const HttpRequest& q) {
    ASSIGN_OR_RETURN(iceberg::OpenedTable t, Open(q));
    ASSIGN_OR_RETURN(iceberg::ScanOptions scan, Snapshot(q));
    ASSIGN_OR_RETURN(iceberg::ScanPlanner planner, iceberg::ScanPlanner::Start(std::move(t), scan, deps_.stores));
    ASSIGN_OR_RETURN(iceberg::ScanPlan plan, planner.Plan(iceberg::Predicate::True()));
    ValueList files;
    int64_t records = 0, bytes = 0;
    for (const auto& f : plan.files) {
      const iceberg::DataFile& d = f.entry.file;
      records += d.record_count;
      bytes += d.file_size_in_bytes;
      files.push_back(Value::MakeMap({{"path", d.file_path},
                                      {"format", d.file_format},
                                      {"records", d.record_count},
                                      {"bytes", d.file_size_in_bytes},
                                      {"specId", int64_t{f.spec_id}},
                                      {"partition", Value(ValueList(d.partition))},
                                      {"positionDeletes", int64_t(f.position_deletes.size())},
                                      {"equalityDeletes", int64_t(f.equality_deletes.size())}}));
    }
    return JsonResponse(200, Value::MakeMap({{"snapshotId", planner.snapshot_id()},
                                             {"records", records},
                                             {"bytes", bytes},
                                             {"files", Value(std::move(files))}}));
  }

  Result<std::unique_ptr<engine::Connection>> Connect() {
    std::lock_guard lock(mu_);
    if (!session_) {
      engine::SessionOptions options;
      options.functions.push_back(iceberg::IcebergFunctions({.catalog = deps_.catalog_db}));
      ASSIGN_OR_RETURN(session_, engine::Session::Open(options));
    }
    return session_->Connect();
  }

  // Runs `sql` on its own connection, interrupted after kConsoleTimeout.
  Result<engine::Table> Query(const std::string& sql) {
    ASSIGN_OR_RETURN(auto con, Connect());
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    bool timed_out = false;
    std::thread watchdog([&] {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, kConsoleTimeout, [&] { return done; })) {
        timed_out = true;
        con->Interrupt();
      }
    });
    Result<engine::Table> table = con->Query(sql);
    {
      std::lock_guard lock(mu);
      done = true;
    }
    cv.notify_all();
    watchdog.join();
    if (timed_out)
      return Status(StatusCode::kDeadlineExceeded,
                    "the query ran longer than " + std::to_string(kConsoleTimeout.count()) + " s and was stopped");
    return table;
  }

  Result<HttpResponse> Preview(const HttpRequest& q) {
    ASSIGN_OR_RETURN(int size, RowLimit(q.QueryValue("size"), kDefaultPreviewRows));
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(q));
    ASSIGN_OR_RETURN(iceberg::ScanOptions scan, Snapshot(q));
    // An unknown table, snapshot or ref is a 404 naming what exists.
    ASSIGN_OR_RETURN(iceberg::OpenedTable opened, Open(q));
    RETURN_IF_ERROR(iceberg::ScanPlanner::Start(std::move(opened), scan, deps_.stores).status());
    std::string args = SqlQuoted(ident.ToString());
    if (scan.snapshot_id) args += ", snapshot_id => " + std::to_string(*scan.snapshot_id);
    if (!scan.ref.empty()) args += ", ref => " + SqlQuoted(scan.ref);
    ASSIGN_OR_RETURN(engine::Table table,
                     Query("SELECT * FROM iceberg_scan(" + args + ") LIMIT " + std::to_string(size + 1)));
    ValueMap out = TableJson(table, size);
    if (scan.snapshot_id) out.Set("snapshotId", *scan.snapshot_id);
    return JsonResponse(200, Value(std::move(out)));
  }

  Result<HttpResponse> Sql(const HttpRequest& q) {
    ASSIGN_OR_RETURN(Value body, tmpl::ParseJson(q.body));
    const Value* sql = body.is_map() ? body.Get("sql") : nullptr;
    if (!sql || !sql->is_string()) return InvalidArgument("the body must be JSON with the query as \"sql\"");
    std::string text = sql->AsString();
    while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.back())) || text.back() == ';'))
      text.pop_back();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return InvalidArgument("the query is empty");
    std::optional<std::string> size_text;
    if (const Value* s = body.Get("size"); s && !s->is_null())
      size_text = s->is_string() ? s->AsString() : tmpl::ToJson(*s);
    ASSIGN_OR_RETURN(int size, RowLimit(size_text, kDefaultConsoleRows));
    // As a subquery only a query parses: COPY, CREATE, INSERT, ATTACH, SET
    // and a second statement are syntax errors. The newlines keep a
    // trailing comment from eating the parenthesis.
    auto started = std::chrono::steady_clock::now();
    Result<engine::Table> table =
        Query("SELECT * FROM (\n" + text + "\n) AS floe_console LIMIT " + std::to_string(size + 1));
    if (!table.ok()) {
      if (table.status().code() == StatusCode::kDeadlineExceeded) return table.status();
      return InvalidArgument(WithoutWrapperLine(table.status().message()))
          .WithHint(
              "the console runs one read-only query (SELECT, WITH, VALUES, DESCRIBE, SUMMARIZE, ...); "
              "read tables with iceberg_scan('namespace.table')");
    }
    ValueMap out = TableJson(*table, size);
    out.Set(
        "elapsedMs",
        static_cast<int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()));
    return JsonResponse(200, Value(std::move(out)));
  }

  Result<HttpResponse> Models() {
    state::Store& store = api_.rt.store();
    ASSIGN_OR_RETURN(auto recent, store.ListExecutions({.limit = kModelRunsScanned}));
    std::map<std::string, bool> seen;  // namespace/flow/task: its newest run is kept
    ValueList out;
    for (const auto& listed : recent) {
      const std::string& src = listed.flow_source;
      if (src.find("models.") == std::string::npos && src.find("dbt") == std::string::npos) continue;
      auto e = store.GetExecution(listed.id);
      if (!e.ok()) continue;  // deleted meanwhile
      for (auto run = e->task_runs.rbegin(); run != e->task_runs.rend(); ++run) {
        if (run->outputs_json.find("\"manifest\"") == std::string::npos) continue;
        std::string key = e->namespace_ + "/" + e->flow_id + "/" + run->task_id;
        if (seen[key]) continue;
        seen[key] = true;
        ASSIGN_OR_RETURN(Value outputs, tmpl::ParseJson(run->outputs_json));
        ValueMap m = ModelRunHead(*e, *run);
        for (const char* k : {"summary", "results", "manifest", "runResults", "catalog"})
          if (const Value* v = outputs.Get(k)) m.Set(k, *v);
        out.push_back(Value(std::move(m)));
      }
    }
    int64_t total = static_cast<int64_t>(out.size());
    return JsonResponse(200, PagedResults(std::move(out), total));
  }

  Result<HttpResponse> ModelRun(const HttpRequest& q) {
    ASSIGN_OR_RETURN(state::Execution e, api_.rt.store().GetExecution(q.PathParam("executionId")));
    std::string run_id = q.PathParam("taskRunId");
    auto run = std::find_if(e.task_runs.begin(), e.task_runs.end(), [&](const auto& t) { return t.id == run_id; });
    if (run == e.task_runs.end()) return NotFound("execution " + e.id + " has no task run '" + run_id + "'");
    ASSIGN_OR_RETURN(Value outputs, tmpl::ParseJson(run->outputs_json.empty() ? "{}" : run->outputs_json));
    // Each artefact is an output URI in storage; manifest.json is needed.
    auto artefact = [&](const char* key, bool needed) -> Result<Value> {
      const Value* uri = outputs.Get(key);
      if (!uri || !uri->is_string()) {
        if (!needed) return Value();
        return NotFound("task run " + run_id + " (" + run->task_id + ") of execution " + e.id +
                        " ran no SQL models: it has no manifest output");
      }
      ASSIGN_OR_RETURN(int64_t size, api_.rt.storage().Size(uri->AsString()));
      if (size > kMaxModelArtefactBytes)
        return FailedPrecondition(std::string(key) + " of task run " + run_id + " is " + std::to_string(size >> 20) +
                                  " MiB; the models page reads at most " +
                                  std::to_string(kMaxModelArtefactBytes >> 20) + " MiB (download it instead)");
      ASSIGN_OR_RETURN(std::string text, api_.rt.storage().Read(uri->AsString()));
      Result<Value> parsed = tmpl::ParseJson(text);
      if (!parsed.ok())
        return Status(StatusCode::kInternal, std::string(key) + " of task run " + run_id + " (" + uri->AsString() +
                                                 ") is not JSON: " + parsed.status().message());
      return parsed;
    };
    ASSIGN_OR_RETURN(Value manifest, artefact("manifest", true));
    ASSIGN_OR_RETURN(Value run_results, artefact("runResults", false));
    ASSIGN_OR_RETURN(Value catalog, artefact("catalog", false));
    ASSIGN_OR_RETURN(Value docs, ModelRunDocs(manifest, run_results, catalog));
    ValueMap out = ModelRunHead(e, *run);
    for (const auto& [k, v] : docs.AsMap()) out.Set(k, v);
    return JsonResponse(200, Value(std::move(out)));
  }

  ApiContext& api_;
  LakeApiDeps deps_;
  std::mutex mu_;
  std::unique_ptr<engine::Session> session_;
};

}  // namespace

Result<std::shared_ptr<void>> AddLakeRoutes(ApiContext& api, LakeApiDeps deps) {
  auto lake = std::make_shared<LakeApi>(api, std::move(deps));
  RETURN_IF_ERROR(lake->Add());
  return std::shared_ptr<void>(lake);
}

}  // namespace floe::server
