// Parse: the project's macros into one Jinja library, every node rendered
// once in parse mode (ref/source/config recorded), generic tests expanded,
// relations named, the graph linked and checked for cycles.
#include <algorithm>
#include <chrono>
#include <functional>

#include "core/id.h"
#include "core/parallel.h"
#include "core/strings.h"
#include "models/config_keys.h"
#include "models/internal/builtin_macros.h"
#include "models/internal/dbt_context.h"
#include "models/internal/generic_tests.h"

namespace floe::models {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

std::string_view DefaultMaterialization(ResourceType type) {
  switch (type) {
    case ResourceType::kModel:
      return "view";
    case ResourceType::kSeed:
      return "seed";
    case ResourceType::kSnapshot:
      return "snapshot";
    case ResourceType::kTest:
      return "test";
    case ResourceType::kAnalysis:
    case ResourceType::kOperation:
      return "analysis";
  }
  return "view";
}

std::string ConfigString(const Value& config, std::string_view key) {
  const Value* v = config.Get(key);
  if (!v || v->is_null() || v->is_undefined()) return "";
  return v->is_string() ? v->AsString() : tmpl::ToDisplayString(*v, tmpl::Dialect::kJinja);
}

// A file's name in errors: relative to the project when it is inside it.
std::string DisplayPath(const Project& project, const std::filesystem::path& package_root,
                        const std::string& original_file_path) {
  if (package_root.empty() || package_root == project.root) return original_file_path;
  std::error_code ec;
  auto rel = std::filesystem::relative(package_root / original_file_path, project.root, ec);
  return ec ? (package_root / original_file_path).string() : rel.string();
}

std::string Iso8601Now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>(us));
  return std::string(buf) + frac;
}

class Parser {
 public:
  Parser(Project project, Target target, const ParseOptions& options) : m_(std::make_unique<Manifest>()) {
    m_->project = std::move(project);
    m_->target = std::move(target);
    m_->vars_override = options.vars_override.is_map() ? options.vars_override : Value(ValueMap{});
    m_->invocation_id = options.invocation_id.empty() ? NewId() : options.invocation_id;
    m_->generated_at = Iso8601Now();
    m_->warnings = m_->project.warnings;
    m_->sources = m_->project.sources;
    m_->jinja = std::make_shared<JinjaLibrary>();
  }

  Result<std::unique_ptr<Manifest>> Run() {
    JinjaLibrary& lib = *m_->jinja;
    AddDbtFunctions(lib);
    lib.globals = Globals();
    RETURN_IF_ERROR(LoadMacros());
    RETURN_IF_ERROR(LoadDocs());
    RETURN_IF_ERROR(AddNodes());
    RETURN_IF_ERROR(AddSnapshots());
    IndexNodes();
    RETURN_IF_ERROR(ParseNodes());
    RETURN_IF_ERROR(NameRelations());
    RETURN_IF_ERROR(AddGenericTests(*m_, errors_));
    if (!errors_.empty()) return errors_.front();
    IndexNodes();
    RETURN_IF_ERROR(ParseTests());
    RETURN_IF_ERROR(LinkGraph());
    RETURN_IF_ERROR(CheckCycles());
    RETURN_IF_ERROR(RenderDescriptions());
    WarnUnenforced();
    if (MentionsGraph()) m_->jinja->globals.MutableMap().Set("graph", GraphValue(*m_));
    return std::move(m_);
  }

  // `graph` is built only for projects whose SQL or macros use it: for
  // 10,000 nodes it is a large value nobody else reads.
  bool MentionsGraph() const {
    for (const auto& f : m_->project.macros)
      if (f.text.find("graph") != std::string::npos) return true;
    for (const auto& p : m_->nodes)
      if (p.node.raw_code.find("graph") != std::string::npos) return true;
    return false;
  }

  // Configs floe accepts but does not act on yet are said, once per node.
  void WarnUnenforced() {
    for (const auto& p : m_->nodes) {
      const Value* contract = p.config.Get("contract");
      const Value* enforced = contract && contract->is_map() ? contract->Get("enforced") : nullptr;
      if (enforced && enforced->Truthy())
        m_->warnings.push_back({SourceLocation{.file = p.node.original_file_path, .line = p.node.raw_code_line},
                                p.node.unique_id +
                                    ": its contract is not enforced by floe yet (column names, types and "
                                    "constraints are not checked)"});
    }
  }

  // Descriptions may call doc() (and other Jinja); dbt renders them at parse
  // time, so manifest.json holds the text.
  Status RenderDescriptions() {
    auto render = [this](std::string& text, const std::string& where) -> Status {
      if (text.find("{{") == std::string::npos && text.find("{%") == std::string::npos) return Status::Ok();
      auto compiled = tmpl::Template::Compile(text, tmpl::SourceOrigin{.name = where}, m_->jinja->env);
      if (!compiled.ok()) return compiled.status();
      NodeScope scope;
      scope.manifest = m_.get();
      ASSIGN_OR_RETURN(text, (*compiled)->Render(Value(), &scope));
      return Status::Ok();
    };
    for (auto& p : m_->nodes) {
      std::string where = p.node.patch_path.empty() ? p.node.original_file_path : p.node.patch_path;
      RETURN_IF_ERROR(render(p.node.description, where + " (description of " + p.node.name + ")"));
      for (auto& c : p.node.columns)
        RETURN_IF_ERROR(render(c.description, where + " (description of column " + c.name + ")"));
    }
    for (auto& s : m_->sources) {
      std::string where = s.original_file_path + " (description of source " + s.source_name + "." + s.name + ")";
      RETURN_IF_ERROR(render(s.description, where));
      RETURN_IF_ERROR(render(s.source_description, where));
      for (auto& c : s.columns) RETURN_IF_ERROR(render(c.description, where + " column " + c.name));
    }
    return Status::Ok();
  }

 private:
  Value Globals() const {
    ValueMap g;
    g.Set("target", TargetContext(m_->target));
    g.Set("project_name", Value(m_->project.name));
    g.Set("invocation_id", Value(m_->invocation_id));
    g.Set("run_started_at", CurrentDateTime());
    g.Set("dbt_version", Value("1.9.0"));
    g.Set("database", Value(m_->target.database));
    g.Set("schema", Value(m_->target.schema));
    g.Set("flags", Value::MakeMap({{"FULL_REFRESH", false}, {"WHICH", "parse"}, {"STORE_FAILURES", false}}));
    g.Set("modules", ModulesValue());
    g.Set("graph", Value::MakeMap({{"nodes", Value(ValueMap{})}, {"sources", Value(ValueMap{})}}));
    return Value(std::move(g));
  }

  Status CompileMacroFile(const std::string& package, const std::string& display, const std::string& text, bool root) {
    JinjaLibrary& lib = *m_->jinja;
    tmpl::SourceOrigin origin{.name = display};
    auto compiled = tmpl::Template::Compile(text, origin, lib.env);
    if (!compiled.ok()) return compiled.status();
    std::shared_ptr<const tmpl::Template> file = *compiled;
    lib.macro_files.push_back(file);
    for (const tmpl::TemplateBlock& block : file->Blocks()) {
      if (block.kind != tmpl::TemplateBlock::Kind::kMacro && block.kind != tmpl::TemplateBlock::Kind::kTest &&
          block.kind != tmpl::TemplateBlock::Kind::kMaterialization)
        continue;
      std::string name = block.macro_name;
      tmpl::Function fn = [file, name](tmpl::CallArgs& args, tmpl::RenderState& st) {
        return tmpl::CallMacro(*file, name, args, st);
      };
      lib.env.AddFunction(package + "." + name, fn);
      // Bare names: the root project's win over packages', packages' over
      // the built-ins (dbt's resolution order).
      bool taken = lib.env.FindFunction(name) != nullptr;
      auto& owners = lib.macro_packages[name];
      bool root_owned = std::find(owners.begin(), owners.end(), m_->project.name) != owners.end();
      if (root || !taken || (!root_owned && package != "dbt")) lib.env.AddFunction(name, fn);
      owners.push_back(package);
    }
    return Status::Ok();
  }

  Status LoadMacros() {
    RETURN_IF_ERROR(CompileMacroFile("dbt", "<floe built-in macros>", std::string(BuiltinMacros()), false));
    // Packages first, the root project last, so its macros override.
    std::vector<const MacroFile*> files;
    for (const auto& f : m_->project.macros)
      if (f.package != m_->project.name) files.push_back(&f);
    for (const auto& f : m_->project.macros)
      if (f.package == m_->project.name) files.push_back(&f);
    for (const MacroFile* f : files) {
      const Package* pkg = FindPackage(f->package);
      std::string display = DisplayPath(m_->project, pkg ? pkg->root : m_->project.root, f->original_file_path);
      Status s = CompileMacroFile(f->package, display, f->text, f->package == m_->project.name);
      if (!s.ok()) errors_.push_back(s);
    }
    if (!errors_.empty()) return errors_.front();
    JinjaLibrary& lib = *m_->jinja;
    auto overridden = [&lib](std::string_view name) { return lib.env.FindFunction(name) != nullptr; };
    auto call = [&lib](std::string_view source) {
      auto t = tmpl::Template::Compile(source, tmpl::SourceOrigin{.name = "<schema naming>"}, lib.env);
      return t.ok() ? *t : nullptr;
    };
    if (overridden("generate_schema_name"))
      lib.schema_name_call = call("{{ generate_schema_name(custom_schema_name, node) }}");
    if (overridden("generate_alias_name"))
      lib.alias_name_call = call("{{ generate_alias_name(custom_alias_name, node) }}");
    if (overridden("generate_database_name"))
      lib.database_name_call = call("{{ generate_database_name(custom_database_name, node) }}");
    return Status::Ok();
  }

  const Package* FindPackage(std::string_view name) const {
    for (const auto& p : m_->project.packages)
      if (p.name == name) return &p;
    return nullptr;
  }

  Status LoadDocs() {
    JinjaLibrary& lib = *m_->jinja;
    for (const auto& f : m_->project.docs) {
      auto compiled = tmpl::Template::Compile(f.text, tmpl::SourceOrigin{.name = f.original_file_path}, lib.env);
      if (!compiled.ok()) return compiled.status();
      for (const auto& block : (*compiled)->Blocks()) {
        if (block.kind != tmpl::TemplateBlock::Kind::kDocs) continue;
        std::string text(block.body);
        // Trim the newline after {% docs %} and the indentation before {% enddocs %}.
        size_t a = text.find_first_not_of(" \t\r\n");
        size_t b = text.find_last_not_of(" \t\r\n");
        text = a == std::string::npos ? "" : text.substr(a, b - a + 1);
        lib.docs[f.package + "." + block.name] = text;
        if (f.package == m_->project.name || !lib.docs.count(block.name)) lib.docs[block.name] = text;
      }
    }
    return Status::Ok();
  }

  Status AddNodes() {
    // Room for the generic tests too: a vector that grows copies every node.
    size_t tests = 0;
    for (const auto& n : m_->project.nodes) {
      tests += n.tests.size();
      for (const auto& c : n.columns) tests += c.tests.size();
    }
    for (const auto& s : m_->project.sources) {
      tests += s.tests.size();
      for (const auto& c : s.columns) tests += c.tests.size();
    }
    m_->nodes.reserve(m_->project.nodes.size() + tests + 16 * m_->project.snapshots.size() + 64);
    for (auto& n : m_->project.nodes) {
      ParsedNode p;
      p.node = std::move(n);
      m_->nodes.push_back(std::move(p));
    }
    m_->project.nodes.clear();
    return Status::Ok();
  }

  Status AddSnapshots() {
    JinjaLibrary& lib = *m_->jinja;
    for (const auto& f : m_->project.snapshots) {
      std::string display = DisplayPath(m_->project, f.package_root, f.original_file_path);
      auto compiled = tmpl::Template::Compile(f.text, tmpl::SourceOrigin{.name = display}, lib.env);
      if (!compiled.ok()) {
        errors_.push_back(compiled.status());
        continue;
      }
      for (const auto& block : (*compiled)->Blocks()) {
        if (block.kind != tmpl::TemplateBlock::Kind::kSnapshot) continue;
        ParsedNode p;
        Node& n = p.node;
        n.resource_type = ResourceType::kSnapshot;
        n.package = f.package;
        n.name = block.name;
        n.unique_id = "snapshot." + f.package + "." + block.name;
        n.path = f.path;
        n.original_file_path = f.original_file_path;
        n.package_root = f.package_root;
        n.raw_code = block.body;
        n.raw_code_line = block.origin.line;
        n.config = f.config.is_map() ? f.config : Value(ValueMap{});
        n.fqn = {f.package};
        std::filesystem::path rel(f.path);
        for (const auto& part : rel.parent_path()) n.fqn.push_back(part.string());
        // dbt: "on snapshots, the fqn includes the filename" (not for YAML snapshots).
        if (rel.extension() == ".sql") n.fqn.push_back(rel.stem().string());
        n.fqn.push_back(block.name);
        ApplySnapshotProperties(n);
        m_->nodes.push_back(std::move(p));
      }
    }
    return errors_.empty() ? Status::Ok() : errors_.front();
  }

  // The `snapshots:` entry of a property file that describes this snapshot:
  // description, columns, tests, and config over the project tree's.
  void ApplySnapshotProperties(Node& n) {
    for (const auto& props : m_->project.snapshot_properties) {
      if (props.package != n.package || props.name != n.name) continue;
      n.description = props.description;
      n.columns = props.columns;
      n.tests = props.tests;
      n.meta = props.meta;
      n.patch_path = props.patch_path;
      ValueMap merged = n.config.AsMap();
      if (props.config.is_map())
        for (const auto& [k, v] : props.config.AsMap()) MergeConfigValue(merged, k, v);
      n.config = Value(std::move(merged));
    }
  }

  void IndexNodes() {
    m_->by_id.clear();
    m_->by_name.clear();
    for (size_t i = 0; i < m_->nodes.size(); ++i) {
      const Node& n = m_->nodes[i].node;
      m_->by_id[n.unique_id] = i;
      if (n.resource_type == ResourceType::kModel || n.resource_type == ResourceType::kSeed ||
          n.resource_type == ResourceType::kSnapshot)
        m_->by_name[n.name].push_back(i);
    }
  }

  // Renders one node in parse mode and keeps what it recorded.
  Status ParseNode(size_t index) {
    ParsedNode& p = m_->nodes[index];
    Node& n = p.node;
    if (!n.config.is_map()) n.config = Value(ValueMap{});
    if (n.resource_type != ResourceType::kSeed) {
      ASSIGN_OR_RETURN(auto code, CompileCode(*m_, p));
      NodeScope scope;
      scope.mode = RenderMode::kParse;
      scope.manifest = m_.get();
      scope.node = &p;
      auto rendered = code->Render(Value(), &scope);
      if (!rendered.ok()) return rendered.status();
      MergeConfig(p, scope.config_calls);
      Recorded& r = recorded_[index];
      r.warnings = std::move(scope.warnings);
      r.ref_calls = std::move(scope.ref_calls);
      r.source_calls = std::move(scope.source_calls);
    } else {
      MergeConfig(p, ValueMap{});
    }
    return Status::Ok();
  }

  void MergeConfig(ParsedNode& p, const ValueMap& calls) {
    ValueMap config;
    for (const auto& [k, v] : p.node.config.AsMap()) config.Set(k, v);
    for (const auto& [k, v] : calls) MergeConfigValue(config, k, v);
    Value final_config(std::move(config));
    p.config = final_config;
    p.materialized = ConfigString(final_config, "materialized");
    if (p.materialized.empty() || p.node.resource_type != ResourceType::kModel)
      p.materialized = std::string(DefaultMaterialization(p.node.resource_type));
    if (p.node.resource_type == ResourceType::kModel && ConfigString(final_config, "materialized").size())
      p.materialized = ConfigString(final_config, "materialized");
    p.config.MutableMap().Set("materialized", Value(p.materialized));
    if (const Value* e = final_config.Get("enabled"); e && !e->is_null()) p.enabled = e->Truthy();
    p.tags.clear();
    if (const Value* tags = final_config.Get("tags")) {
      if (tags->is_string()) p.tags.push_back(tags->AsString());
      if (tags->is_list())
        for (const auto& t : tags->AsList())
          if (t.is_string() && std::find(p.tags.begin(), p.tags.end(), t.AsString()) == p.tags.end())
            p.tags.push_back(t.AsString());
    }
  }

  Status ParseNodes() { return ParseInParallel(false); }
  Status ParseTests() { return ParseInParallel(true); }

  // Nodes render independently (each with its own scope; the library is
  // read-only), so they are parsed on every core; errors and warnings are
  // then reported in file order. Generic tests come after the models they
  // test (their config depends on them).
  Status ParseInParallel(bool generic_tests) {
    std::vector<size_t> todo;
    for (size_t i = 0; i < m_->nodes.size(); ++i) {
      const ParsedNode& p = m_->nodes[i];
      bool generic = p.node.resource_type == ResourceType::kTest && !p.test_macro.empty();
      if (generic == generic_tests) todo.push_back(i);
    }
    recorded_.resize(m_->nodes.size());  // each node's slot is written by the thread that parses it
    std::vector<Status> results(todo.size());
    ParallelFor(todo.size(), 64, [&](size_t k) { results[k] = ParseNode(todo[k]); });
    for (size_t k = 0; k < todo.size(); ++k) {
      if (!results[k].ok()) errors_.push_back(results[k]);
      for (auto& warning : recorded_[todo[k]].warnings) m_->warnings.push_back(std::move(warning));
      recorded_[todo[k]].warnings.clear();
    }
    return errors_.empty() ? Status::Ok() : errors_.front();
  }

  // Renders a naming macro the project overrides; its output, trimmed.
  Result<std::string> CallNamingMacro(const std::shared_ptr<const tmpl::Template>& call, std::string_view arg_name,
                                      const std::string& custom, const ParsedNode& p) {
    ValueMap ctx;
    ctx.Set(arg_name, custom.empty() ? Value() : Value(custom));
    ctx.Set("node", NodeValue(p));
    NodeScope scope;
    scope.mode = RenderMode::kParse;
    scope.manifest = m_.get();
    ASSIGN_OR_RETURN(std::string out, call->Render(Value(std::move(ctx)), &scope));
    size_t a = out.find_first_not_of(" \t\r\n");
    size_t b = out.find_last_not_of(" \t\r\n");
    return a == std::string::npos ? std::string() : out.substr(a, b - a + 1);
  }

  Status NameRelations() {
    const JinjaLibrary& lib = *m_->jinja;
    for (auto& p : m_->nodes) {
      ResourceType type = p.node.resource_type;
      if (type == ResourceType::kTest || type == ResourceType::kAnalysis || type == ResourceType::kOperation) {
        p.relation = {m_->target.database, m_->target.schema, p.node.name};
        continue;
      }
      std::string custom_schema = ConfigString(p.config, "schema");
      std::string custom_alias = ConfigString(p.config, "alias");
      std::string custom_db = ConfigString(p.config, "database");
      Relation r;
      if (lib.database_name_call) {
        ASSIGN_OR_RETURN(r.database, CallNamingMacro(lib.database_name_call, "custom_database_name", custom_db, p));
      } else {
        r.database = custom_db.empty() ? m_->target.database : custom_db;
      }
      std::string target_schema = ConfigString(p.config, "target_schema");
      if (type == ResourceType::kSnapshot && !target_schema.empty()) {
        r.schema = target_schema;
      } else if (lib.schema_name_call) {
        ASSIGN_OR_RETURN(r.schema, CallNamingMacro(lib.schema_name_call, "custom_schema_name", custom_schema, p));
      } else {
        r.schema = custom_schema.empty() ? m_->target.schema : m_->target.schema + "_" + custom_schema;
      }
      if (lib.alias_name_call) {
        ASSIGN_OR_RETURN(r.identifier, CallNamingMacro(lib.alias_name_call, "custom_alias_name", custom_alias, p));
      } else if (!custom_alias.empty()) {
        r.identifier = custom_alias;
      } else {
        r.identifier = p.node.name + (p.node.version ? "_v" + *p.node.version : "");
      }
      p.relation = std::move(r);
    }
    return Status::Ok();
  }

  static void AddUnique(std::vector<size_t>& list, size_t i) {
    if (std::find(list.begin(), list.end(), i) == list.end()) list.push_back(i);
  }

  Status LinkGraph() {
    recorded_.resize(m_->nodes.size());
    for (size_t i = 0; i < m_->nodes.size(); ++i) {
      ParsedNode& p = m_->nodes[i];
      for (const auto& call : recorded_[i].ref_calls) {
        std::string package = call.args.size() == 2 ? call.args[0] : "";
        const std::string& name = call.args.back();
        std::optional<size_t> found = m_->ResolveRef(package, name, call.version, p.node.package);
        if (!found) {
          std::vector<std::string> names;
          for (const auto& [n, ids] : m_->by_name) names.push_back(n);
          std::string hint = DidYouMean(name, names);
          errors_.push_back(
              InvalidArgument(p.node.unique_id + " depends on a node named '" + name + "' which was not found")
                  .WithLocation(call.where)
                  .WithHint(hint));
          continue;
        }
        if (!m_->nodes[*found].enabled && p.enabled) {
          errors_.push_back(InvalidArgument(p.node.unique_id + " depends on '" + name + "' which is disabled")
                                .WithLocation(call.where));
          continue;
        }
        p.refs.emplace_back(call.args.size() == 2 ? call.args[0] + "." + name : name, call.version);
        AddUnique(p.depends_on, *found);
      }
      for (const auto& call : recorded_[i].source_calls) {
        std::optional<size_t> found = m_->ResolveSource(call.args[0], call.args[1]);
        if (!found) {
          std::vector<std::string> names;
          for (const auto& s : m_->sources) names.push_back(s.source_name + "." + s.name);
          errors_.push_back(InvalidArgument(p.node.unique_id + " depends on source '" + call.args[0] + "." +
                                            call.args[1] + "' which was not found")
                                .WithLocation(call.where)
                                .WithHint(DidYouMean(call.args[0] + "." + call.args[1], names)));
          continue;
        }
        AddUnique(p.depends_on_sources, *found);
      }
    }
    return errors_.empty() ? Status::Ok() : errors_.front();
  }

  Status CheckCycles() {
    enum class Mark { kNone, kActive, kDone };
    std::vector<Mark> mark(m_->nodes.size(), Mark::kNone);
    std::vector<size_t> stack;
    std::function<std::optional<std::vector<size_t>>(size_t)> visit =
        [&](size_t i) -> std::optional<std::vector<size_t>> {
      mark[i] = Mark::kActive;
      stack.push_back(i);
      for (size_t d : m_->nodes[i].depends_on) {
        if (mark[d] == Mark::kActive) {
          auto at = std::find(stack.begin(), stack.end(), d);
          std::vector<size_t> cycle(at, stack.end());
          cycle.push_back(d);
          return cycle;
        }
        if (mark[d] == Mark::kNone)
          if (auto c = visit(d)) return c;
      }
      stack.pop_back();
      mark[i] = Mark::kDone;
      return std::nullopt;
    };
    for (size_t i = 0; i < m_->nodes.size(); ++i) {
      if (mark[i] != Mark::kNone) continue;
      if (auto cycle = visit(i)) {
        // Read the cycle in the direction data flows: parent -> child.
        std::reverse(cycle->begin(), cycle->end());
        std::string path;
        for (size_t c : *cycle) path += (path.empty() ? "" : " --> ") + m_->nodes[c].node.unique_id;
        const Node& first = m_->nodes[cycle->front()].node;
        return InvalidArgument("found a cycle: " + path)
            .WithLocation({DisplayPath(m_->project, first.package_root, first.original_file_path), 0, 0})
            .WithHint("remove one of these ref() calls");
      }
    }
    return Status::Ok();
  }

  std::unique_ptr<Manifest> m_;
  std::vector<Status> errors_;
  // What each node's parse render recorded, by node index (nodes are only
  // appended, so indexes stay valid).
  struct Recorded {
    std::vector<NodeScope::Call> ref_calls, source_calls;
    std::vector<Warning> warnings;
  };
  std::vector<Recorded> recorded_;
};

}  // namespace

std::optional<size_t> Manifest::Find(std::string_view unique_id) const {
  auto it = by_id.find(unique_id);
  if (it == by_id.end()) return std::nullopt;
  return it->second;
}

std::optional<size_t> Manifest::ResolveRef(std::string_view package, std::string_view name,
                                           const std::optional<std::string>& version,
                                           std::string_view from_package) const {
  auto it = by_name.find(name);
  if (it == by_name.end()) return std::nullopt;
  auto matches = [&](size_t i, std::string_view pkg) {
    const Node& n = nodes[i].node;
    if (!pkg.empty() && n.package != pkg) return false;
    if (version) return n.version && *n.version == *version;
    return true;
  };
  auto pick = [&](std::string_view pkg) -> std::optional<size_t> {
    std::optional<size_t> best;
    for (size_t i : it->second) {
      if (!matches(i, pkg)) continue;
      // Without a version: the latest one (or the unversioned model).
      if (!best || (nodes[i].node.version && nodes[*best].node.version &&
                    std::stoll(*nodes[i].node.version) > std::stoll(*nodes[*best].node.version)))
        best = i;
    }
    return best;
  };
  if (!package.empty()) return pick(package);
  if (auto found = pick(from_package)) return found;
  if (auto found = pick(project.name)) return found;
  return pick("");
}

std::optional<size_t> Manifest::ResolveSource(std::string_view source_name, std::string_view table) const {
  for (size_t i = 0; i < sources.size(); ++i)
    if (sources[i].source_name == source_name && sources[i].name == table) return i;
  return std::nullopt;
}

// dbt's `graph`: nodes and sources by unique id, with the attributes
// macros walking the project read.
Value GraphValue(const Manifest& manifest) {
  ValueMap nodes, sources;
  for (const auto& p : manifest.nodes) {
    if (!p.enabled) continue;
    ValueList depends, fqn, tags;
    for (size_t d : p.depends_on) depends.push_back(Value(manifest.nodes[d].node.unique_id));
    for (size_t src : p.depends_on_sources) depends.push_back(Value(manifest.sources[src].unique_id));
    for (const auto& f : p.node.fqn) fqn.push_back(Value(f));
    for (const auto& t : p.tags) tags.push_back(Value(t));
    ValueMap n;
    n.Set("unique_id", Value(p.node.unique_id));
    n.Set("name", Value(p.node.name));
    n.Set("resource_type", Value(std::string(ResourceTypeName(p.node.resource_type))));
    n.Set("package_name", Value(p.node.package));
    n.Set("path", Value(p.node.path));
    n.Set("original_file_path", Value(p.node.original_file_path));
    n.Set("fqn", Value(std::move(fqn)));
    n.Set("tags", Value(std::move(tags)));
    n.Set("config", p.config);
    n.Set("database", Value(p.relation.database));
    n.Set("schema", Value(p.relation.schema));
    n.Set("alias", Value(p.relation.identifier));
    n.Set("relation_name", Value(p.relation.Rendered()));
    n.Set("description", Value(p.node.description));
    n.Set("raw_code", Value(p.node.raw_code));
    n.Set("depends_on", Value::MakeMap({{"nodes", Value(std::move(depends))}}));
    nodes.Set(p.node.unique_id, Value(std::move(n)));
  }
  for (const auto& src : manifest.sources) {
    ValueMap n;
    n.Set("unique_id", Value(src.unique_id));
    n.Set("name", Value(src.name));
    n.Set("source_name", Value(src.source_name));
    n.Set("resource_type", Value("source"));
    n.Set("package_name", Value(src.package));
    n.Set("schema", Value(src.schema));
    n.Set("identifier", Value(src.identifier));
    n.Set("database", Value(src.database.empty() ? manifest.target.database : src.database));
    n.Set("config", src.config);
    sources.Set(src.unique_id, Value(std::move(n)));
  }
  return Value::MakeMap({{"nodes", Value(std::move(nodes))}, {"sources", Value(std::move(sources))}});
}

Value TargetContext(const Target& t) {
  ValueMap target;
  if (t.raw.is_map())
    for (const auto& [k, v] : t.raw.AsMap()) target.Set(k, v);
  target.Set("name", Value(t.name));
  target.Set("target_name", Value(t.name));
  target.Set("profile_name", Value(t.profile_name));
  target.Set("type", Value(t.type));
  target.Set("schema", Value(t.schema));
  target.Set("database", Value(t.database));
  target.Set("path", Value(t.path));
  target.Set("threads", Value(int64_t(t.threads)));
  return Value(std::move(target));
}

Result<std::shared_ptr<const tmpl::Template>> CompileCode(const Manifest& m, const ParsedNode& p) {
  const Node& n = p.node;
  if (n.resource_type == ResourceType::kSeed) return std::shared_ptr<const tmpl::Template>();
  tmpl::SourceOrigin origin{.name = DisplayPath(m.project, n.package_root, n.original_file_path),
                            .line = n.raw_code_line};
  return tmpl::Template::Compile(n.raw_code, origin, m.jinja->env);
}

Result<std::unique_ptr<Manifest>> Parse(Project project, Target target, const ParseOptions& options) {
  Parser parser(std::move(project), std::move(target), options);
  return parser.Run();
}

}  // namespace floe::models
