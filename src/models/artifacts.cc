#include "models/artifacts.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "core/strings.h"
#include "engine/session.h"
#include "models/internal/dbt_context.h"
#include "models/materialize.h"
#include "storage/sigv4.h"
#include "tmpl/json.h"

namespace floe::models {
namespace {

using nlohmann::json;
using tmpl::Value;

// Artifacts are written as they are produced, a buffer at a time: for
// 10,000 nodes a JSON tree (or the whole text) built first costs more than
// parsing the project.
class JsonOut {
 public:
  // Text in memory (a slice of a larger document, see Slice()).
  JsonOut() = default;
  // Writes to `file` + ".tmp"; Finish() renames it into place.
  explicit JsonOut(std::filesystem::path file) : file_(std::move(file)) {
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
    tmp_ = file_;
    tmp_ += ".tmp";
    stream_ = std::fopen(tmp_.c_str(), "wb");
    if (!stream_) error_ = errno;
    out_.reserve(kBuffer + 4096);
  }
  JsonOut(JsonOut&&) = default;
  ~JsonOut() {
    if (stream_) {  // not finished: an error on the way
      std::fclose(stream_);
      std::filesystem::remove(tmp_);
    }
  }
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;
  JsonOut& operator=(JsonOut&&) = delete;

  JsonOut& Open(char bracket) {
    Separate();
    out_ += bracket;
    fresh_ = true;
    return *this;
  }
  JsonOut& Close(char bracket) {
    out_ += bracket;
    fresh_ = false;
    return Flush(false);
  }
  JsonOut& Key(std::string_view key) {
    Separate();
    AppendJsonQuoted(out_, key);
    out_ += ':';
    fresh_ = true;
    return *this;
  }
  JsonOut& Str(std::string_view v) {
    Separate();
    AppendJsonQuoted(out_, v);
    return *this;
  }
  JsonOut& StrOrNull(std::string_view v) { return v.empty() ? Raw("null") : Str(v); }
  JsonOut& Number(double v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back the same
    return Raw(std::string_view(buf, end - buf));
  }
  JsonOut& Raw(std::string_view text) {
    Separate();
    out_ += text;
    return *this;
  }
  JsonOut& Value(const tmpl::Value& v) { return Raw(tmpl::ToJson(v)); }
  JsonOut& MapOrEmpty(const tmpl::Value& v) { return v.is_map() ? Value(v) : Raw("{}"); }
  JsonOut& Strings(const std::vector<std::string>& list) {
    Open('[');
    for (const auto& x : list) Str(x);
    return Close(']');
  }
  JsonOut& Field(std::string_view key, std::string_view v) { return Key(key).Str(v); }
  void Clear() {
    out_.clear();
    fresh_ = true;
  }
  // Members (or items) another JsonOut rendered: `"k":v,"k2":v2`.
  JsonOut& Slice(const JsonOut& part) {
    if (part.out_.empty()) return *this;
    Separate();
    out_ += part.out_;
    return Flush(false);
  }

  // Flushes, closes and renames the file into place.
  Status Finish() {
    Flush(true);
    if (stream_ && std::fclose(stream_) != 0 && !error_) error_ = errno ? errno : EIO;
    stream_ = nullptr;
    std::error_code ec;
    if (error_) {
      std::filesystem::remove(tmp_, ec);
      return IoError("cannot write " + tmp_.string() + ": " + std::strerror(error_));
    }
    std::filesystem::rename(tmp_, file_, ec);
    if (ec) return IoError("cannot write " + file_.string() + ": " + ec.message());
    return Status::Ok();
  }

 private:
  static constexpr size_t kBuffer = 1 << 20;

  JsonOut& Flush(bool always) {
    if (!stream_ || (out_.size() < kBuffer && !always)) return *this;
    if (!error_ && std::fwrite(out_.data(), 1, out_.size(), stream_) != out_.size()) error_ = errno ? errno : EIO;
    out_.clear();
    return *this;
  }
  void Separate() {
    if (!fresh_) out_ += ',';
    fresh_ = false;
  }

  std::filesystem::path file_, tmp_;
  std::FILE* stream_ = nullptr;
  int error_ = 0;  // errno of the first failure
  std::string out_;
  bool fresh_ = true;
};

void Columns(JsonOut& out, const std::vector<ColumnSpec>& columns) {
  out.Open('{');
  for (const auto& c : columns) {
    out.Key(c.name).Open('{').Field("name", c.name).Field("description", c.description);
    out.Key("data_type").StrOrNull(c.data_type);
    out.Key("meta").MapOrEmpty(c.meta);
    out.Key("tags").Strings(c.tags);
    out.Key("quote").Raw(c.quote ? "true" : "null");
    out.Close('}');
  }
  out.Close('}');
}

std::vector<std::string> DependsOn(const Manifest& m, const ParsedNode& p) {
  std::vector<std::string> ids;
  for (size_t d : p.depends_on) ids.push_back(m.nodes[d].node.unique_id);
  for (size_t s : p.depends_on_sources) ids.push_back(m.sources[s].unique_id);
  return ids;
}

void NodeJson(JsonOut& out, const Manifest& m, const ParsedNode& p, const std::vector<std::string>& depends) {
  const Node& n = p.node;
  out.Open('{').Field("unique_id", n.unique_id).Field("resource_type", ResourceTypeName(n.resource_type));
  out.Field("package_name", n.package).Field("name", n.name).Field("path", n.path);
  out.Field("original_file_path", n.original_file_path);
  out.Key("fqn").Strings(n.fqn);
  out.Field("database", p.relation.database).Field("schema", p.relation.schema).Field("alias", p.relation.identifier);
  out.Key("relation_name");
  if (n.resource_type == ResourceType::kTest || p.materialized == "ephemeral") {
    out.Raw("null");
  } else {
    out.Str(p.relation.Rendered());
  }
  out.Field("raw_code", n.raw_code).Field("language", n.language).Field("description", n.description);
  out.Key("columns");
  Columns(out, n.columns);
  out.Key("meta").MapOrEmpty(n.meta);
  out.Key("tags").Strings(p.tags);
  out.Key("config").Value(p.config);
  out.Key("patch_path").StrOrNull(n.patch_path);
  out.Key("checksum").Open('{').Field("name", "sha256").Field("checksum", NodeChecksum(p)).Close('}');
  out.Key("refs").Open('[');
  for (const auto& [name, version] : p.refs) {
    auto dot = name.find('.');
    out.Open('{').Field("name", dot == std::string::npos ? name : name.substr(dot + 1));
    out.Key("package").StrOrNull(dot == std::string::npos ? "" : name.substr(0, dot));
    out.Key("version").StrOrNull(version ? *version : "");
    out.Close('}');
  }
  out.Close(']');
  out.Key("sources").Open('[');
  for (size_t s : p.depends_on_sources) out.Strings({m.sources[s].source_name, m.sources[s].name});
  out.Close(']');
  out.Key("depends_on").Open('{');
  out.Key("macros").Strings(p.depends_on_macros);
  out.Key("nodes").Strings(depends);
  out.Close('}');
  out.Key("unrendered_config").Raw("{}").Key("created_at").Raw("0");
  if (n.version) out.Field("version", *n.version);
  if (n.resource_type == ResourceType::kTest && !p.test_macro.empty()) {
    std::string test_name = p.test_macro;
    if (auto dot = test_name.rfind("test_"); dot != std::string::npos) test_name = test_name.substr(dot + 5);
    out.Key("test_metadata").Open('{').Field("name", test_name).Key("kwargs").MapOrEmpty(p.test_kwargs);
    out.Key("namespace").Raw("null").Close('}');
    out.Key("column_name").StrOrNull(p.column_name);
    if (p.attached_node) out.Field("attached_node", m.nodes[*p.attached_node].node.unique_id);
  }
  out.Close('}');
}

Status WriteText(const std::string& text, const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) return IoError("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) return IoError("cannot write " + file.string() + ": " + ec.message());
  return Status::Ok();
}

Status WriteJson(const json& j, const std::filesystem::path& file) {
  return WriteText(j.dump(), file);  // compact, as dbt writes its artifacts
}

}  // namespace

std::string NodeChecksum(const ParsedNode& p) {
  if (p.node.resource_type != ResourceType::kSeed) return storage::Sha256Hex(p.node.raw_code);
  std::ifstream in(p.node.package_root / p.node.original_file_path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return storage::Sha256Hex(text);
}

// Writes `n` items rendered by `render` into `out`, in order, rendering
// them on every core a round of slices at a time (so the text in memory
// stays a few slices long).
void WriteInParallel(JsonOut& out, size_t n, const std::function<void(JsonOut&, size_t)>& render) {
  constexpr size_t kSlice = 512;
  std::vector<JsonOut> slices(std::min<size_t>(8, n / kSlice + 1));
  for (size_t round = 0; round < n; round += slices.size() * kSlice) {
    ParallelFor(slices.size(), 1, [&](size_t t) {
      slices[t].Clear();
      size_t begin = std::min(n, round + t * kSlice), end = std::min(n, begin + kSlice);
      for (size_t k = begin; k < end; ++k) render(slices[t], k);
    });
    for (const auto& slice : slices) out.Slice(slice);
  }
}

Status WriteManifest(const Manifest& m, const std::filesystem::path& file) {
  JsonOut out(file);
  out.Open('{').Key("metadata").Open('{');
  out.Field("dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v12.json").Field("dbt_version", "1.9.0");
  out.Field("generated_at", m.generated_at).Field("invocation_id", m.invocation_id).Key("env").Raw("{}");
  out.Field("project_name", m.project.name).Field("adapter_type", "duckdb").Close('}');
  std::vector<size_t> enabled, disabled;
  for (size_t i = 0; i < m.nodes.size(); ++i) (m.nodes[i].enabled ? enabled : disabled).push_back(i);
  // The nodes are most of the file (a project's every SQL file is in it).
  out.Key("nodes").Open('{');
  WriteInParallel(out, enabled.size(), [&](JsonOut& part, size_t k) {
    const ParsedNode& p = m.nodes[enabled[k]];
    part.Key(p.node.unique_id);
    NodeJson(part, m, p, DependsOn(m, p));
  });
  out.Close('}');
  out.Key("sources").Open('{');
  for (const auto& s : m.sources) {
    std::string database = s.database.empty() ? m.target.database : s.database;
    out.Key(s.unique_id).Open('{').Field("unique_id", s.unique_id).Field("resource_type", "source");
    out.Field("package_name", s.package).Field("source_name", s.source_name).Field("name", s.name);
    out.Field("identifier", s.identifier).Field("schema", s.schema).Field("database", database);
    out.Field("relation_name", Relation{database, s.schema, s.identifier}.Rendered());
    out.Field("description", s.description).Field("source_description", s.source_description);
    out.Key("loaded_at_field").StrOrNull(s.loaded_at_field);
    out.Key("freshness").Value(s.freshness);
    out.Key("columns");
    Columns(out, s.columns);
    out.Key("meta").MapOrEmpty(s.meta).Key("config").Value(s.config);
    out.Key("fqn").Strings(s.fqn);
    out.Field("original_file_path", s.original_file_path).Field("path", s.original_file_path).Close('}');
  }
  out.Close('}');
  out.Key("macros").Open('{');
  for (const auto& [name, packages] : m.jinja->macro_packages) {
    for (const auto& pkg : packages) {
      std::string id = "macro." + pkg + "." + name;
      out.Key(id).Open('{').Field("unique_id", id).Field("name", name).Field("package_name", pkg);
      out.Field("resource_type", "macro").Close('}');
    }
  }
  out.Close('}');
  out.Key("docs").Open('{');
  for (const auto& [name, text] : m.jinja->docs) {
    size_t dot = name.find('.');
    if (dot == std::string::npos) continue;
    out.Key("doc." + name).Open('{').Field("unique_id", "doc." + name).Field("name", name.substr(dot + 1));
    out.Field("package_name", name.substr(0, dot)).Field("block_contents", text).Close('}');
  }
  out.Close('}');
  for (const char* empty : {"exposures", "metrics", "groups", "selectors"}) out.Key(empty).Raw("{}");
  out.Key("disabled").Open('{');
  for (size_t i : disabled) {
    out.Key(m.nodes[i].node.unique_id).Open('[');
    NodeJson(out, m, m.nodes[i], DependsOn(m, m.nodes[i]));
    out.Close(']');
  }
  out.Close('}');
  out.Key("parent_map").Open('{');
  for (size_t i : enabled) {
    const ParsedNode& p = m.nodes[i];
    out.Key(p.node.unique_id).Open('[');
    for (size_t d : p.depends_on) out.Str(m.nodes[d].node.unique_id);
    for (size_t s : p.depends_on_sources) out.Str(m.sources[s].unique_id);
    out.Close(']');
  }
  for (const auto& s : m.sources) out.Key(s.unique_id).Raw("[]");
  out.Close('}');
  // child_map: every enabled node, source and parent, by unique id; its
  // children in node order.
  std::vector<std::vector<size_t>> node_children(m.nodes.size()), source_children(m.sources.size());
  std::vector<bool> node_listed(m.nodes.size());
  for (size_t i : enabled) {
    node_listed[i] = true;
    for (size_t d : m.nodes[i].depends_on) {
      node_listed[d] = true;
      node_children[d].push_back(i);
    }
    for (size_t s : m.nodes[i].depends_on_sources) source_children[s].push_back(i);
  }
  struct Listed {
    std::string_view id;
    const std::vector<size_t>* children;
  };
  std::vector<Listed> listed;
  for (size_t i = 0; i < m.nodes.size(); ++i)
    if (node_listed[i]) listed.push_back({m.nodes[i].node.unique_id, &node_children[i]});
  for (size_t s = 0; s < m.sources.size(); ++s) listed.push_back({m.sources[s].unique_id, &source_children[s]});
  std::sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) { return a.id < b.id; });
  out.Key("child_map").Open('{');
  for (const auto& [id, children] : listed) {
    out.Key(id).Open('[');
    for (size_t c : *children) out.Str(m.nodes[c].node.unique_id);
    out.Close(']');
  }
  out.Close('}');
  for (const char* empty : {"group_map", "saved_queries", "semantic_models", "unit_tests"}) out.Key(empty).Raw("{}");
  out.Close('}');
  return out.Finish();
}

Status WriteRunResults(const Manifest& m, const RunResults& results, const std::vector<std::string>& args,
                       const std::filesystem::path& file) {
  JsonOut out(file);
  out.Open('{').Key("metadata").Open('{');
  out.Field("dbt_schema_version", "https://schemas.getdbt.com/dbt/run-results/v6.json").Field("dbt_version", "1.9.0");
  out.Field("generated_at", m.generated_at).Field("invocation_id", m.invocation_id).Key("env").Raw("{}").Close('}');
  out.Key("results").Open('[');
  for (const auto& r : results.results) {
    const ParsedNode& p = m.nodes[r.node];
    bool test = p.node.resource_type == ResourceType::kTest;
    out.Open('{').Field("unique_id", p.node.unique_id).Field("status", r.status);
    out.Key("timing").Open('[');
    if (!r.started_at.empty()) {
      out.Open('{').Field("name", "execute").Field("started_at", r.started_at);
      out.Field("completed_at", r.completed_at).Close('}');
    }
    out.Close(']').Field("thread_id", "Thread-1").Key("execution_time").Number(r.seconds);
    out.Key("adapter_response").Open('{');
    if (!r.message.empty() && r.status != "error") out.Field("_message", r.message);
    out.Close('}').Key("message").StrOrNull(r.message);
    out.Key("failures");
    test ? out.Number(static_cast<double>(r.failures)) : out.Raw("null");
    out.Key("compiled").Raw(r.compiled_code.empty() ? "false" : "true").Field("compiled_code", r.compiled_code);
    out.Key("relation_name");
    test ? out.Raw("null") : out.Str(p.relation.Rendered());
    out.Close('}');
  }
  out.Close(']').Key("elapsed_time").Number(results.elapsed_seconds);
  std::string command = "dbt";
  for (const auto& a : args) command += " " + a;
  out.Key("args").Open('{').Field("invocation_command", command).Close('}').Close('}');
  return out.Finish();
}

Value RunResultsValue(const Manifest& m, const RunResults& results) {
  tmpl::ValueList list;
  list.reserve(results.results.size());
  for (const auto& r : results.results) {
    const ParsedNode& p = m.nodes[r.node];
    bool test = p.node.resource_type == ResourceType::kTest;
    tmpl::ValueMap timing;
    if (!r.started_at.empty()) {
      timing.Set("name", Value("execute"));
      timing.Set("started_at", Value(r.started_at));
      timing.Set("completed_at", Value(r.completed_at));
    }
    tmpl::ValueMap adapter_response;
    if (!r.message.empty() && r.status != "error") adapter_response.Set("_message", Value(r.message));
    tmpl::ValueMap entry;
    entry.Set("unique_id", Value(p.node.unique_id));
    entry.Set("status", Value(r.status));
    entry.Set("timing", timing.empty() ? Value(tmpl::ValueList{}) : Value(tmpl::ValueList{Value(std::move(timing))}));
    entry.Set("thread_id", Value("Thread-1"));
    entry.Set("execution_time", Value(r.seconds));
    entry.Set("adapter_response", Value(std::move(adapter_response)));
    entry.Set("message", r.message.empty() ? Value() : Value(r.message));
    entry.Set("failures", test ? Value(r.failures) : Value());
    entry.Set("compiled", Value(!r.compiled_code.empty()));
    entry.Set("compiled_code", Value(r.compiled_code));
    entry.Set("relation_name", test ? Value() : Value(p.relation.Rendered()));
    list.push_back(Value(std::move(entry)));
  }
  return Value(std::move(list));
}

Status WriteCatalog(const Manifest& m, engine::Connection& con, const std::filesystem::path& file) {
  ASSIGN_OR_RETURN(engine::Table t,
                   con.Query("SELECT c.table_catalog, c.table_schema, c.table_name, t.table_type, c.column_name, "
                             "c.ordinal_position, c.data_type FROM information_schema.columns c JOIN "
                             "information_schema.tables t USING (table_catalog, table_schema, table_name) "
                             "ORDER BY 1, 2, 3, 6"));
  auto key = [](const std::string& db, const std::string& schema, const std::string& name) {
    std::string k = db + "." + schema + "." + name;
    std::transform(k.begin(), k.end(), k.begin(), ::tolower);
    return k;
  };
  std::map<std::string, json> tables;
  for (const auto& row : t.rows) {
    std::string k = key(row[0].AsString(), row[1].AsString(), row[2].AsString());
    json& table = tables[k];
    if (table.is_null()) {
      table = {{"metadata",
                {{"type", row[3].AsString() == "VIEW" ? "VIEW" : "BASE TABLE"},
                 {"schema", row[1].AsString()},
                 {"name", row[2].AsString()},
                 {"database", row[0].AsString()},
                 {"comment", nullptr},
                 {"owner", nullptr}}},
               {"columns", json::object()},
               {"stats", json::object()}};
    }
    table["columns"][row[4].AsString()] = {
        {"type", row[6].AsString()}, {"index", row[5].AsInt()}, {"name", row[4].AsString()}, {"comment", nullptr}};
  }
  json nodes = json::object(), sources = json::object();
  for (const auto& p : m.nodes) {
    if (!p.enabled || p.node.resource_type == ResourceType::kTest) continue;
    auto it = tables.find(key(p.relation.database, p.relation.schema, p.relation.identifier));
    if (it == tables.end()) continue;
    json entry = it->second;
    entry["unique_id"] = p.node.unique_id;
    nodes[p.node.unique_id] = entry;
  }
  for (const auto& s : m.sources) {
    auto it = tables.find(key(s.database.empty() ? m.target.database : s.database, s.schema, s.identifier));
    if (it == tables.end()) continue;
    json entry = it->second;
    entry["unique_id"] = s.unique_id;
    sources[s.unique_id] = entry;
  }
  json j = {{"metadata",
             {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/catalog/v1.json"},
              {"dbt_version", "1.9.0"},
              {"generated_at", m.generated_at},
              {"invocation_id", m.invocation_id},
              {"env", json::object()}}},
            {"nodes", nodes},
            {"sources", sources},
            {"errors", nullptr}};
  return WriteJson(j, file);
}

}  // namespace floe::models
