// duckdb.Query: runs SQL in an embedded DuckDB, with Kestra's properties.
#include <fstream>
#include <map>
#include <mutex>

#include "engine/session.h"
#include "flow/task_files.h"
#include "iceberg/duckdb_scan.h"
#include "tasks/builtin.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

// A relative file name inside the working directory; no escaping it.
Status CheckFileName(flow::TaskContext& ctx, std::string_view property, const std::string& name) {
  std::filesystem::path p(name);
  bool bad = name.empty() || p.is_absolute();
  for (const auto& part : p) bad = bad || part == "..";
  if (bad) return ctx.PropertyError(property, "'" + name + "' must be a relative file name without '..'");
  return Status::Ok();
}

class DuckDbQueryTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::filesystem::path wd, ctx.WorkingDirectory());
    ctx.AddVariable("workingDir", Value(wd.string()));
    RETURN_IF_ERROR(PlaceInputFiles(ctx, wd));
    ASSIGN_OR_RETURN(std::vector<std::string> output_names, OutputFileNames(ctx));
    tmpl::ValueMap output_paths;
    for (const auto& name : output_names) output_paths.Set(name, Value((wd / name).string()));
    ctx.AddVariable("outputFiles", Value(output_paths));

    engine::SessionOptions options{.working_directory = wd};
    // iceberg_scan over the lakehouse's catalog; each table read is logged
    // and its snapshot recorded in the outputs (what the run read).
    std::mutex scans_mu;
    std::map<std::string, int64_t> snapshots_read;
    options.functions.push_back(iceberg::IcebergFunctions(
        {.catalog = ctx.Lake().catalog, .pinned = ctx.Lake().pinned, .on_scan = [&](const iceberg::ScanReport& r) {
           std::lock_guard lock(scans_mu);
           // What a replay pins: the tables read at their current snapshot.
           if (!r.chosen && r.snapshot_id != 0) snapshots_read[r.table] = r.snapshot_id;
           ctx.Log(LogLevel::kInfo,
                   "iceberg_scan('" + r.table + "'): snapshot " + std::to_string(r.snapshot_id) + ", " +
                       std::to_string(r.stats.files - r.stats.files_skipped) + " of " + std::to_string(r.stats.files) +
                       " data file(s) to read, " + std::to_string(r.stats.manifests_skipped) + " of " +
                       std::to_string(r.stats.manifests) + " manifest(s) skipped" +
                       (r.stats.delete_files
                            ? ", " + std::to_string(r.stats.delete_files) + " position delete file(s) applied"
                            : "") +
                       (r.pinned ? "; the snapshot the replayed run read" : "") +
                       (r.moved ? "; the table was moved: read from " + r.found_location : ""));
         }}));
    ASSIGN_OR_RETURN(options.database, Database(ctx, wd));
    ASSIGN_OR_RETURN(options.time_zone, ctx.StringOr("timeZoneId", ""));
    engine::QueryRequest request;
    ASSIGN_OR_RETURN(request.sql, ctx.RequiredString("sql"));
    ASSIGN_OR_RETURN(request.fetch, Fetch(ctx));
    RETURN_IF_ERROR(Parameters(ctx, request));
    request.set_interrupt = [&ctx](std::function<void()> interrupt) { ctx.SetInterrupt(std::move(interrupt)); };
    request.cancelled = [&ctx] { return ctx.Cancelled(); };
    std::string store_uri;
    if (request.fetch == engine::FetchType::kStore) {
      ASSIGN_OR_RETURN(auto reserved, ctx.NewStorageFile("result.parquet"));
      request.store_path = reserved.first;
      store_uri = reserved.second;
    }

    auto result = Query(options, request);
    if (!result.ok()) {
      Status s = std::move(result).status();
      return ctx.PropertyError("sql", s.message());
    }
    tmpl::ValueMap outputs;
    switch (request.fetch) {
      case engine::FetchType::kFetchOne:
        outputs.Set("row", result->row);
        outputs.Set("size", Value(result->size));
        break;
      case engine::FetchType::kFetch:
        outputs.Set("rows", result->rows);
        outputs.Set("size", Value(result->size));
        break;
      case engine::FetchType::kStore:
        outputs.Set("uri", Value(store_uri));
        outputs.Set("size", Value(result->size));
        break;
      case engine::FetchType::kNone:
        break;
    }
    if (request.fetch != engine::FetchType::kNone)
      ctx.Log(LogLevel::kInfo, "query returned " + std::to_string(result->size) + " row(s)");
    if (!snapshots_read.empty()) {
      tmpl::ValueMap read;
      for (const auto& [table, snapshot] : snapshots_read) read.Set(table, Value(snapshot));
      outputs.Set("icebergSnapshots", Value(std::move(read)));
    }
    if (!output_names.empty()) {
      tmpl::ValueMap stored;
      for (const auto& name : output_names) {
        std::error_code ec;
        if (!std::filesystem::exists(wd / name, ec)) {
          return ctx.PropertyError(
              "outputFiles", "the SQL did not write '" + name + "'; write it to '{{ outputFiles." + name + " }}'");
        }
        if (std::filesystem::is_directory(wd / name, ec)) {
          return ctx.PropertyError("outputFiles", "'" + name + "' is a folder; output files must be files");
        }
        ASSIGN_OR_RETURN(std::string uri, ctx.StoreFile(wd / name, name));
        stored.Set(name, Value(uri));
      }
      outputs.Set("outputFiles", Value(std::move(stored)));
    }
    return Value(std::move(outputs));
  }

 private:
  static Result<engine::QueryResult> Query(const engine::SessionOptions& options, const engine::QueryRequest& request) {
    ASSIGN_OR_RETURN(std::unique_ptr<engine::Session> session, engine::Session::Open(options));
    ASSIGN_OR_RETURN(std::unique_ptr<engine::Connection> con, session->Connect());
    return con->Run(request);
  }

  Status PlaceInputFiles(flow::TaskContext& ctx, const std::filesystem::path& wd) {
    ASSIGN_OR_RETURN(std::optional<Value> files, ctx.Property("inputFiles"));
    if (!files || files->is_null()) return Status::Ok();
    return flow::WriteInputFiles(ctx, "inputFiles", *files, wd);
  }

  Result<std::vector<std::string>> OutputFileNames(flow::TaskContext& ctx) {
    ASSIGN_OR_RETURN(std::optional<Value> names, ctx.Property("outputFiles"));
    std::vector<std::string> out;
    if (!names || names->is_null()) return out;
    if (!names->is_list()) return ctx.PropertyError("outputFiles", "must be a list of file names");
    for (const auto& n : names->AsList()) {
      if (!n.is_string()) return ctx.PropertyError("outputFiles", "must be a list of file names");
      RETURN_IF_ERROR(CheckFileName(ctx, "outputFiles", n.AsString()));
      out.push_back(n.AsString());
    }
    return out;
  }

  Result<std::string> Database(flow::TaskContext& ctx, const std::filesystem::path& wd) {
    ASSIGN_OR_RETURN(std::optional<std::string> uri, ctx.OptionalString("databaseUri"));
    ASSIGN_OR_RETURN(std::optional<std::string> url, ctx.OptionalString("url"));
    if (uri && url && *url != "jdbc:duckdb:")
      return ctx.PropertyError("databaseUri", "set either 'url' or 'databaseUri', not both");
    if (uri) {
      // Work on a copy in the working directory, as Kestra does: the stored
      // file is an input, not a shared database.
      auto source = ctx.ResolveFile(*uri);
      if (!source.ok()) return ctx.PropertyError("databaseUri", source.status().message());
      std::filesystem::path copy = wd / "database.duckdb";
      std::error_code ec;
      std::filesystem::copy_file(*source, copy, std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) return ctx.PropertyError("databaseUri", "cannot copy the database: " + ec.message());
      return copy.string();
    }
    if (!url) return std::string();
    std::string u = *url;
    if (u.starts_with("jdbc:duckdb:")) u = u.substr(12);
    if (u.empty() || u == ":memory:") return std::string();
    if (u.starts_with("md:")) return ctx.PropertyError("url", "MotherDuck needs network access and is not supported");
    return u;
  }

  Result<engine::FetchType> Fetch(flow::TaskContext& ctx) {
    ASSIGN_OR_RETURN(std::optional<std::string> type, ctx.OptionalString("fetchType"));
    if (type) {
      if (*type == "NONE") return engine::FetchType::kNone;
      if (*type == "FETCH_ONE") return engine::FetchType::kFetchOne;
      if (*type == "FETCH") return engine::FetchType::kFetch;
      if (*type == "STORE") return engine::FetchType::kStore;
      return ctx.PropertyError("fetchType", "must be NONE, FETCH_ONE, FETCH or STORE, not '" + *type + "'");
    }
    // Kestra's older boolean switches, in its order of precedence.
    ASSIGN_OR_RETURN(bool fetch_one, ctx.BoolOr("fetchOne", false));
    ASSIGN_OR_RETURN(bool store, ctx.BoolOr("store", false));
    ASSIGN_OR_RETURN(bool fetch, ctx.BoolOr("fetch", false));
    if (fetch_one) return engine::FetchType::kFetchOne;
    if (store) return engine::FetchType::kStore;
    if (fetch) return engine::FetchType::kFetch;
    return engine::FetchType::kNone;
  }

  Status Parameters(flow::TaskContext& ctx, engine::QueryRequest& request) {
    ASSIGN_OR_RETURN(std::optional<Value> params, ctx.Property("parameters"));
    if (!params || params->is_null()) return Status::Ok();
    if (params->is_map()) {
      for (const auto& [k, v] : params->AsMap()) request.named_parameters.emplace_back(k, v);
    } else if (params->is_list()) {
      request.positional_parameters = params->AsList();
    } else {
      return ctx.PropertyError("parameters", "must be a map ($name) or a list ($1, $2, ...)");
    }
    return Status::Ok();
  }
};

}  // namespace

void RegisterDuckDbTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "duckdb.Query",
      .aliases = {"io.kestra.plugin.jdbc.duckdb.Query", "io.kestra.plugin.jdbc.duckdb.Queries"},
      .description = "Runs SQL in an embedded DuckDB: several statements allowed; the last one's rows can be "
                     "fetched or stored as Parquet.",
      .properties =
          {
              {.name = "sql",
               .type = PropertyType::kString,
               .required = true,
               .description = "One or more SQL statements separated by ';'."},
              {.name = "url",
               .type = PropertyType::kString,
               .description = "jdbc:duckdb: (in memory, the default) or jdbc:duckdb:/path/to/file.duckdb."},
              {.name = "databaseUri",
               .type = PropertyType::kString,
               .description = "A stored DuckDB file (floe:// or file://) to query; a copy is used."},
              {.name = "inputFiles",
               .type = PropertyType::kAny,
               .description = "Files to place in the working directory: name -> content, or name -> floe:// or "
                              "file:// URI. Relative reads in the SQL find them."},
              {.name = "outputFiles",
               .type = PropertyType::kList,
               .description = "Names of files the SQL writes to '{{ outputFiles.NAME }}'; they are stored and "
                              "output as URIs."},
              {.name = "fetchType",
               .type = PropertyType::kEnum,
               .description = "NONE (default), FETCH_ONE (output row), FETCH (output rows) or STORE (Parquet "
                              "file, output uri).",
               .enum_values = {"NONE", "FETCH_ONE", "FETCH", "STORE"}},
              {.name = "fetch", .type = PropertyType::kBool, .description = "Deprecated: fetchType: FETCH."},
              {.name = "fetchOne", .type = PropertyType::kBool, .description = "Deprecated: fetchType: FETCH_ONE."},
              {.name = "store", .type = PropertyType::kBool, .description = "Deprecated: fetchType: STORE."},
              {.name = "parameters",
               .type = PropertyType::kAny,
               .description = "Values for $name (a map) or $1.. (a list) placeholders."},
              {.name = "timeZoneId",
               .type = PropertyType::kString,
               .description = "IANA time zone for TIMESTAMPTZ values."},
              {.name = "fetchSize",
               .type = PropertyType::kInt,
               .description = "A JDBC driver hint in Kestra; accepted for compatibility, with no effect (DuckDB "
                              "runs in-process)."},
          },
      .factory = [] { return std::make_unique<DuckDbQueryTask>(); },
  });
}

}  // namespace floe::tasks
