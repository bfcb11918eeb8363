// Property files (`version: 2` YAML beside models, seeds, snapshots, ...):
// descriptions, columns, data tests, configs, versions and sources.

#include <algorithm>

#include "core/strings.h"
#include "models/config_keys.h"
#include "models/internal/load_util.h"
#include "models/internal/loader.h"

namespace floe::models::internal {
namespace {

namespace fs = std::filesystem;

// Keys dbt moves from a test's arguments into its config.
bool IsTestConfigShortcut(std::string_view key) {
  static const std::vector<std::string_view> kKeys = {
      "severity",  "tags",           "enabled",           "where", "limit",    "warn_if", "error_if",
      "fail_calc", "store_failures", "store_failures_as", "meta",  "database", "schema",  "alias"};
  return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

const std::vector<std::string>& TopLevelKeys() {
  static const std::vector<std::string> kKeys = {
      "version",   "models",  "seeds",           "snapshots",     "analyses", "sources",    "macros",
      "exposures", "metrics", "semantic_models", "saved_queries", "groups",   "unit_tests", "data_tests"};
  return kKeys;
}

const std::vector<std::string>& ColumnKeys() {
  static const std::vector<std::string> kKeys = {
      "name",       "description", "data_type",   "meta",        "tags",   "quote",   "tests",
      "data_tests", "constraints", "policy_tags", "granularity", "config", "include", "exclude"};
  return kKeys;
}

const std::vector<std::string>& ResourceKeys() {
  static const std::vector<std::string> kKeys = {
      "name",       "description", "config",         "columns",     "tests",  "data_tests", "meta",
      "docs",       "versions",    "latest_version", "constraints", "access", "group",      "deprecation_date",
      "time_spine", "arguments",   "tags",           "relation"};
  return kKeys;
}

const std::vector<std::string>& SourceKeys() {
  static const std::vector<std::string> kKeys = {
      "name", "description", "database", "schema", "loader",    "loaded_at_field", "freshness", "config",
      "meta", "tags",        "quoting",  "tables", "overrides", "loaded_at_query", "event_time"};
  return kKeys;
}

const std::vector<std::string>& TableKeys() {
  static const std::vector<std::string> kKeys = {
      "name",   "identifier", "description", "columns", "tests",    "data_tests",      "freshness", "loaded_at_field",
      "config", "meta",       "tags",        "quoting", "external", "loaded_at_query", "event_time"};
  return kKeys;
}

class PropertyFile {
 public:
  PropertyFile(const PackageLoad& pkg, LoadState& state, std::string original)
      : pkg_(pkg), state_(state), original_(std::move(original)) {
    display_ = pkg_.display_prefix + original_;
    patch_path_ = pkg_.file->name + "://" + original_;
  }

  Status Load() {
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(pkg_.file->root / original_));
    ASSIGN_OR_RETURN(YamlNode doc, ParseYamlFile(text, display_));
    if (doc.is_null()) return Status::Ok();
    RETURN_IF_ERROR(ExpectMap(doc, display_));
    WarnUnknownKeys(doc, TopLevelKeys(), "a property file", &warnings());
    if (const YamlNode* v = doc.Find("version")) {
      tmpl::Value value = v->ToValue();
      if (!value.is_int() || value.AsInt() != 2) {
        return InvalidArgument("property files must say `version: 2`, found '" + v->scalar + "'")
            .WithLocation(v->location);
      }
    }
    for (const auto& e : doc.entries) {
      if (e.key == "models") {
        RETURN_IF_ERROR(EachEntry(e.value, "models", [&](const YamlNode& m) { return PatchModel(m); }));
      } else if (e.key == "seeds") {
        RETURN_IF_ERROR(EachEntry(e.value, "seeds",
                                  [&](const YamlNode& m) { return PatchNamed(m, state_.seeds, "seed", nullptr); }));
      } else if (e.key == "analyses") {
        RETURN_IF_ERROR(EachEntry(e.value, "analyses", [&](const YamlNode& m) {
          return PatchNamed(m, state_.analyses, "analysis", nullptr);
        }));
      } else if (e.key == "snapshots" || e.key == "macros") {
        bool snapshots = e.key == "snapshots";
        RETURN_IF_ERROR(EachEntry(e.value, e.key, [&](const YamlNode& m) { return AddProperties(m, snapshots); }));
      } else if (e.key == "sources") {
        RETURN_IF_ERROR(EachEntry(e.value, "sources", [&](const YamlNode& m) { return AddSource(m); }));
      } else if (e.key == "unit_tests" || e.key == "exposures" || e.key == "metrics" || e.key == "semantic_models" ||
                 e.key == "saved_queries") {
        // Valid dbt that floe does not run yet: said, never silently dropped
        // (a unit test that never runs would pass CI unseen).
        if (!e.value.is_null() && !(e.value.is_sequence() && e.value.items.empty()))
          warnings().push_back({e.value.location, "`" + e.key + ":` is not supported by floe yet: its " +
                                                      std::to_string(e.value.items.size()) + " entr" +
                                                      (e.value.items.size() == 1 ? "y is" : "ies are") +
                                                      " not run or recorded"});
      }
    }
    return Status::Ok();
  }

 private:
  std::vector<Warning>& warnings() { return state_.project->warnings; }

  template <typename Fn>
  Status EachEntry(const YamlNode& list, std::string_view key, Fn fn) {
    if (list.is_null()) return Status::Ok();
    RETURN_IF_ERROR(ExpectList(list, "`" + std::string(key) + ":`"));
    for (const auto& item : list.items) {
      RETURN_IF_ERROR(ExpectMap(item, "an entry of `" + std::string(key) + ":`"));
      RETURN_IF_ERROR(fn(item));
    }
    return Status::Ok();
  }

  Result<std::string> RequiredName(const YamlNode& entry, std::string_view what) {
    const YamlNode* name = entry.Find("name");
    if (name == nullptr) {
      return InvalidArgument("an entry of `" + std::string(what) + ":` has no `name:`").WithLocation(entry.location);
    }
    return ReadString(*name, "`name:`");
  }

  Result<std::string> OptionalString(const YamlNode& entry, std::string_view key) {
    const YamlNode* n = entry.Find(key);
    if (n == nullptr || n->is_null()) return std::string();
    return ReadString(*n, "`" + std::string(key) + ":`");
  }

  Result<tmpl::Value> OptionalMap(const YamlNode& entry, std::string_view key) {
    const YamlNode* n = entry.Find(key);
    if (n == nullptr || n->is_null()) return tmpl::Value();
    RETURN_IF_ERROR(ExpectMap(*n, "`" + std::string(key) + ":`"));
    return n->ToValue();
  }

  // `config:` of an entry: rendered (hooks as written), keys normalised,
  // unknown keys warned about.
  Result<tmpl::Value> Config(const YamlNode& entry) {
    const YamlNode* n = entry.Find("config");
    if (n == nullptr || n->is_null()) return tmpl::Value(tmpl::ValueMap());
    RETURN_IF_ERROR(ExpectMap(*n, "`config:`"));
    for (const auto& e : n->entries) {
      if (IsKnownConfigKey(e.key)) continue;
      std::string message = "unknown config '" + e.key + "'";
      if (auto s = SuggestConfigKey(e.key)) message += "; did you mean '" + *s + "'?";
      warnings().push_back({e.key_location, std::move(message)});
    }
    ASSIGN_OR_RETURN(tmpl::Value raw, RenderValue(*n, state_.render));
    tmpl::ValueMap out;
    MergeConfig(out, raw);
    return tmpl::Value(std::move(out));
  }

  Result<TestSpec> ParseTest(const YamlNode& item, const std::string& column) {
    TestSpec test;
    test.column = column;
    test.where = item.location;
    tmpl::ValueMap args, config;
    if (item.is_scalar()) {
      test.test_name = item.scalar;
    } else if (item.is_map()) {
      const YamlNode* body = nullptr;
      if (const YamlNode* tn = item.Find("test_name")) {
        // The long form: {test_name: unique, name: ..., config: ..., <args>}.
        ASSIGN_OR_RETURN(test.test_name, ReadString(*tn, "`test_name:`"));
        body = &item;
      } else if (item.entries.size() == 1) {
        test.test_name = item.entries[0].key;
        body = &item.entries[0].value;
      } else {
        return InvalidArgument(
                   "a test must be a name (`- unique`) or a map with one key, the test's name; found keys " +
                   [&] {
                     std::string keys;
                     for (const auto& e : item.entries) keys += (keys.empty() ? "" : ", ") + e.key;
                     return keys;
                   }())
            .WithLocation(item.location);
      }
      if (!body->is_null() && !body->is_map()) {
        return WrongShape(*body, "the arguments of test '" + test.test_name + "'", "a map of arguments");
      }
      for (const auto& e : body->entries) {
        if (e.key == "test_name") continue;
        if (e.key == "name") {
          ASSIGN_OR_RETURN(test.custom_name, ReadString(e.value, "a test's `name:`"));
        } else if (e.key == "config") {
          RETURN_IF_ERROR(ExpectMap(e.value, "a test's `config:`"));
          for (const auto& c : e.value.entries) {
            if (!IsKnownConfigKey(c.key)) {
              std::string message = "unknown test config '" + c.key + "'";
              if (auto s = SuggestConfigKey(c.key)) message += "; did you mean '" + *s + "'?";
              warnings().push_back({c.key_location, std::move(message)});
            }
            MergeConfigValue(config, NormalizeConfigKey(c.key), c.value.ToValue());
          }
        } else if (e.key == "arguments") {  // dbt 1.10
          RETURN_IF_ERROR(ExpectMap(e.value, "a test's `arguments:`"));
          for (const auto& a : e.value.entries) args.Set(a.key, a.value.ToValue());
        } else if (IsTestConfigShortcut(e.key)) {
          MergeConfigValue(config, e.key, e.value.ToValue());
        } else {
          args.Set(e.key, e.value.ToValue());
        }
      }
    } else {
      return WrongShape(item, "a test", "a test name or a map");
    }
    test.arguments = tmpl::Value(std::move(args));
    test.config = tmpl::Value(std::move(config));
    return test;
  }

  // `tests:` and `data_tests:` of an entry, in that order.
  Status ParseTests(const YamlNode& entry, const std::string& column, std::vector<TestSpec>* out) {
    for (const char* key : {"data_tests", "tests"}) {
      const YamlNode* list = entry.Find(key);
      if (list == nullptr || list->is_null()) continue;
      RETURN_IF_ERROR(ExpectList(*list, "`" + std::string(key) + ":`"));
      for (const auto& item : list->items) {
        ASSIGN_OR_RETURN(TestSpec t, ParseTest(item, column));
        out->push_back(std::move(t));
      }
    }
    return Status::Ok();
  }

  Status ParseColumns(const YamlNode& entry, std::vector<ColumnSpec>* out) {
    const YamlNode* list = entry.Find("columns");
    if (list == nullptr || list->is_null()) return Status::Ok();
    RETURN_IF_ERROR(ExpectList(*list, "`columns:`"));
    for (const auto& item : list->items) {
      RETURN_IF_ERROR(ExpectMap(item, "a column"));
      if (item.Find("name") == nullptr && (item.Find("include") || item.Find("exclude"))) continue;  // versions
      WarnUnknownKeys(item, ColumnKeys(), "a column", &warnings());
      ColumnSpec c;
      ASSIGN_OR_RETURN(c.name, RequiredName(item, "columns"));
      ASSIGN_OR_RETURN(c.description, OptionalString(item, "description"));
      ASSIGN_OR_RETURN(c.data_type, OptionalString(item, "data_type"));
      ASSIGN_OR_RETURN(c.meta, OptionalMap(item, "meta"));
      if (const YamlNode* t = item.Find("tags")) {
        ASSIGN_OR_RETURN(c.tags, ReadStringList(*t, "a column's `tags:`"));
      }
      if (const YamlNode* q = item.Find("quote"); q && !q->is_null()) {
        ASSIGN_OR_RETURN(c.quote, ReadBool(*q, "`quote:`"));
      }
      if (const YamlNode* cfg = item.Find("config"); cfg && cfg->is_map()) {  // dbt 1.9: meta and tags under config
        tmpl::Value v = cfg->ToValue();
        if (const tmpl::Value* m = v.Get("meta"); m && m->is_map()) {
          tmpl::ValueMap merged = c.meta.is_map() ? c.meta.AsMap() : tmpl::ValueMap();
          for (const auto& [k, x] : m->AsMap()) merged.Set(k, x);
          c.meta = tmpl::Value(std::move(merged));
        }
        if (const tmpl::Value* t = v.Get("tags")) {
          for (const auto& x : t->is_list() ? t->AsList() : tmpl::ValueList{*t})
            if (x.is_string()) c.tags.push_back(x.AsString());
        }
      }
      RETURN_IF_ERROR(ParseTests(item, c.name, &c.tests));
      out->push_back(std::move(c));
    }
    return Status::Ok();
  }

  // Applies an entry's description, config, columns, tests, meta and docs.
  Status Patch(Node& node, const YamlNode& entry) {
    if (!node.patch_path.empty()) {
      return InvalidArgument("dbt found two property entries for " + std::string(ResourceTypeName(node.resource_type)) +
                             " '" + node.name + "': " + node.properties_at.ToString() + " and here")
          .WithLocation(entry.location)
          .WithHint("describe each resource in one property file");
    }
    node.patch_path = patch_path_;
    node.properties_at = entry.location;
    return PatchBody(node, entry);
  }

  Status PatchBody(Node& node, const YamlNode& entry) {
    if (const YamlNode* d = entry.Find("description"); d && !d->is_null()) {
      ASSIGN_OR_RETURN(node.description, ReadString(*d, "`description:`"));
    }
    ASSIGN_OR_RETURN(tmpl::Value config, Config(entry));
    tmpl::ValueMap merged = node.config.is_map() ? node.config.AsMap() : tmpl::ValueMap();
    MergeConfig(merged, config);
    ASSIGN_OR_RETURN(tmpl::Value meta, OptionalMap(entry, "meta"));
    if (meta.is_map()) MergeConfigValue(merged, "meta", meta);
    ASSIGN_OR_RETURN(tmpl::Value docs, OptionalMap(entry, "docs"));
    if (docs.is_map()) MergeConfigValue(merged, "docs", docs);
    for (const char* key : {"access", "group"}) {
      if (const YamlNode* n = entry.Find(key); n && n->is_scalar()) merged.Set(key, tmpl::Value(n->scalar));
    }
    if (const tmpl::Value* m = merged.Find("meta")) node.meta = *m;
    node.config = tmpl::Value(std::move(merged));
    std::vector<ColumnSpec> columns;
    RETURN_IF_ERROR(ParseColumns(entry, &columns));
    for (auto& c : columns) {
      auto same = std::find_if(node.columns.begin(), node.columns.end(), [&](auto& x) { return x.name == c.name; });
      if (same != node.columns.end()) {
        *same = std::move(c);
      } else {
        node.columns.push_back(std::move(c));
      }
    }
    return ParseTests(entry, "", &node.tests);
  }

  void WarnMissing(const YamlNode& entry, const std::string& name, std::string_view type,
                   const std::unordered_map<std::string, std::vector<size_t>>& index) {
    std::vector<std::string> names;
    const std::string prefix = pkg_.file->name + '\x1f';
    for (const auto& [key, nodes] : index) {
      if (key.rfind(prefix, 0) == 0) names.push_back(key.substr(prefix.size()));
    }
    std::sort(names.begin(), names.end());
    const YamlNode* at = entry.Find("name");
    warnings().push_back({at ? at->location : entry.location,
                          "did not find matching node for patch with name '" + name + "' in the '" + std::string(type) +
                              "' section of file '" + original_ + "'" + SuggestionSuffix(name, names)});
  }

  Status PatchNamed(const YamlNode& entry, std::unordered_map<std::string, std::vector<size_t>>& index,
                    std::string_view type, ConfigTree ProjectTrees::*) {
    WarnUnknownKeys(entry, ResourceKeys(), std::string(type) + " properties", &warnings());
    ASSIGN_OR_RETURN(std::string name, RequiredName(entry, type));
    auto it = index.find(NameKey(pkg_.file->name, name));
    if (it == index.end()) {
      WarnMissing(entry, name, type, index);
      return Status::Ok();
    }
    for (size_t i : it->second) RETURN_IF_ERROR(Patch(state_.project->nodes[i], entry));
    return Status::Ok();
  }

  Status PatchModel(const YamlNode& entry) {
    const YamlNode* versions = entry.Find("versions");
    if (versions == nullptr || versions->is_null()) return PatchNamed(entry, state_.models, "model", nullptr);
    WarnUnknownKeys(entry, ResourceKeys(), "model properties", &warnings());
    ASSIGN_OR_RETURN(std::string name, RequiredName(entry, "models"));
    RETURN_IF_ERROR(ExpectList(*versions, "`versions:`"));
    std::vector<std::string> vs;
    for (const auto& item : versions->items) {
      RETURN_IF_ERROR(ExpectMap(item, "a model version"));
      const YamlNode* v = item.Find("v");
      if (v == nullptr || !v->is_scalar()) {
        return InvalidArgument("a model version needs `v:` (its number or name)").WithLocation(item.location);
      }
      vs.push_back(v->scalar);
    }
    std::string latest;
    if (const YamlNode* l = entry.Find("latest_version"); l && !l->is_null()) {
      ASSIGN_OR_RETURN(latest, ReadString(*l, "`latest_version:`"));
      if (std::find(vs.begin(), vs.end(), latest) == vs.end()) {
        return InvalidArgument("latest_version '" + latest + "' is not one of the versions of '" + name + "'")
            .WithLocation(l->location);
      }
    } else {
      // dbt: the greatest version, numerically when they are numbers.
      latest = *std::max_element(vs.begin(), vs.end(), [](const std::string& a, const std::string& b) {
        char* ea = nullptr;
        char* eb = nullptr;
        double da = std::strtod(a.c_str(), &ea), db = std::strtod(b.c_str(), &eb);
        if (*ea == '\0' && *eb == '\0') return da < db;
        return a < b;
      });
    }
    for (size_t i = 0; i < versions->items.size(); ++i) {
      const YamlNode& item = versions->items[i];
      const std::string& v = vs[i];
      std::vector<std::string> files;
      if (const YamlNode* d = item.Find("defined_in"); d && !d->is_null()) {
        ASSIGN_OR_RETURN(std::string stem, ReadString(*d, "`defined_in:`"));
        files.push_back(stem);
      } else {
        files.push_back(name + "_v" + v);
        if (v == latest) files.push_back(name);
      }
      const std::vector<size_t>* found = nullptr;
      std::string found_key;
      for (const auto& f : files) {
        auto it = state_.models.find(NameKey(pkg_.file->name, f));
        if (it != state_.models.end() && !it->second.empty()) {
          found = &it->second;
          found_key = it->first;
          break;
        }
      }
      if (found == nullptr) {
        return InvalidArgument("version " + v + " of model '" + name + "' has no file: expected " + files[0] + ".sql")
            .WithLocation(item.location)
            .WithHint("name the file " + name + "_v" + v + ".sql, or give the version `defined_in: <file name>`");
      }
      size_t index = found->front();
      Node& node = state_.project->nodes[index];
      if (node.version) {
        return InvalidArgument("file " + node.original_file_path + " defines two versions of '" + name + "'")
            .WithLocation(item.location);
      }
      RETURN_IF_ERROR(Patch(node, entry));
      // The version's own description, config, columns and tests go on top.
      RETURN_IF_ERROR(PatchBody(node, item));
      node.name = name;
      node.version = v;
      node.latest_version = latest;
      node.unique_id = "model." + pkg_.file->name + "." + name + ".v" + v;
      node.fqn.back() = name;
      node.fqn.push_back("v" + v);
      state_.models.erase(found_key);
      state_.models[NameKey(pkg_.file->name, name)].push_back(index);
    }
    return Status::Ok();
  }

  Status AddProperties(const YamlNode& entry, bool snapshot) {
    WarnUnknownKeys(entry, ResourceKeys(), snapshot ? "snapshot properties" : "macro properties", &warnings());
    ResourceProperties p;
    p.package = pkg_.file->name;
    ASSIGN_OR_RETURN(p.name, RequiredName(entry, snapshot ? "snapshots" : "macros"));
    ASSIGN_OR_RETURN(p.description, OptionalString(entry, "description"));
    ASSIGN_OR_RETURN(p.config, Config(entry));
    ASSIGN_OR_RETURN(p.meta, OptionalMap(entry, "meta"));
    ASSIGN_OR_RETURN(p.docs, OptionalMap(entry, "docs"));
    if (const YamlNode* a = entry.Find("arguments"); a && !a->is_null()) {
      RETURN_IF_ERROR(ExpectList(*a, "`arguments:`"));
      p.arguments = a->ToValue();
    }
    RETURN_IF_ERROR(ParseColumns(entry, &p.columns));
    RETURN_IF_ERROR(ParseTests(entry, "", &p.tests));
    p.patch_path = patch_path_;
    p.where = entry.location;
    if (const YamlNode* r = snapshot ? entry.Find("relation") : nullptr; r && !r->is_null()) {
      RETURN_IF_ERROR(AddYamlSnapshot(p, *r));
    } else if (snapshot && !state_.snapshot_names.count(NameKey(p.package, p.name))) {
      const YamlNode* at = entry.Find("name");
      warnings().push_back({at->location, "did not find matching node for patch with name '" + p.name +
                                              "' in the 'snapshots' section of file '" + original_ + "'"});
    }
    (snapshot ? state_.project->snapshot_properties : state_.project->macro_properties).push_back(std::move(p));
    return Status::Ok();
  }

  // A snapshot defined in YAML (dbt >= 1.9): `relation: ref('x')` or
  // `source('s', 't')` snapshots `select * from` that relation, with the
  // entry's config over the project tree's.
  Status AddYamlSnapshot(const ResourceProperties& p, const YamlNode& relation) {
    ASSIGN_OR_RETURN(std::string expression, ReadString(relation, "`relation:`"));
    if (state_.snapshot_names.count(NameKey(p.package, p.name)))
      return InvalidArgument("snapshot '" + p.name + "' is defined twice").WithLocation(relation.location);
    SnapshotFile file;
    file.package = p.package;
    file.original_file_path = original_;
    std::vector<std::string> folders = FileFolders();
    for (const auto& f : folders) file.path += f + "/";
    file.path += fs::path(original_).filename().string();
    file.package_root = pkg_.file->root;
    file.text = "{% snapshot " + p.name + " %}\nselect * from {{ " + expression + " }}\n{% endsnapshot %}";
    std::vector<std::string> fqn{p.package};
    fqn.insert(fqn.end(), folders.begin(), folders.end());
    fqn.push_back(p.name);
    tmpl::Value tree = state_.TreeConfig(pkg_, &ProjectTrees::snapshots, fqn);
    tmpl::ValueMap merged = tree.is_map() ? tree.AsMap() : tmpl::ValueMap();
    MergeConfig(merged, p.config);
    file.config = tmpl::Value(std::move(merged));
    state_.snapshot_names.emplace(NameKey(p.package, p.name), state_.project->snapshots.size());
    state_.project->snapshots.push_back(std::move(file));
    return Status::Ok();
  }

  // The folders of this file below its resource folder: "staging" for models/staging/src.yml.
  std::vector<std::string> FileFolders() const {
    const Project& s = pkg_.file->settings;
    std::string rel = original_;
    for (const auto* paths :
         {&s.model_paths, &s.seed_paths, &s.snapshot_paths, &s.analysis_paths, &s.test_paths, &s.macro_paths}) {
      for (const auto& p : *paths) {
        std::string prefix = fs::path(p).lexically_normal().generic_string();
        if (!prefix.empty() && prefix.back() != '/') prefix += '/';
        if (rel.rfind(prefix, 0) == 0) {
          rel = rel.substr(prefix.size());
          goto done;
        }
      }
    }
  done:
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', start)) {
      out.push_back(rel.substr(start, slash - start));
      start = slash + 1;
    }
    return out;
  }

  Status AddSource(const YamlNode& entry) {
    WarnUnknownKeys(entry, SourceKeys(), "a source", &warnings());
    ASSIGN_OR_RETURN(std::string source_name, RequiredName(entry, "sources"));
    ASSIGN_OR_RETURN(std::string description, OptionalString(entry, "description"));
    ASSIGN_OR_RETURN(std::string database, OptionalString(entry, "database"));
    ASSIGN_OR_RETURN(std::string schema, OptionalString(entry, "schema"));
    if (schema.empty()) schema = source_name;
    ASSIGN_OR_RETURN(std::string loaded_at_field, OptionalString(entry, "loaded_at_field"));
    tmpl::Value freshness;
    if (const YamlNode* f = entry.Find("freshness"); f && !f->is_null()) {
      RETURN_IF_ERROR(ExpectMap(*f, "`freshness:`"));
      freshness = f->ToValue();
    }
    ASSIGN_OR_RETURN(tmpl::Value source_config, Config(entry));
    ASSIGN_OR_RETURN(tmpl::Value source_meta, OptionalMap(entry, "meta"));
    std::vector<std::string> source_tags;
    if (const YamlNode* t = entry.Find("tags")) {
      ASSIGN_OR_RETURN(source_tags, ReadStringList(*t, "`tags:`"));
    }
    if (entry.Find("overrides")) {
      warnings().push_back({entry.Find("overrides")->location, "source `overrides:` is not supported yet; ignored"});
    }
    // Values with templates (a schema from env_var) render as in dbt.
    auto render = [&](std::string& s, const YamlNode* n) -> Status {
      if (n == nullptr || !n->tmpl) return Status::Ok();
      ASSIGN_OR_RETURN(tmpl::Value v, RenderValue(*n, state_.render));
      s = v.is_string() ? v.AsString() : tmpl::ToDisplayString(v, tmpl::Dialect::kJinja);
      return Status::Ok();
    };
    RETURN_IF_ERROR(render(database, entry.Find("database")));
    RETURN_IF_ERROR(render(schema, entry.Find("schema")));

    const YamlNode* tables = entry.Find("tables");
    if (tables == nullptr || tables->is_null()) return Status::Ok();
    RETURN_IF_ERROR(ExpectList(*tables, "`tables:`"));
    std::vector<std::string> folders = FileFolders();
    for (const auto& t : tables->items) {
      RETURN_IF_ERROR(ExpectMap(t, "a source table"));
      WarnUnknownKeys(t, TableKeys(), "a source table", &warnings());
      SourceTable table;
      table.package = pkg_.file->name;
      table.source_name = source_name;
      ASSIGN_OR_RETURN(table.name, RequiredName(t, "tables"));
      table.unique_id = "source." + table.package + "." + source_name + "." + table.name;
      ASSIGN_OR_RETURN(table.identifier, OptionalString(t, "identifier"));
      RETURN_IF_ERROR(render(table.identifier, t.Find("identifier")));
      if (table.identifier.empty()) table.identifier = table.name;
      table.schema = schema;
      table.database = database;
      ASSIGN_OR_RETURN(table.description, OptionalString(t, "description"));
      table.source_description = description;
      ASSIGN_OR_RETURN(table.loaded_at_field, OptionalString(t, "loaded_at_field"));
      if (table.loaded_at_field.empty()) table.loaded_at_field = loaded_at_field;
      if (const YamlNode* f = t.Find("freshness")) {
        // A table's freshness replaces its source's; `freshness: null` turns it off.
        if (!f->is_null()) RETURN_IF_ERROR(ExpectMap(*f, "`freshness:`"));
        table.freshness = f->ToValue();
      } else {
        table.freshness = freshness;
      }
      table.fqn.push_back(table.package);
      table.fqn.insert(table.fqn.end(), folders.begin(), folders.end());
      table.fqn.push_back(source_name);
      table.fqn.push_back(table.name);
      tmpl::Value config = state_.TreeConfig(pkg_, &ProjectTrees::sources, table.fqn);
      tmpl::ValueMap merged = config.AsMap();
      MergeConfig(merged, source_config);
      ASSIGN_OR_RETURN(tmpl::Value table_config, Config(t));
      MergeConfig(merged, table_config);
      if (!source_tags.empty()) {
        tmpl::ValueList tags(source_tags.begin(), source_tags.end());
        MergeConfigValue(merged, "tags", tmpl::Value(std::move(tags)));
      }
      if (const YamlNode* tt = t.Find("tags")) {
        ASSIGN_OR_RETURN(std::vector<std::string> tags, ReadStringList(*tt, "`tags:`"));
        MergeConfigValue(merged, "tags", tmpl::Value(tmpl::ValueList(tags.begin(), tags.end())));
      }
      if (source_meta.is_map()) MergeConfigValue(merged, "meta", source_meta);
      ASSIGN_OR_RETURN(table.meta, OptionalMap(t, "meta"));
      if (table.meta.is_map()) MergeConfigValue(merged, "meta", table.meta);
      table.config = tmpl::Value(std::move(merged));
      RETURN_IF_ERROR(ParseColumns(t, &table.columns));
      RETURN_IF_ERROR(ParseTests(t, "", &table.tests));
      table.original_file_path = original_;
      table.where = t.location;
      auto [seen, inserted] = state_.source_ids.emplace(table.unique_id, t.location);
      if (!inserted) {
        return InvalidArgument("dbt found two sources with the name \"" + source_name + "." + table.name +
                               "\": " + seen->second.ToString() + " and here")
            .WithLocation(t.location);
      }
      state_.project->sources.push_back(std::move(table));
    }
    return Status::Ok();
  }

  const PackageLoad& pkg_;
  LoadState& state_;
  std::string original_;
  std::string display_;
  std::string patch_path_;
};

}  // namespace

Status LoadPropertyFile(const std::filesystem::path& file, const PackageLoad& pkg, LoadState& state) {
  PropertyFile properties(pkg, state, RelativePath(file, pkg.file->root));
  return properties.Load();
}

}  // namespace floe::models::internal
