// LoadTarget: one target of a profiles.yml, as dbt-duckdb reads it.

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "core/strings.h"
#include "models/internal/load_util.h"
#include "models/project.h"

namespace floe::models {

namespace fs = std::filesystem;
using flow::YamlNode;
using internal::ReadString;

namespace {

std::string Names(const YamlNode& map, std::string_view skip = "") {
  std::string out;
  for (const auto& e : map.entries) {
    if (e.key == skip) continue;
    out += (out.empty() ? "" : ", ") + e.key;
  }
  return out.empty() ? "none" : out;
}

std::vector<std::string> KeysOf(const YamlNode& map) {
  std::vector<std::string> out;
  for (const auto& e : map.entries) out.push_back(e.key);
  return out;
}

// Where profiles.yml comes from, in ProfileOptions' order.
Result<std::pair<std::string, std::string>> ReadProfilesText(const ProfileOptions& options) {
  if (options.inline_profiles) return std::make_pair(*options.inline_profiles, std::string("profiles"));
  fs::path dir;
  std::error_code ec;
  if (options.profiles_dir) {
    dir = *options.profiles_dir;
  } else if (const char* env = std::getenv("DBT_PROFILES_DIR"); env != nullptr && *env != '\0') {
    dir = env;
  } else if (!options.project_dir.empty() && fs::exists(options.project_dir / "profiles.yml", ec)) {
    dir = options.project_dir;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = fs::path(home) / ".dbt";
  } else {
    return NotFound("no profiles.yml: HOME is not set and neither --profiles-dir nor DBT_PROFILES_DIR is given");
  }
  fs::path file = dir / "profiles.yml";
  auto text = internal::ReadWholeFile(file);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) {
      return NotFound("no profiles.yml in " + dir.string())
          .WithHint("create it, put one beside dbt_project.yml, or point --profiles-dir / DBT_PROFILES_DIR at it");
    }
    return std::move(text).status();
  }
  return std::make_pair(std::move(*text), file.string());
}

std::string ScalarText(const tmpl::Value& v) {
  if (v.is_string()) return v.AsString();
  if (v.is_bool()) return v.AsBool() ? "true" : "false";
  return tmpl::ToDisplayString(v, tmpl::Dialect::kJinja);
}

std::string FileStem(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  size_t dot = base.find('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

const YamlNode* Key(const YamlNode& map, std::string_view key) { return map.Find(key); }

std::string InWorkingDirectory(const ProfileOptions& options, const std::string& path) {
  fs::path p(path);
  if (p.is_relative()) {
    std::error_code ec;
    p = options.working_directory.empty() ? fs::absolute(p, ec) : options.working_directory / p;
  }
  return p.lexically_normal().string();
}

}  // namespace

Result<Target> LoadTarget(const ProfileOptions& options) {
  ASSIGN_OR_RETURN(auto source, ReadProfilesText(options));
  const std::string& file = source.second;
  ASSIGN_OR_RETURN(YamlNode doc, internal::ParseYamlFile(source.first, file));
  if (doc.is_null()) return InvalidArgument("profiles.yml is empty").WithLocation({file, 1, 1});
  RETURN_IF_ERROR(internal::ExpectMap(doc, file));
  if (options.profile.empty()) return InvalidArgument("no profile name: the project's `profile:` is empty");
  const YamlNode* profile = doc.Find(options.profile);
  if (profile == nullptr) {
    std::vector<std::string> names = KeysOf(doc);
    names.erase(std::remove(names.begin(), names.end(), "config"), names.end());
    return NotFound("profile '" + options.profile + "' not found in " + file +
                    "; profiles there: " + Names(doc, "config") + internal::SuggestionSuffix(options.profile, names))
        .WithLocation({file, 1, 1})
        .WithHint("the profile's name is dbt_project.yml's `profile:` (or its `name:`)");
  }
  RETURN_IF_ERROR(internal::ExpectMap(*profile, "profile '" + options.profile + "'"));
  const YamlNode* outputs = profile->Find("outputs");
  if (outputs == nullptr || !outputs->is_map()) {
    return InvalidArgument("profile '" + options.profile + "' has no `outputs:` map").WithLocation(profile->location);
  }
  std::string target_name = options.target;
  if (target_name.empty()) {
    if (const YamlNode* t = profile->Find("target"); t && !t->is_null()) {
      ASSIGN_OR_RETURN(tmpl::Value v, internal::RenderValue(*t, {}));
      target_name = ScalarText(v);
    } else {
      target_name = "default";
    }
  }
  const YamlNode* output = outputs->Find(target_name);
  if (output == nullptr) {
    return NotFound("target '" + target_name + "' not found in profile '" + options.profile +
                    "'; targets there: " + Names(*outputs) + internal::SuggestionSuffix(target_name, KeysOf(*outputs)))
        .WithLocation(outputs->location)
        .WithHint(options.target.empty() ? "set the profile's `target:` to one of them"
                                         : "pass --target with one of them");
  }
  RETURN_IF_ERROR(internal::ExpectMap(*output, "target '" + target_name + "'"));

  internal::RenderOptions render;
  render.context = tmpl::Value(tmpl::ValueMap());
  ASSIGN_OR_RETURN(tmpl::Value raw, internal::RenderValue(*output, render));

  Target target;
  target.profile_name = options.profile;
  target.name = target_name;
  const YamlNode* type = Key(*output, "type");
  if (type == nullptr) {
    return InvalidArgument("target '" + target_name + "' has no `type:`")
        .WithLocation(output->location)
        .WithHint("floe runs `type: duckdb` targets");
  }
  target.type = ScalarText(*raw.Get("type"));
  if (target.type != "duckdb") {
    return InvalidArgument("target '" + target_name + "' is of type '" + target.type +
                           "': floe builds models on DuckDB only")
        .WithLocation(type->location)
        .WithHint("add a `type: duckdb` output to the profile and select it with --target");
  }
  auto at = [&](std::string_view key) { return Key(*output, key)->location; };
  std::string path = ":memory:";
  if (const tmpl::Value* p = raw.Get("path"); p && !p->is_null()) path = ScalarText(*p);
  if (path == ":memory:" || path.rfind("md:", 0) == 0 || path.rfind("motherduck:", 0) == 0) {
    SourceLocation where = Key(*output, "path") ? at("path") : output->location;
    return InvalidArgument("target '" + target_name + "': path '" + path + "' is not supported")
        .WithLocation(where)
        .WithHint(path == ":memory:"
                      ? "give `path:` a DuckDB file, e.g. `path: warehouse.duckdb` (in a flow, an absolute one such as "
                        "`{{ globals.lake }}/warehouse.duckdb`): models must outlive the run"
                      : "MotherDuck is not reachable from floe; use a local DuckDB file");
  }
  target.path = InWorkingDirectory(options, path);
  target.database = FileStem(path);
  if (const tmpl::Value* d = raw.Get("database"); d && !d->is_null()) target.database = ScalarText(*d);
  if (const tmpl::Value* s = raw.Get("schema"); s && !s->is_null()) target.schema = ScalarText(*s);
  if (const tmpl::Value* t = raw.Get("threads"); t && !t->is_null()) {
    tmpl::Value v = *t;
    if (v.is_string()) {
      auto n = ParseIndex(v.AsString());
      if (n) v = tmpl::Value(static_cast<int64_t>(*n));
    }
    if (!v.is_int() || v.AsInt() < 1) {
      return InvalidArgument("`threads:` must be a whole number of at least 1, found '" + ScalarText(*t) + "'")
          .WithLocation(at("threads"));
    }
    target.threads = static_cast<int>(v.AsInt());
  }
  if (const tmpl::Value* e = raw.Get("extensions"); e && !e->is_null()) {
    if (!e->is_list()) return internal::WrongShape(*Key(*output, "extensions"), "`extensions:`", "a list");
    for (const auto& x : e->AsList()) {
      if (x.is_string()) {
        target.extensions.push_back(x.AsString());
      } else if (const tmpl::Value* name = x.Get("name"); name && name->is_string()) {  // {name:, repo:}
        target.extensions.push_back(name->AsString());
      } else {
        return internal::WrongShape(*Key(*output, "extensions"), "`extensions:`",
                                    "a list of extension names (or {name: ...})");
      }
    }
  }
  if (const tmpl::Value* s = raw.Get("settings"); s && !s->is_null()) {
    if (!s->is_map()) return internal::WrongShape(*Key(*output, "settings"), "`settings:`", "a map");
    for (const auto& [k, v] : s->AsMap()) target.settings.emplace_back(k, ScalarText(v));
  }
  if (const tmpl::Value* a = raw.Get("attach"); a && !a->is_null()) {
    const YamlNode& node = *Key(*output, "attach");
    if (!a->is_list()) return internal::WrongShape(node, "`attach:`", "a list");
    for (size_t i = 0; i < a->AsList().size(); ++i) {
      const tmpl::Value& x = a->AsList()[i];
      const YamlNode& item = node.items[i];
      if (!x.is_map()) return internal::WrongShape(item, "an `attach:` entry", "a map with `path:`");
      Attachment att;
      const tmpl::Value* p = x.Get("path");
      if (p == nullptr || p->is_null()) {
        return InvalidArgument("an `attach:` entry needs `path:`").WithLocation(item.location);
      }
      att.path = ScalarText(*p);
      if (att.path.find("://") == std::string::npos && att.path.rfind("md:", 0) != 0 && att.path != ":memory:") {
        att.path = InWorkingDirectory(options, att.path);
      }
      if (const tmpl::Value* v = x.Get("alias"); v && !v->is_null()) att.alias = ScalarText(*v);
      if (att.alias.empty()) att.alias = FileStem(ScalarText(*p));
      if (const tmpl::Value* v = x.Get("type"); v && !v->is_null()) att.type = ScalarText(*v);
      if (const tmpl::Value* v = x.Get("read_only"); v && !v->is_null()) {
        if (!v->is_bool()) {
          return InvalidArgument("`read_only:` must be true or false").WithLocation(item.location);
        }
        att.read_only = v->AsBool();
      }
      target.attach.push_back(std::move(att));
    }
  }
  // target.* sees the resolved values, as dbt's does.
  tmpl::ValueMap map = raw.AsMap();
  map.Set("name", tmpl::Value(target.name));
  map.Set("profile_name", tmpl::Value(target.profile_name));
  map.Set("path", tmpl::Value(target.path));
  map.Set("database", tmpl::Value(target.database));
  map.Set("schema", tmpl::Value(target.schema));
  map.Set("threads", tmpl::Value(static_cast<int64_t>(target.threads)));
  map.Set("type", tmpl::Value(target.type));
  target.raw = tmpl::Value(std::move(map));
  return target;
}

}  // namespace floe::models
