#include "models/runner.h"

#include <strings.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "core/time.h"
#include "engine/session.h"
#include "models/internal/dbt_context.h"
#include "models/internal/generic_tests.h"
#include "models/internal/load_util.h"
#include "models/lake_models.h"
#include "models/materialize.h"

namespace floe::models {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

// Whether `sql` begins with WITH (after whitespace and comments).
size_t LeadingWith(const std::string& sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      i = sql.find('\n', i);
      if (i == std::string::npos) return std::string::npos;
    } else if (sql.compare(i, 2, "/*") == 0) {
      i = sql.find("*/", i);
      if (i == std::string::npos) return std::string::npos;
      i += 2;
    } else {
      break;
    }
  }
  if (i + 4 <= sql.size() && strncasecmp(sql.c_str() + i, "with", 4) == 0 &&
      (i + 4 == sql.size() || std::isspace(static_cast<unsigned char>(sql[i + 4]))))
    return i;
  return std::string::npos;
}

Result<std::string> Render(const Manifest& m, size_t index, engine::Connection* con, bool incremental,
                           std::vector<size_t>& ephemerals) {
  const ParsedNode& p = m.nodes[index];
  ASSIGN_OR_RETURN(auto code, CompileCode(m, p));
  if (!code) return std::string();
  NodeScope scope;
  scope.mode = RenderMode::kExecute;
  scope.manifest = const_cast<Manifest*>(&m);  // execute mode reads only
  scope.node = const_cast<ParsedNode*>(&p);
  scope.connection = con;
  scope.incremental = incremental;
  ASSIGN_OR_RETURN(std::string sql, code->Render(Value(), &scope));
  for (size_t e : scope.ephemeral_refs)
    if (std::find(ephemerals.begin(), ephemerals.end(), e) == ephemerals.end()) ephemerals.push_back(e);
  return sql;
}

std::string Trimmed(std::string s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  size_t b = s.find_last_not_of(" \t\r\n;");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::string Now() { return FormatTimestamp(std::chrono::system_clock::now()); }

std::string Dots(std::string text, size_t width = 64) {
  text += ' ';
  if (text.size() < width) text.append(width - text.size(), '.');
  return text + ' ';
}

std::string Clock() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", s);
  return buf;
}

std::string Describe(const ParsedNode& p) {
  switch (p.node.resource_type) {
    case ResourceType::kSeed:
      return "seed file " + p.relation.schema + "." + p.relation.identifier;
    case ResourceType::kSnapshot:
      return "snapshot " + p.relation.schema + "." + p.relation.identifier;
    case ResourceType::kTest:
      return "test " + p.node.name;
    default:
      return "sql " + p.materialized + " model " + p.relation.schema + "." + p.relation.identifier;
  }
}

class Run {
 public:
  Run(const Manifest& m, engine::Session& session, const RunOptions& options)
      : m_(m), session_(session), options_(options) {}

  Result<RunResults> Go() {
    auto start = std::chrono::steady_clock::now();
    Plan();
    RETURN_IF_ERROR(CreateSchemas());
    int threads = std::max(1, std::min<int>(options_.threads, std::max<size_t>(1, plan_.size())));
    std::vector<std::unique_ptr<engine::Connection>> connections;
    for (int i = 0; i < threads; ++i) {
      ASSIGN_OR_RETURN(auto con, session_.Connect());
      connections.push_back(std::move(con));
    }
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) workers.emplace_back([this, &connections, i] { Work(*connections[i]); });
    for (auto& w : workers) w.join();
    results_.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(results_);
  }

 private:
  bool Executes(const ParsedNode& p) const {
    if (!p.enabled) return false;
    ResourceType t = p.node.resource_type;
    if (t == ResourceType::kModel && p.materialized == "ephemeral") return options_.command == Command::kCompile;
    switch (options_.command) {
      case Command::kRun:
        return t == ResourceType::kModel;
      case Command::kTest:
        return t == ResourceType::kTest;
      case Command::kSeed:
        return t == ResourceType::kSeed;
      case Command::kSnapshot:
        return t == ResourceType::kSnapshot;
      case Command::kBuild:
        return t == ResourceType::kModel || t == ResourceType::kTest || t == ResourceType::kSeed ||
               t == ResourceType::kSnapshot;
      case Command::kCompile:
        return t == ResourceType::kModel || t == ResourceType::kTest || t == ResourceType::kAnalysis ||
               t == ResourceType::kSnapshot;
    }
    return false;
  }

  // The executed nodes a node waits for: its dependencies, looking through
  // ephemeral models (they are not run, but what they read must be).
  void Upstream(size_t i, std::vector<size_t>& out, std::vector<size_t>& seen) const {
    for (size_t d : m_.nodes[i].depends_on) {
      if (std::find(seen.begin(), seen.end(), d) != seen.end()) continue;
      seen.push_back(d);
      if (in_plan_[d]) {
        out.push_back(d);
      } else if (m_.nodes[d].materialized == "ephemeral") {
        Upstream(d, out, seen);
      }
    }
  }

  // Indexed by node (10,000 models make maps and sets the cost of planning).
  void Plan() {
    const size_t n = m_.nodes.size();
    in_plan_.assign(n, false);
    parents_.assign(n, {});
    children_.assign(n, {});
    waiting_.assign(n, 0);
    skipped_.assign(n, false);
    for (size_t i : options_.selected)
      if (Executes(m_.nodes[i])) in_plan_[i] = true;
    for (size_t i = 0; i < n; ++i)
      if (in_plan_[i]) plan_.push_back(i);
    for (size_t i : plan_) {
      std::vector<size_t> seen;
      Upstream(i, parents_[i], seen);
    }
    if (options_.command == Command::kBuild) {
      // A model's children wait for its tests, unless the test itself
      // reads the child (a relationships test towards it).
      std::vector<std::vector<size_t>> readers(n);  // node -> the executed non-tests that wait for it
      for (size_t c : plan_)
        if (m_.nodes[c].node.resource_type != ResourceType::kTest)
          for (size_t parent : parents_[c]) readers[parent].push_back(c);
      for (size_t t : plan_) {
        if (m_.nodes[t].node.resource_type != ResourceType::kTest) continue;
        std::set<size_t> ancestors = Ancestors(t);
        for (size_t parent : parents_[t]) {
          for (size_t c : readers[parent]) {
            if (ancestors.count(c)) continue;
            auto& waits = parents_[c];
            if (std::find(waits.begin(), waits.end(), t) == waits.end()) waits.push_back(t);
          }
        }
      }
    }
    for (size_t i : plan_) {
      waiting_[i] = parents_[i].size();
      for (size_t p : parents_[i]) children_[p].push_back(i);
    }
    for (size_t i : plan_)
      if (waiting_[i] == 0) ready_.push_back(i);
    total_ = plan_.size();
  }

  std::set<size_t> Ancestors(size_t i) const {
    std::set<size_t> out;
    std::vector<size_t> stack{i};
    while (!stack.empty()) {
      size_t n = stack.back();
      stack.pop_back();
      for (size_t p : parents_[n])
        if (out.insert(p).second) stack.push_back(p);
    }
    return out;
  }

  // Creates the schemas the plan writes to, and reads what exists.
  Status CreateSchemas() {
    ASSIGN_OR_RETURN(auto con, session_.Connect());
    std::set<std::pair<std::string, std::string>> schemas;
    for (size_t i : plan_) {
      const ParsedNode& p = m_.nodes[i];
      if (p.node.resource_type != ResourceType::kTest) schemas.insert({p.relation.database, p.relation.schema});
    }
    if (options_.command == Command::kCompile) schemas.clear();
    for (const auto& [db, schema] : schemas) {
      std::string name = (db.empty() ? "" : QuoteIdentifier(db) + ".") + QuoteIdentifier(schema);
      RETURN_IF_ERROR(con->Execute("CREATE SCHEMA IF NOT EXISTS " + name));
    }
    return catalog_.Load(*con);
  }

  void Print(const std::string& line) {
    if (!options_.print) return;
    std::lock_guard lock(print_mu_);
    options_.print(Clock() + "  " + line);
  }

  void Work(engine::Connection& con) {
    while (true) {
      size_t i;
      int number;
      bool skip;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !ready_.empty() || done_ == total_; });
        if (ready_.empty()) return;
        i = ready_.front();
        ready_.pop_front();
        number = ++started_;
        skip = skipped_[i];
      }
      NodeResult r;
      if (skip || (options_.cancelled && options_.cancelled())) {
        r = Skip(i, number);
      } else if (options_.unchanged.count(i)) {
        r = Unchanged(i, number);
      } else {
        r = Execute(con, i, number);
      }
      Finish(i, std::move(r));
    }
  }

  NodeResult Skip(size_t i, int number) {
    NodeResult r{.node = i, .status = "skipped", .started_at = Now()};
    r.completed_at = r.started_at;
    const ParsedNode& p = m_.nodes[i];
    std::string what = p.node.resource_type == ResourceType::kTest
                           ? "test " + p.node.name
                           : "relation " + p.relation.schema + "." + p.relation.identifier;
    Print(Counter(number) + Dots("SKIP " + what) + "[SKIP]");
    return r;
  }

  NodeResult Unchanged(size_t i, int number) {
    NodeResult r{.node = i, .status = "no-op", .message = "unchanged since its last successful build"};
    r.started_at = r.completed_at = Now();
    const ParsedNode& p = m_.nodes[i];
    std::string what = p.node.resource_type == ResourceType::kTest
                           ? "test " + p.node.name
                           : "unchanged " + std::string(ResourceTypeName(p.node.resource_type)) + " " +
                                 p.relation.schema + "." + p.relation.identifier;
    Print(Counter(number) + Dots("NO-OP " + what) + "[NO-OP]");
    return r;
  }

  std::string Counter(int number) const { return std::to_string(number) + " of " + std::to_string(total_) + " "; }

  Status WriteSql(const char* folder, const ParsedNode& p, const std::string& sql) {
    if (options_.target_dir.empty()) return Status::Ok();
    std::filesystem::path path = options_.target_dir / folder / p.node.package / p.node.original_file_path;
    if (p.node.resource_type == ResourceType::kTest && !p.test_macro.empty()) path = path / (p.node.name + ".sql");
    return internal::WriteIfChanged(path, sql + "\n");
  }

  Status RunHook(engine::Connection& con, const ParsedNode& p, std::string_view key) {
    const Value* hooks = p.config.Get(key);
    if (!hooks || hooks->is_null()) return Status::Ok();
    ValueList list = hooks->is_list() ? hooks->AsList() : ValueList{*hooks};
    for (const auto& h : list) {
      std::string text = h.is_string() ? h.AsString() : h.is_map() && h.Get("sql") ? h.Get("sql")->AsString() : "";
      if (text.empty()) continue;
      auto t = tmpl::Template::Compile(
          text, tmpl::SourceOrigin{.name = p.node.original_file_path + " (" + std::string(key) + ")"}, m_.jinja->env);
      if (!t.ok()) return t.status();
      NodeScope scope;
      scope.mode = RenderMode::kExecute;
      scope.manifest = const_cast<Manifest*>(&m_);
      scope.node = const_cast<ParsedNode*>(&p);
      scope.connection = &con;
      ASSIGN_OR_RETURN(std::string sql, (*t)->Render(Value(), &scope));
      if (Trimmed(sql).empty()) continue;
      RETURN_IF_ERROR(con.Execute(sql));
    }
    return Status::Ok();
  }

  // A node's error as dbt users read it: DuckDB's message without the
  // statement floe wrapped around the model, and where the line DuckDB
  // points at is in the compiled SQL and, when Jinja kept the lines as they
  // were, in the model's file.
  std::string ErrorMessage(const ParsedNode& p, const Status& s, const std::string& compiled) const {
    std::string text = s.ToString();
    if (text.starts_with("'")) {
      size_t end = text.find("': ");
      if (end != std::string::npos) text = text.substr(end + 3);
    }
    bool model = p.node.resource_type == ResourceType::kModel && !compiled.empty();
    size_t at = text.find("LINE ");
    if (!model || at == std::string::npos) return text;
    int line =
        std::atoi(text.c_str() + at + 5) - 1;  // the statement starts with "CREATE ... AS (" on a line of its own
    auto lines = [](std::string_view t) {
      while (!t.empty() && (t.back() == '\n' || t.back() == ' ' || t.back() == '\r')) t.remove_suffix(1);
      return std::count(t.begin(), t.end(), '\n') + 1;
    };
    if (line < 1 || line > lines(compiled)) return text;
    std::string where = "\n  at line " + std::to_string(line) + " of the compiled SQL (target/compiled/" +
                        p.node.package + "/" + p.node.original_file_path + ")";
    if (lines(compiled) == lines(p.node.raw_code))
      where += ", " + p.node.original_file_path + ":" + std::to_string(line + p.node.raw_code_line - 1);
    return text + where;
  }

  NodeResult Execute(engine::Connection& con, size_t i, int number) {
    const ParsedNode& p = m_.nodes[i];
    NodeResult r{.node = i, .started_at = Now()};
    auto t0 = std::chrono::steady_clock::now();
    bool is_test = p.node.resource_type == ResourceType::kTest;
    if (options_.command != Command::kCompile) Print(Counter(number) + Dots("START " + Describe(p)) + "[RUN]");
    Status s = ExecuteNode(con, p, i, r);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.completed_at = Now();
    std::string took = " in " + Seconds(r.seconds) + "]";
    if (!s.ok()) {
      r.status = "error";
      r.message = ErrorMessage(p, s, r.compiled_code);
      Print(Counter(number) + Dots("ERROR " + (is_test ? "test " + p.node.name : "creating " + Describe(p))) +
            "[ERROR" + took);
      return r;
    }
    if (options_.command == Command::kCompile) return r;
    if (is_test) {
      std::string upper = r.status == "pass" ? "PASS" : r.status == "warn" ? "WARN" : "FAIL";
      std::string count = r.status == "pass" ? "" : " " + std::to_string(r.failures);
      Print(Counter(number) + Dots(upper + count + " " + p.node.name) + "[" + upper + count + took);
    } else {
      std::string done = p.node.resource_type == ResourceType::kSnapshot
                             ? "snapshotted " + p.relation.schema + "." + p.relation.identifier
                         : p.node.resource_type == ResourceType::kSeed ? "loaded " + Describe(p)
                                                                       : "created " + Describe(p);
      Print(Counter(number) + Dots("OK " + done) + "[" + r.message + took);
    }
    return r;
  }

  Status ExecuteNode(engine::Connection& con, const ParsedNode& p, size_t i, NodeResult& r) {
    ResourceType type = p.node.resource_type;
    MaterializeOptions mo{.full_refresh = options_.full_refresh, .catalog = &catalog_, .lake = options_.lake};
    if (type == ResourceType::kSeed) {
      if (options_.command == Command::kCompile) return Status::Ok();
      ASSIGN_OR_RETURN(MaterializeResult done, LoadSeed(con, p, mo));
      r.status = "success";
      r.message = done.message;
      return Status::Ok();
    }
    bool incremental = false;
    if (p.materialized == "incremental" && !options_.full_refresh && options_.command != Command::kCompile) {
      incremental = catalog_.TypeOf(p.relation) == "table";
    } else if (p.materialized == "iceberg" && !options_.full_refresh && options_.command != Command::kCompile &&
               options_.lake && IsIncrementalIcebergModel(p)) {
      // The table, and the view {{ this }} names (a first build that failed
      // may have left an empty table without one).
      ASSIGN_OR_RETURN(incremental, options_.lake->Exists(p));
      incremental = incremental && catalog_.TypeOf(p.relation) == "view";
    }
    ASSIGN_OR_RETURN(std::string sql, CompileNode(m_, i, &con, incremental));
    r.compiled_code = sql;
    RETURN_IF_ERROR(WriteSql("compiled", p, sql));
    if (options_.command == Command::kCompile) {
      r.status = "success";
      return Status::Ok();
    }
    if (type == ResourceType::kTest) {
      std::string audit;
      if (StoresFailures(p)) {
        // dbt's store_failures: the failing rows in a table of the
        // <target schema>_dbt_test__audit schema (or the test's own schema).
        std::string custom = ConfigText(p, "schema");
        Relation table{m_.target.database, m_.target.schema + "_" + (custom.empty() ? "dbt_test__audit" : custom),
                       p.node.name};
        RETURN_IF_ERROR(con.Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(table.database) + "." +
                                    QuoteIdentifier(table.schema)));
        std::string kind = ConfigText(p, "store_failures_as") == "view" ? "VIEW" : "TABLE";
        RETURN_IF_ERROR(con.Execute("CREATE OR REPLACE " + kind + " " + table.Rendered() + " AS (\n" + sql + "\n)"));
        audit = table.Rendered();
      }
      std::string run_sql = TestResultSql(p, sql);
      RETURN_IF_ERROR(WriteSql("run", p, run_sql));
      ASSIGN_OR_RETURN(engine::Table t, con.Query(run_sql));
      if (t.rows.empty()) return Internal("the test query returned no row");
      const auto& row = t.rows[0];
      r.failures = row[0].is_int() ? row[0].AsInt() : 0;
      bool should_warn = row[1].Truthy(), should_error = row[2].Truthy();
      std::string severity = "ERROR";
      if (const Value* v = p.config.Get("severity"); v && v->is_string()) severity = v->AsString();
      std::transform(severity.begin(), severity.end(), severity.begin(), ::toupper);
      if (severity == "ERROR" && should_error) {
        r.status = "fail";
      } else if (should_warn) {
        r.status = "warn";
      } else {
        r.status = "pass";
      }
      std::string condition = r.status == "fail" ? ConfigText(p, "error_if") : ConfigText(p, "warn_if");
      r.message = r.status == "pass" ? ""
                                     : "Got " + std::to_string(r.failures) + " result" + (r.failures == 1 ? "" : "s") +
                                           ", configured to " + (r.status == "fail" ? "fail" : "warn") + " if " +
                                           (condition.empty() ? "!= 0" : condition);
      if (!audit.empty() && r.status != "pass") r.message += "\n  See test failures: select * from " + audit;
      return Status::Ok();
    }
    RETURN_IF_ERROR(RunHook(con, p, "pre_hook"));
    MaterializeResult done;
    if (type == ResourceType::kSnapshot) {
      ASSIGN_OR_RETURN(done, BuildSnapshot(con, p, sql, mo));
    } else {
      ASSIGN_OR_RETURN(done, Materialize(con, p, sql, incremental, mo));
    }
    RETURN_IF_ERROR(WriteSql("run", p, done.sql));
    RETURN_IF_ERROR(RunHook(con, p, "post_hook"));
    r.status = "success";
    r.message = done.message;
    return Status::Ok();
  }

  static bool StoresFailures(const ParsedNode& p) {
    const Value* v = p.config.Get("store_failures");
    const Value* as = p.config.Get("store_failures_as");
    if (as && as->is_string()) return as->AsString() == "table" || as->AsString() == "view";
    return v && v->Truthy();
  }

  // Whether this result stops what depends on the node.
  bool Blocks(const NodeResult& r) const { return r.status == "error" || r.status == "fail" || r.status == "skipped"; }

  void Finish(size_t i, NodeResult r) {
    std::lock_guard lock(mu_);
    bool blocks = Blocks(r);
    if (r.status == "success" || r.status == "pass") {
      ++results_.pass;
    } else if (r.status == "warn") {
      ++results_.warn;
    } else if (r.status == "skipped") {
      ++results_.skip;
    } else if (r.status == "no-op") {
      ++results_.no_op;
    } else {
      ++results_.error;
    }
    if (options_.command == Command::kCompile && r.status == "success") --results_.pass;  // compile prints no counts
    if (options_.fail_fast && (r.status == "error" || r.status == "fail")) {
      for (size_t n : plan_) skipped_[n] = true;
    }
    results_.results.push_back(std::move(r));
    ++done_;
    for (size_t c : children_[i]) {
      if (blocks) skipped_[c] = true;
      if (--waiting_[c] == 0) ready_.push_back(c);
    }
    cv_.notify_all();
  }

  const Manifest& m_;
  engine::Session& session_;
  const RunOptions& options_;

  RelationCatalog catalog_;  // loaded before the first node runs
  std::vector<bool> in_plan_;
  std::vector<size_t> plan_;                   // in node order
  std::vector<std::vector<size_t>> parents_;   // the executed nodes each waits for
  std::vector<std::vector<size_t>> children_;  // the executed nodes waiting for each
  std::vector<size_t> waiting_;                // parents not finished yet

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<size_t> ready_;
  std::vector<bool> skipped_;  // guarded by mu_
  size_t done_ = 0, total_ = 0;
  int started_ = 0;
  RunResults results_;
  std::mutex print_mu_;
};

}  // namespace

Result<std::string> CompileNode(const Manifest& m, size_t index, engine::Connection* con, bool incremental) {
  std::vector<size_t> ephemerals;
  ASSIGN_OR_RETURN(std::string sql, Render(m, index, con, incremental, ephemerals));
  if (ephemerals.empty()) return sql;
  // Ephemeral models become CTEs, innermost first; each is compiled once.
  std::vector<std::pair<size_t, std::string>> ctes;
  std::set<size_t> done;
  std::function<Status(size_t)> add = [&](size_t e) -> Status {
    if (done.count(e)) return Status::Ok();
    done.insert(e);
    std::vector<size_t> inner;
    ASSIGN_OR_RETURN(std::string body, Render(m, e, con, false, inner));
    for (size_t i : inner) RETURN_IF_ERROR(add(i));
    ctes.emplace_back(e, Trimmed(body));
    return Status::Ok();
  };
  for (size_t e : ephemerals) RETURN_IF_ERROR(add(e));
  std::string with = "with ";
  for (size_t i = 0; i < ctes.size(); ++i) {
    // An ephemeral's own WITH becomes a nested query, which DuckDB accepts.
    with += (i ? ",\n" : "") + std::string("__dbt__cte__") + m.nodes[ctes[i].first].node.name + " as (\n" +
            ctes[i].second + "\n)";
  }
  size_t at = LeadingWith(sql);
  if (at != std::string::npos) return sql.substr(0, at) + with + ",\n" + sql.substr(at + 4);
  return with + "\n" + sql;
}

Result<RunResults> RunNodes(const Manifest& manifest, engine::Session& session, const RunOptions& options) {
  // `flags` as this command sets them; set before any render starts.
  manifest.jinja->globals.MutableMap().Set(
      "flags", Value::MakeMap({{"FULL_REFRESH", options.full_refresh},
                               {"WHICH", options.command == Command::kBuild     ? "build"
                                         : options.command == Command::kRun     ? "run"
                                         : options.command == Command::kTest    ? "test"
                                         : options.command == Command::kSeed    ? "seed"
                                         : options.command == Command::kCompile ? "compile"
                                                                                : "snapshot"},
                               {"STORE_FAILURES", false}}));
  Run run(manifest, session, options);
  return run.Go();
}

Status RunHooks(const Manifest& m, engine::Session& session, const std::vector<std::string>& hooks,
                std::string_view which, const std::function<void(const std::string&)>& print,
                const tmpl::Value& extra_context) {
  if (hooks.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(auto con, session.Connect());
  int n = 0;
  for (const auto& hook : hooks) {
    ++n;
    std::string name = m.project.name + "-" + std::string(which) + "-" + std::to_string(n - 1);
    auto t = tmpl::Template::Compile(hook, tmpl::SourceOrigin{.name = "dbt_project.yml (" + std::string(which) + ")"},
                                     m.jinja->env);
    if (!t.ok()) return t.status();
    NodeScope scope;
    scope.mode = RenderMode::kExecute;
    scope.manifest = const_cast<Manifest*>(&m);
    scope.connection = con.get();
    scope.log = print;
    auto t0 = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(std::string sql, (*t)->Render(extra_context, &scope));
    if (!Trimmed(sql).empty()) {
      Status s = con->Execute(sql);
      if (!s.ok()) return std::move(s).WithContext("hook " + name);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (print)
      print(Clock() + "  " + std::to_string(n) + " of " + std::to_string(hooks.size()) + " " +
            Dots("OK hook: " + name) + "[OK in " + Seconds(secs) + "]");
  }
  return Status::Ok();
}

}  // namespace floe::models
