#include "models/command.h"

#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/strings.h"
#include "engine/session.h"
#include "flow/yaml_node.h"
#include "git/clone.h"
#include "iceberg/duckdb_scan.h"
#include "models/artifacts.h"
#include "models/fingerprint.h"
#include "models/internal/dbt_context.h"
#include "models/lake_models.h"
#include "models/manifest.h"
#include "models/materialize.h"
#include "models/packages.h"
#include "models/project.h"
#include "models/runner.h"
#include "models/selector.h"
#include "tmpl/json.h"

namespace floe::models {
namespace {

using tmpl::Value;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Flags {
  std::string command;
  std::optional<std::filesystem::path> project_dir, profiles_dir, state_dir;
  std::string target, selector, vars_text, inline_sql, audit_branch;
  std::string output = "selector";  // ls --output: selector, name, path or json
  std::vector<std::string> select, exclude, resource_types;
  std::optional<int> threads;
  bool full_refresh = false, fail_fast = false, skip_unchanged = false;
  int limit = 5;
};

const std::map<std::string, int, std::less<>> kValueFlags = {{"--project-dir", 0},
                                                             {"--profiles-dir", 0},
                                                             {"--target", 0},
                                                             {"-t", 0},
                                                             {"--vars", 0},
                                                             {"--select", 1},
                                                             {"-s", 1},
                                                             {"--models", 1},
                                                             {"-m", 1},
                                                             {"--exclude", 2},
                                                             {"--selector", 0},
                                                             {"--threads", 0},
                                                             {"--state", 0},
                                                             {"--limit", 0},
                                                             {"--inline", 0},
                                                             {"--output", 0},
                                                             {"-o", 0},
                                                             {"--resource-type", 3},
                                                             {"--log-format", 0},
                                                             {"--target-path", 0},
                                                             {"--audit-branch", 0}};

const std::vector<std::string> kCommands = {"build", "run",  "test",  "seed", "snapshot", "compile", "ls",
                                            "list",  "show", "parse", "deps", "clean",    "debug",   "docs"};

std::string DidYouMeanCommand(const std::string& c) { return DidYouMean(c, kCommands); }

std::string DidYouMeanFlag(const std::string& a) {
  std::vector<std::string> names;
  for (const auto& [k, v] : kValueFlags) names.push_back(k);
  for (const char* f : {"--full-refresh", "--fail-fast", "--skip-unchanged"}) names.push_back(f);
  return DidYouMean(a, names);
}

Result<Flags> ParseFlags(const std::vector<std::string>& given) {
  // `--select=x` is `--select x`.
  std::vector<std::string> args;
  for (const auto& a : given) {
    size_t eq = a.find('=');
    if (a.starts_with("--") && eq != std::string::npos && kValueFlags.count(a.substr(0, eq))) {
      args.push_back(a.substr(0, eq));
      args.push_back(a.substr(eq + 1));
    } else {
      args.push_back(a);
    }
  }
  Flags f;
  size_t i = 0;
  if (!args.empty() && args[0] == "dbt") ++i;
  if (i >= args.size()) return InvalidArgument("no command given; one of build, run, test, seed, snapshot, ...");
  f.command = args[i++];
  if (std::find(kCommands.begin(), kCommands.end(), f.command) == kCommands.end())
    return InvalidArgument("unknown command '" + f.command + "'").WithHint(DidYouMeanCommand(f.command));
  if (f.command == "docs") {
    if (i >= args.size() || args[i] != "generate")
      return InvalidArgument(
          "floe supports `docs generate` (the catalog and manifest); `docs serve` is dbt's web "
          "server, which floe does not run");
    f.command = "docs generate";
    ++i;
  }
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--full-refresh" || a == "-f") {
      f.full_refresh = true;
      continue;
    }
    if (a == "--skip-unchanged") {
      f.skip_unchanged = true;
      continue;
    }
    if (a == "--fail-fast" || a == "-x") {
      f.fail_fast = true;
      continue;
    }
    if (a == "--no-partial-parse" || a == "--partial-parse" || a == "--debug" || a == "--quiet" || a == "-q" ||
        a == "--no-use-colors" || a == "--use-colors" || a == "--no-version-check")
      continue;
    if (a == "--warn-error" || a.starts_with("--warn-error-options"))
      return InvalidArgument("'" + a + "' is not supported by floe yet: warnings stay warnings");
    auto it = kValueFlags.find(a);
    if (it == kValueFlags.end()) return InvalidArgument("unknown option '" + a + "'").WithHint(DidYouMeanFlag(a));
    std::vector<std::string> values;
    // Selection flags take every following word up to the next option.
    while (i + 1 < args.size() && !(args[i + 1].starts_with("-") && args[i + 1].size() > 1)) {
      values.push_back(args[++i]);
      if (it->second == 0) break;
    }
    if (values.empty()) return InvalidArgument("option '" + a + "' needs a value");
    if (a == "--project-dir") f.project_dir = values[0];
    if (a == "--profiles-dir") f.profiles_dir = values[0];
    if (a == "--state") f.state_dir = values[0];
    if (a == "--target" || a == "-t") f.target = values[0];
    if (a == "--vars") f.vars_text = values[0];
    if (a == "--selector") f.selector = values[0];
    if (a == "--inline") f.inline_sql = values[0];
    if (a == "--audit-branch") {
      if (f.command != "build")
        return InvalidArgument(
            "--audit-branch belongs to build: it publishes what the models wrote once their "
            "tests pass");
      if (values[0].empty()) return InvalidArgument("--audit-branch needs a branch name");
      f.audit_branch = values[0];
    }
    if (a == "--output" || a == "-o") {
      f.output = values[0];
      if (f.output != "selector" && f.output != "name" && f.output != "path" && f.output != "json")
        return InvalidArgument("--output must be selector, name, path or json, not '" + f.output + "'");
    }
    if (a == "--threads") {
      try {
        f.threads = std::stoi(values[0]);
      } catch (const std::exception&) {
        return InvalidArgument("--threads needs a number, not '" + values[0] + "'");
      }
    }
    if (a == "--limit") {
      try {
        f.limit = std::stoi(values[0]);
      } catch (const std::exception&) {
        return InvalidArgument("--limit needs a number, not '" + values[0] + "'");
      }
    }
    for (const auto& v : values) {
      if (it->second == 1) f.select.push_back(v);
      if (it->second == 2) f.exclude.push_back(v);
      if (it->second == 3) f.resource_types.push_back(v);
    }
  }
  return f;
}

Result<Value> ParseVars(const std::string& text) {
  if (text.empty()) return Value();
  tmpl::Environment env = tmpl::Environment::Standard(tmpl::Dialect::kJinja);
  std::vector<Status> template_errors;
  auto doc = flow::ParseYaml(text, "--vars", env, &template_errors);
  if (!doc.ok()) return std::move(doc).status().WithContext("--vars is not YAML");
  Value v = doc->ToValue();
  if (!v.is_map()) return InvalidArgument("--vars must be a YAML map, like '{key: value}'");
  return v;
}

std::vector<SelectableNode> Selectable(const Manifest& m) {
  std::vector<SelectableNode> out;
  out.reserve(m.nodes.size() + m.sources.size());
  for (const auto& p : m.nodes) {
    SelectableNode s;
    s.unique_id = p.node.unique_id;
    s.resource_type = p.node.resource_type;
    s.name = p.node.name;
    s.package = p.node.package;
    s.fqn = p.node.fqn;
    s.original_file_path = p.node.original_file_path;
    s.patch_path = p.node.patch_path;
    s.tags = p.tags;
    s.config = p.config;
    if (p.node.resource_type == ResourceType::kTest) {
      s.test_type = p.test_macro.empty() ? "singular" : "generic";
      if (!p.test_macro.empty()) s.test_name = p.test_macro.substr(p.test_macro.rfind("test_") + 5);
    }
    s.parents = p.depends_on;
    for (size_t src : p.depends_on_sources) s.parents.push_back(m.nodes.size() + src);
    out.push_back(std::move(s));
  }
  for (const auto& src : m.sources) {
    SelectableNode s;
    s.unique_id = src.unique_id;
    s.is_source = true;
    s.name = src.name;
    s.package = src.package;
    s.source_name = src.source_name;
    s.fqn = src.fqn;
    s.original_file_path = src.original_file_path;
    s.config = src.config;
    out.push_back(std::move(s));
  }
  return out;
}

// What --state DIR holds of an earlier invocation: its manifest's nodes
// (checksum and config, for state:modified) and its run results' statuses
// (for result:<status>).
struct PreviousState {
  struct NodeState {
    std::string checksum;
    nlohmann::json config;
  };
  std::map<std::string, NodeState, std::less<>> nodes;  // sources too, with no checksum
  std::map<std::string, std::string, std::less<>> statuses;
};

Result<PreviousState> ReadPreviousState(const std::filesystem::path& dir) {
  PreviousState state;
  std::filesystem::path manifest = dir / "manifest.json";
  std::ifstream in(manifest);
  if (!in)
    return NotFound("--state " + dir.string() + ": no manifest.json there")
        .WithHint("point --state at the target folder of an earlier run (copy it before it is overwritten)");
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return InvalidArgument("--state " + manifest.string() + " is not a dbt manifest (not JSON)");
  for (const char* section : {"nodes", "sources"}) {
    if (!doc.contains(section) || !doc[section].is_object()) continue;
    for (const auto& [id, node] : doc[section].items()) {
      PreviousState::NodeState n;
      if (node.contains("checksum") && node["checksum"].is_object() && node["checksum"].contains("checksum") &&
          node["checksum"]["checksum"].is_string())
        n.checksum = node["checksum"]["checksum"].get<std::string>();
      if (node.contains("config")) n.config = node["config"];
      state.nodes.emplace(id, std::move(n));
    }
  }
  std::ifstream results(dir / "run_results.json");
  if (results) {
    nlohmann::json r = nlohmann::json::parse(results, nullptr, false);
    if (!r.is_discarded() && r.contains("results") && r["results"].is_array())
      for (const auto& result : r["results"])
        if (result.contains("unique_id") && result.contains("status") && result["status"].is_string())
          state.statuses[result["unique_id"].get<std::string>()] = result["status"].get<std::string>();
  }
  return state;
}

// The `profile:` (else `name:`) of dbt_project.yml when it is plain text;
// nullopt when the file is missing, invalid or templated there (the full
// load then reports or renders it).
std::optional<std::string> ProfileName(const std::filesystem::path& project_dir) {
  std::ifstream in(project_dir / "dbt_project.yml");
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  tmpl::Environment env = tmpl::Environment::Standard(tmpl::Dialect::kJinja);
  std::vector<Status> template_errors;
  auto doc = flow::ParseYaml(text, "dbt_project.yml", env, &template_errors);
  if (!doc.ok() || !doc->is_map()) return std::nullopt;
  for (const char* key : {"profile", "name"}) {
    const flow::YamlNode* n = doc->Find(key);
    if (n && n->is_scalar() && !n->tmpl && !n->scalar.empty()) return n->scalar;
  }
  return std::nullopt;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// `git:` packages: dbt's `revision` is a branch, a tag or a commit.
Status CloneGitPackage(const std::string& url, const std::string& revision, const std::filesystem::path& into) {
  git::CloneOptions options{.url = url, .directory = into};
  bool sha = revision.size() >= 7 && revision.size() <= 40 &&
             revision.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (sha) {
    options.commit = revision;
  } else {
    options.branch = revision;  // a branch or a tag, as `git clone -b` takes it
  }
  return git::Clone(options);
}

class CommandRun {
 public:
  CommandRun(const std::vector<std::string>& args, const CommandEnvironment& env) : args_(args), env_(env) {}

  CommandOutcome Go() {
    Status s = Run();
    if (!s.ok()) {
      Err(s.ToString());
      if (outcome_.exit_code == kExitOk) outcome_.exit_code = kExitUsage;
    }
    return outcome_;
  }

 private:
  void Out(const std::string& line) const {
    if (env_.out) env_.out(line);
  }
  void Err(const std::string& line) const {
    if (env_.err) env_.err(line);
  }

  Status Run() {
    ASSIGN_OR_RETURN(flags_, ParseFlags(args_));
    project_dir_ = flags_.project_dir ? env_.working_directory / *flags_.project_dir : env_.working_directory;
    LoadOptions load{.project_dir = project_dir_};
    if (flags_.command == "deps") {
      PackageFetcher fetch = env_.fetch_git ? PackageFetcher(env_.fetch_git) : PackageFetcher(CloneGitPackage);
      ASSIGN_OR_RETURN(std::vector<Package> installed, InstallPackages(load, fetch));
      for (const auto& p : installed) Out("Installed " + p.name + " (" + p.root.string() + ")");
      Out("Installed " + std::to_string(installed.size()) + " package(s)");
      return Status::Ok();
    }
    ProfileOptions po{.project_dir = project_dir_,
                      .profiles_dir = flags_.profiles_dir ? std::optional(env_.working_directory / *flags_.profiles_dir)
                                                          : std::nullopt,
                      .inline_profiles = env_.inline_profiles,
                      .target = flags_.target,
                      .working_directory = env_.working_directory};
    // dbt_project.yml may use `target` ({{ target.name }} in a schema, an
    // enabled flag): the target comes first when the profile's name can be
    // read, so the project loads with it.
    std::optional<Target> target;
    if (flags_.command != "clean") {
      if (std::optional<std::string> profile = ProfileName(project_dir_)) {
        po.profile = *profile;
        ASSIGN_OR_RETURN(target, LoadTarget(po));
        load.target = TargetContext(*target);
      }
    }
    auto t_load = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(Project project, LoadProject(load));
    double load_seconds = SecondsSince(t_load);
    target_dir_ = project.root / project.target_path;
    outcome_.target_dir = target_dir_;
    if (flags_.command == "clean") return Clean(project);
    if (!target) {
      po.profile = project.profile;
      ASSIGN_OR_RETURN(target, LoadTarget(po));
    }
    if (!env_.scratch_directory.empty() &&
        target->path.starts_with(env_.scratch_directory.lexically_normal().string() + "/"))
      Err("[WARNING]: the database '" + target->path +
          "' is in the task's working directory, which is deleted when the task ends: keep it with "
          "`outputFiles`, or give the profile an absolute `path:` (e.g. under {{ globals.lake }})");
    if (flags_.command == "debug") return Debug(project, *target);
    ASSIGN_OR_RETURN(Value vars, ParseVars(flags_.vars_text));
    auto t0 = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(manifest_, Parse(std::move(project), std::move(*target), {.vars_override = vars}));
    for (const auto& w : manifest_->warnings)
      Err("[WARNING]: " + (w.where.known() ? w.where.ToString() + ": " : "") + w.message);
    if (flags_.command == "parse") {
      double parse_seconds = SecondsSince(t0);
      auto t_write = std::chrono::steady_clock::now();
      RETURN_IF_ERROR(WriteManifest(*manifest_, target_dir_ / "manifest.json"));
      double write_seconds = SecondsSince(t_write);
      // dbt writes its parse timings to target/perf_info.json too.
      char text[512];
      std::snprintf(text, sizeof text,
                    "{\"path_count\": %zu, \"load_elapsed\": %.6f, \"parse_elapsed\": %.6f, "
                    "\"write_manifest_elapsed\": %.6f}\n",
                    manifest_->nodes.size(), load_seconds, parse_seconds, write_seconds);
      std::ofstream(target_dir_ / "perf_info.json") << text;
      std::snprintf(text, sizeof text,
                    "Performance info: %zu nodes: loaded in %.3fs, parsed in %.3fs, manifest written in %.3fs",
                    manifest_->nodes.size(), load_seconds, parse_seconds, write_seconds);
      Out(text);
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(std::vector<size_t> selected, Select());
    if (flags_.command == "ls" || flags_.command == "list") return List(selected);
    return Execute(selected);
  }

  Status Clean(const Project& project) {
    std::vector<std::string> targets = project.clean_targets;
    if (targets.empty()) targets.push_back(project.target_path);
    for (const auto& t : targets) {
      std::filesystem::path p = project.root / t;
      // Never outside the project: clean-targets come from a file anyone may edit.
      auto rel = std::filesystem::relative(std::filesystem::weakly_canonical(p), project.root);
      if (rel.empty() || rel.string().starts_with("..") || rel == ".")
        return InvalidArgument("clean-target '" + t + "' is not inside the project; refusing to delete it");
      std::error_code ec;
      std::filesystem::remove_all(p, ec);
      if (ec) return IoError("cannot remove " + p.string() + ": " + ec.message());
      Out("Cleaned " + t);
    }
    return Status::Ok();
  }

  Status Debug(const Project& project, const Target& target) {
    Out("floe models: dbt " + project.name + " with profile '" + target.profile_name + "', target '" + target.name +
        "'");
    Out("  type: duckdb " + engine::DuckDbVersion());
    Out("  path: " + target.path);
    Out("  schema: " + target.schema);
    ASSIGN_OR_RETURN(auto session, OpenSession(target));
    ASSIGN_OR_RETURN(auto con, session->Connect());
    RETURN_IF_ERROR(con->Execute("SELECT 1"));
    Out("  Connection test: [OK connection ok]");
    Out("All checks passed!");
    return Status::Ok();
  }

  Result<std::unique_ptr<engine::Session>> OpenSession(const Target& target) {
    engine::SessionOptions o{.database = target.path, .working_directory = project_dir_};
    if (!env_.lake_catalog.empty())
      o.functions.push_back(iceberg::IcebergFunctions(
          {.catalog = env_.lake_catalog,
           .branch_of = [reads = audit_reads_](const std::string& table) { return reads->BranchOf(table); }}));
    o.extensions = target.extensions;
    o.settings = target.settings;
    for (const auto& a : target.attach) {
      std::string sql = "ATTACH IF NOT EXISTS " + QuoteString(a.path);
      if (!a.alias.empty()) sql += " AS " + QuoteIdentifier(a.alias);
      std::vector<std::string> options;
      if (!a.type.empty()) options.push_back("TYPE " + a.type);
      if (a.read_only) options.push_back("READ_ONLY");
      if (!options.empty()) {
        sql += " (";
        for (size_t i = 0; i < options.size(); ++i) sql += (i ? ", " : "") + options[i];
        sql += ")";
      }
      o.init_sql.push_back(sql);
    }
    return engine::Session::Open(o);
  }

  Result<std::vector<size_t>> Select() {
    std::vector<SelectableNode> nodes = Selectable(*manifest_);
    SelectionRequest request;
    request.select = flags_.select;
    request.exclude = flags_.exclude;
    request.selector = flags_.selector;
    request.resource_types = flags_.resource_types;
    SelectionContext context;
    context.project_name = manifest_->project.name;
    std::optional<PreviousState> previous;
    if (flags_.state_dir) {
      ASSIGN_OR_RETURN(previous, ReadPreviousState(env_.working_directory / *flags_.state_dir));
      size_t node_count = manifest_->nodes.size();
      context.is_new = [&, node_count](size_t i) {
        const std::string& id =
            i < node_count ? manifest_->nodes[i].node.unique_id : manifest_->sources[i - node_count].unique_id;
        return !previous->nodes.count(id);
      };
      context.modified = [&, node_count](size_t i) {
        if (i >= node_count) return !previous->nodes.count(manifest_->sources[i - node_count].unique_id);
        const ParsedNode& p = manifest_->nodes[i];
        auto it = previous->nodes.find(p.node.unique_id);
        if (it == previous->nodes.end()) return true;
        return it->second.checksum != NodeChecksum(p) ||
               it->second.config != nlohmann::json::parse(tmpl::ToJson(p.config), nullptr, false);
      };
      context.previous_status = [&, node_count](size_t i) -> std::string {
        if (i >= node_count) return "";
        auto it = previous->statuses.find(manifest_->nodes[i].node.unique_id);
        return it == previous->statuses.end() ? "" : it->second;
      };
    }
    std::optional<flow::YamlNode> selectors;
    std::filesystem::path selectors_file = manifest_->project.root / "selectors.yml";
    if (std::filesystem::exists(selectors_file)) {
      std::ifstream in(selectors_file);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::vector<Status> template_errors;
      ASSIGN_OR_RETURN(flow::YamlNode doc,
                       flow::ParseYaml(text, "selectors.yml", manifest_->jinja->env, &template_errors));
      selectors = std::move(doc);
      context.selectors_yml = &*selectors;
    }
    ASSIGN_OR_RETURN(Selection selection, SelectNodes(nodes, request, context));
    for (const auto& w : selection.warnings) Err("[WARNING]: " + w);
    std::vector<size_t> out;
    selected_sources_.clear();
    for (size_t i : selection.nodes) {
      if (i >= manifest_->nodes.size()) {
        selected_sources_.push_back(i - manifest_->nodes.size());  // only `ls` shows them; nothing runs a source
      } else if (manifest_->nodes[i].enabled) {
        out.push_back(i);
      }
    }
    return out;
  }

  // One node as `ls --output json` prints it (dbt's default keys).
  std::string ListJson(const ParsedNode& p) const {
    std::string tags, depends;
    for (const auto& t : p.tags) tags += (tags.empty() ? "" : ", ") + JsonQuote(t);
    for (size_t d : p.depends_on)
      depends += (depends.empty() ? "" : ", ") + JsonQuote(manifest_->nodes[d].node.unique_id);
    for (size_t d : p.depends_on_sources)
      depends += (depends.empty() ? "" : ", ") + JsonQuote(manifest_->sources[d].unique_id);
    return "{\"name\": " + JsonQuote(p.node.name) +
           ", \"resource_type\": " + JsonQuote(ResourceTypeName(p.node.resource_type)) +
           ", \"package_name\": " + JsonQuote(p.node.package) +
           ", \"original_file_path\": " + JsonQuote(p.node.original_file_path) +
           ", \"unique_id\": " + JsonQuote(p.node.unique_id) + ", \"alias\": " + JsonQuote(p.relation.identifier) +
           ", \"config\": " + tmpl::ToJson(p.config) + ", \"tags\": [" + tags + "], \"depends_on\": {\"nodes\": [" +
           depends + "]}}";
  }

  // dbt's `ls`: fqn per line (sources as source:<fqn>), in unique_id order.
  Status List(const std::vector<size_t>& selected) {
    auto dotted = [](const std::vector<std::string>& fqn) {
      std::string line;
      for (size_t k = 0; k < fqn.size(); ++k) line += (k ? "." : "") + fqn[k];
      return line;
    };
    const std::string& how = flags_.output;
    std::vector<std::pair<std::string, std::string>> lines;  // unique_id, line
    for (size_t i : selected) {
      const ParsedNode& p = manifest_->nodes[i];
      std::string line = how == "name"   ? p.node.name
                         : how == "path" ? p.node.original_file_path
                         : how == "json" ? ListJson(p)
                                         : dotted(p.node.fqn);
      lines.emplace_back(p.node.unique_id, std::move(line));
    }
    for (size_t s : selected_sources_) {
      const SourceTable& src = manifest_->sources[s];
      std::string line = how == "name"   ? src.source_name + "." + src.name
                         : how == "path" ? src.original_file_path
                         : how == "json" ? "{\"name\": " + JsonQuote(src.name) + ", \"resource_type\": \"source\", " +
                                               "\"package_name\": " + JsonQuote(src.package) +
                                               ", \"original_file_path\": " + JsonQuote(src.original_file_path) +
                                               ", \"unique_id\": " + JsonQuote(src.unique_id) + "}"
                                         : "source:" + dotted(src.fqn);
      lines.emplace_back(src.unique_id, std::move(line));
    }
    std::sort(lines.begin(), lines.end());
    for (const auto& [id, line] : lines) Out(line);
    return Status::Ok();
  }

  Status Execute(std::vector<size_t> selected) {
    const std::string& c = flags_.command;
    if (c == "compile" && !flags_.inline_sql.empty()) {
      ASSIGN_OR_RETURN(size_t inline_node, AddInlineNode(flags_.inline_sql));
      selected = {inline_node};
    }
    Command command = c == "run"        ? Command::kRun
                      : c == "test"     ? Command::kTest
                      : c == "seed"     ? Command::kSeed
                      : c == "snapshot" ? Command::kSnapshot
                      : c == "build"    ? Command::kBuild
                                        : Command::kCompile;
    if (selected.empty() && c != "show" && c != "docs generate") {
      // dbt: no hooks, no artifacts of a run that runs nothing.
      Out("Nothing to do. Try checking your model configs and model specification args");
      return Status::Ok();
    }
    if (c == "show") {
      ASSIGN_OR_RETURN(auto session, OpenSession(manifest_->target));
      return Show(*session, selected);
    }
    // DuckDB opens (tens of milliseconds) while manifest.json is written;
    // from here on nothing changes the manifest.
    auto opening = std::async(std::launch::async, [this] { return OpenSession(manifest_->target); });
    RETURN_IF_ERROR(WriteManifest(*manifest_, target_dir_ / "manifest.json"));
    ASSIGN_OR_RETURN(auto session, opening.get());
    RunOptions options{.command = command,
                       .selected = selected,
                       .threads = flags_.threads.value_or(manifest_->target.threads),
                       .full_refresh = flags_.full_refresh,
                       .fail_fast = flags_.fail_fast,
                       .cancelled = env_.cancelled,
                       .target_dir = target_dir_,
                       .print = [this](const std::string& line) { Out(line); }};
    // Interrupts reach the session's statements only while it is open.
    struct InterruptScope {
      const CommandEnvironment& env;
      ~InterruptScope() {
        if (env.set_interrupt) env.set_interrupt(nullptr);
      }
    } interrupt_scope{env_};
    engine::Session* open_session = session.get();
    if (env_.set_interrupt) env_.set_interrupt([open_session] { open_session->InterruptAll(); });
    std::vector<std::string> fingerprints;
    if (env_.fingerprints && command != Command::kCompile) {
      ASSIGN_OR_RETURN(fingerprints, Fingerprints(*manifest_));
      if (flags_.skip_unchanged) {
        ASSIGN_OR_RETURN(options.unchanged, Unchanged(*session, options, fingerprints));
      }
    } else if (flags_.skip_unchanged) {
      return FailedPrecondition("--skip-unchanged needs floe's state store, where fingerprints of earlier builds are");
    }
    bool hooks = command != Command::kCompile;
    if (hooks)
      RETURN_IF_ERROR(
          RunHooks(*manifest_, *session, manifest_->project.on_run_start, "on-run-start", options.print, Value()));
    ASSIGN_OR_RETURN(std::unique_ptr<LakeModels> lake, OpenLake(selected, command));
    options.lake = lake.get();
    ASSIGN_OR_RETURN(RunResults results, RunNodes(*manifest_, *session, options));
    if (lake) lake->EndAudit();
    if (!fingerprints.empty()) RETURN_IF_ERROR(SaveFingerprints(results, fingerprints));
    RETURN_IF_ERROR(WriteRunResults(*manifest_, results, args_, target_dir_ / "run_results.json"));
    bool end_hooks = hooks && !manifest_->project.on_run_end.empty();
    if (end_hooks || env_.want_run_results) outcome_.run_results = RunResultsValue(*manifest_, results);
    if (end_hooks)
      RETURN_IF_ERROR(RunHooks(*manifest_, *session, manifest_->project.on_run_end, "on-run-end", options.print,
                               Value::MakeMap({{"results", outcome_.run_results}})));
    if (c == "docs generate") {
      ASSIGN_OR_RETURN(auto con, session->Connect());
      RETURN_IF_ERROR(WriteCatalog(*manifest_, *con, target_dir_ / "catalog.json"));
      Out("Catalog written to " + (target_dir_ / "catalog.json").string());
      return Status::Ok();
    }
    if (env_.write_catalog && command != Command::kCompile && command != Command::kTest) {
      // For the web UI's columns only: the run's outcome does not depend on it.
      auto con = session->Connect();
      Status written = con.ok() ? WriteCatalog(*manifest_, **con, target_dir_ / "catalog.json") : con.status();
      if (!written.ok()) {
        std::error_code ec;
        std::filesystem::remove(target_dir_ / "catalog.json", ec);  // an older one would describe other relations
        Err("[WARNING]: catalog.json was not written: " + written.ToString());
      }
    }
    if (command == Command::kCompile && (!flags_.select.empty() || !flags_.inline_sql.empty())) {
      // dbt prints what it compiled when asked for particular nodes.
      for (const auto& r : results.results) {
        if (r.status != "success" || manifest_->nodes[r.node].node.resource_type == ResourceType::kTest) continue;
        Out("Compiled node '" + manifest_->nodes[r.node].node.name + "' is:");
        Out(r.compiled_code);
      }
    }
    Summary(results, command);
    outcome_.exit_code = results.success() ? kExitOk : kExitFailure;
    if (lake && !FinishAudit(*lake, results)) outcome_.exit_code = kExitFailure;
    return Status::Ok();
  }

  // The lake the run's 'iceberg' models write to; null when it writes none
  // (and audits nothing).
  Result<std::unique_ptr<LakeModels>> OpenLake(const std::vector<size_t>& selected, Command command) {
    std::vector<std::string> unaudited;
    bool writes_lake = false;
    for (size_t i : selected) {
      const ParsedNode& p = manifest_->nodes[i];
      ResourceType t = p.node.resource_type;
      if (!p.enabled || t == ResourceType::kTest || t == ResourceType::kAnalysis) continue;
      if (t == ResourceType::kModel && p.materialized == "iceberg") {
        writes_lake = true;
      } else if (t != ResourceType::kModel || (p.materialized != "view" && p.materialized != "ephemeral")) {
        unaudited.push_back(p.node.name);
      }
    }
    if (command == Command::kCompile || command == Command::kTest || (!writes_lake && flags_.audit_branch.empty()))
      return std::unique_ptr<LakeModels>();
    if (env_.lake_catalog.empty())
      return FailedPrecondition(
          "the selection builds Iceberg models, which need floe's Iceberg catalog: run them "
          "with `floe models` or a models task");
    if (!flags_.audit_branch.empty() && !unaudited.empty()) {
      std::string names;
      for (const auto& n : unaudited) names += (names.empty() ? "" : ", ") + n;
      Err("[WARNING]: --audit-branch audits only Iceberg models; these write their DuckDB relations directly: " +
          names);
    }
    return LakeModels::Open(
        {.catalog = env_.lake_catalog, .warehouse = env_.lake_warehouse, .working_directory = project_dir_},
        flags_.audit_branch, target_dir_ / "iceberg_staging", audit_reads_);
  }

  // Write-audit-publish's last step: main moves onto the audited branch in
  // every table when every node passed; otherwise main stays as it was.
  // False when publishing failed.
  bool FinishAudit(LakeModels& lake, const RunResults& results) {
    if (lake.audit_branch().empty()) return true;
    std::vector<std::string> tables = lake.Written();
    std::string names;
    for (const auto& t : tables) names += (names.empty() ? "" : ", ") + t;
    if (tables.empty()) {
      Out("Audit branch '" + lake.audit_branch() + "': no Iceberg table was written");
    } else if (!results.success()) {
      Err("Audit failed: main is untouched. What this build wrote is in branch '" + lake.audit_branch() + "' of " +
          names);
    } else if (Status published = lake.Publish(); !published.ok()) {
      Err("Audit passed, but publishing branch '" + lake.audit_branch() +
          "' failed, so main is untouched: " + published.ToString());
      return false;
    } else {
      Out("Published " + std::to_string(tables.size()) + " Iceberg table(s) from branch '" + lake.audit_branch() +
          "' to main, together: " + names);
    }
    return true;
  }

  // The selected nodes that may be skipped: fingerprint unchanged since
  // their last successful build, parents too, and their relation still there.
  // Prints why the others run.
  Result<std::set<size_t>> Unchanged(engine::Session& session, const RunOptions& options,
                                     const std::vector<std::string>& now) {
    const std::string scope = FingerprintScope(*manifest_);
    ASSIGN_OR_RETURN(auto before, env_.fingerprints->Load(scope));
    ASSIGN_OR_RETURN(auto con, session.Connect());
    ASSIGN_OR_RETURN(engine::Table tables, con->Query("SELECT table_schema, table_name FROM information_schema.tables "
                                                      "WHERE table_catalog = current_database()"));
    std::set<std::pair<std::string, std::string>> existing;
    for (const auto& row : tables.rows) existing.emplace(row[0].AsString(), row[1].AsString());
    std::set<size_t> unchanged;
    std::vector<std::string> reasons;
    for (size_t i : options.selected) {
      const ParsedNode& p = manifest_->nodes[i];
      if (p.materialized == "ephemeral" || p.node.resource_type == ResourceType::kAnalysis) continue;
      std::string reason = ChangeReason(*manifest_, i, now, before);
      bool has_relation = p.node.resource_type != ResourceType::kTest;
      if (reason.empty() && has_relation && !existing.count({p.relation.schema, p.relation.identifier}))
        reason = "its relation " + p.relation.schema + "." + p.relation.identifier + " is missing";
      if (reason.empty() && options.full_refresh) reason = "--full-refresh";
      if (reason.empty()) {
        unchanged.insert(i);
      } else if (p.node.resource_type != ResourceType::kTest) {
        reasons.push_back(p.node.name + ": " + reason);
      }
    }
    Out("--skip-unchanged: " + std::to_string(unchanged.size()) + " unchanged node(s) skipped; " +
        std::to_string(reasons.size()) + " to build");
    for (size_t k = 0; k < reasons.size() && k < 20; ++k) Out("  " + reasons[k]);
    if (reasons.size() > 20) Out("  ... and " + std::to_string(reasons.size() - 20) + " more");
    return unchanged;
  }

  // Records the fingerprints of what built (or was found unchanged).
  Status SaveFingerprints(const RunResults& results, const std::vector<std::string>& now) {
    std::vector<std::pair<std::string, std::string>> built;
    for (const auto& r : results.results) {
      if (r.status == "success" || r.status == "pass" || r.status == "warn" || r.status == "no-op")
        built.emplace_back(manifest_->nodes[r.node].node.unique_id, now[r.node]);
    }
    if (built.empty()) return Status::Ok();
    return env_.fingerprints->Save(FingerprintScope(*manifest_), built);
  }

  void Summary(const RunResults& results, Command command) {
    if (command == Command::kCompile) return;
    std::map<std::string, int> kinds;
    for (const auto& r : results.results) {
      const ParsedNode& p = manifest_->nodes[r.node];
      switch (p.node.resource_type) {
        case ResourceType::kTest:
          ++kinds["data test"];
          break;
        case ResourceType::kSeed:
          ++kinds["seed"];
          break;
        case ResourceType::kSnapshot:
          ++kinds["snapshot"];
          break;
        default:
          ++kinds[p.materialized + " model"];
      }
    }
    std::string what;
    for (const auto& [k, n] : kinds)
      what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + k + (n > 1 ? "s" : "");
    char secs[64];
    std::snprintf(secs, sizeof secs, "%.2f", results.elapsed_seconds);
    Out("");
    Out("Finished running " + (what.empty() ? std::string("0 nodes") : what) + " in " + secs + "s.");
    Out("");
    if (results.error == 0 && results.warn == 0) {
      Out("Completed successfully");
    } else {
      Out("Completed with " + std::to_string(results.error) + " error" + (results.error == 1 ? "" : "s") + " and " +
          std::to_string(results.warn) + " warning" + (results.warn == 1 ? "" : "s") + ":");
      for (const auto& r : results.results) {
        if (r.status != "error" && r.status != "fail" && r.status != "warn") continue;
        const ParsedNode& p = manifest_->nodes[r.node];
        std::string kind = r.status == "warn" ? "Warning in " : r.status == "fail" ? "Failure in " : "Error in ";
        Out("");
        Out(kind + std::string(ResourceTypeName(p.node.resource_type)) + " " + p.node.name + " (" +
            p.node.original_file_path + ")");
        Out("  " + r.message);
      }
    }
    Out("");
    Out("Done. PASS=" + std::to_string(results.pass) + " WARN=" + std::to_string(results.warn) +
        " ERROR=" + std::to_string(results.error) + " SKIP=" + std::to_string(results.skip) +
        " NO-OP=" + std::to_string(results.no_op) +
        " TOTAL=" + std::to_string(results.pass + results.warn + results.error + results.skip + results.no_op));
  }

  Status Show(engine::Session& session, const std::vector<size_t>& selected) {
    ASSIGN_OR_RETURN(auto con, session.Connect());
    std::string sql;
    std::vector<size_t> models;
    if (!flags_.inline_sql.empty()) {
      ASSIGN_OR_RETURN(size_t inline_node, AddInlineNode(flags_.inline_sql));
      models.push_back(inline_node);
    } else {
      for (size_t i : selected)
        if (manifest_->nodes[i].node.resource_type != ResourceType::kTest) models.push_back(i);
    }
    if (models.size() != 1) return InvalidArgument("show needs exactly one node: pass -s MODEL or --inline 'SQL'");
    ASSIGN_OR_RETURN(sql, CompileNode(*manifest_, models[0], con.get(), false));
    ASSIGN_OR_RETURN(engine::Table t,
                     con->Query("SELECT * FROM (\n" + sql + "\n) LIMIT " + std::to_string(flags_.limit)));
    Out("Previewing node '" + manifest_->nodes[models[0]].node.name + "':");
    std::string header;
    for (const auto& col : t.columns) header += "| " + col.name + " ";
    Out(header + "|");
    for (const auto& row : t.rows) {
      std::string line;
      for (const auto& v : row) line += "| " + tmpl::ToDisplayString(v, tmpl::Dialect::kJinja) + " ";
      Out(line + "|");
    }
    return Status::Ok();
  }

  // `show --inline 'select ... {{ ref("x") }}'`: the SQL as a node of its own,
  // compiled like a model (refs, macros, ephemeral CTEs).
  Result<size_t> AddInlineNode(const std::string& sql) {
    ParsedNode p;
    Node& n = p.node;
    n.resource_type = ResourceType::kModel;
    n.package = manifest_->project.name;
    n.name = "inline_query";
    n.unique_id = "sql_operation." + n.package + ".inline_query";
    n.original_file_path = "--inline";
    n.package_root = manifest_->project.root;
    n.raw_code = sql;
    n.config = Value(tmpl::ValueMap{});
    p.config = n.config;
    p.materialized = "view";
    RETURN_IF_ERROR(CompileCode(*manifest_, p).status());  // a syntax error before anything runs
    if (sql.find("graph") != std::string::npos)            // parsing built it only if the project used it
      manifest_->jinja->globals.MutableMap().Set("graph", GraphValue(*manifest_));
    manifest_->nodes.push_back(std::move(p));
    return manifest_->nodes.size() - 1;
  }

  const std::vector<std::string>& args_;
  const CommandEnvironment& env_;
  Flags flags_;
  // The tables a --audit-branch build reads at its branch (the session's iceberg_scan asks).
  std::shared_ptr<AuditReads> audit_reads_ = std::make_shared<AuditReads>();
  std::filesystem::path project_dir_, target_dir_;
  std::unique_ptr<Manifest> manifest_;
  std::vector<size_t> selected_sources_;  // indexes into manifest_->sources, for `ls`
  CommandOutcome outcome_;
};

}  // namespace

CommandOutcome RunCommand(const std::vector<std::string>& args, const CommandEnvironment& env) {
  return CommandRun(args, env).Go();
}

Result<std::vector<std::string>> SplitCommandLine(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        word += line[++i];
      } else {
        word += c;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) return InvalidArgument("unclosed quote in command line: " + std::string(line));
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace floe::models
