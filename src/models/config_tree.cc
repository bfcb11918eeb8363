#include "models/config_tree.h"

#include "core/strings.h"
#include "models/config_keys.h"

namespace floe::models {

struct ConfigTree::Level {
  std::string name;
  SourceLocation where;
  std::vector<std::pair<std::string, tmpl::Value>> configs;  // normalised keys, in file order
  std::vector<Level> children;
  bool used = false;
  std::set<std::string> unmatched;  // fqn parts seen here that have no child: for suggestions

  bool HasConfigs() const {
    if (!configs.empty()) return true;
    for (const auto& c : children)
      if (c.HasConfigs()) return true;
    return false;
  }
};

ConfigTree::ConfigTree() : root_(std::make_unique<Level>()) {}
ConfigTree::ConfigTree(ConfigTree&&) noexcept = default;
ConfigTree& ConfigTree::operator=(ConfigTree&&) noexcept = default;
ConfigTree::~ConfigTree() = default;

namespace {

bool IsHook(std::string_view key) { return key == "pre_hook" || key == "post_hook"; }

void WarnUnknownConfig(const flow::YamlNode::Entry& e, std::string_view config_key, bool plus,
                       const std::string& section, std::vector<Warning>* warnings) {
  if (IsKnownConfigKey(config_key)) return;
  std::string message = "unknown config '" + e.key + "' in dbt_project.yml `" + section + ":`";
  if (auto s = SuggestConfigKey(config_key)) message += "; did you mean '" + std::string(plus ? "+" : "") + *s + "'?";
  warnings->push_back({e.key_location, std::move(message)});
}

}  // namespace

Result<ConfigTree> ConfigTree::Parse(const flow::YamlNode* node, std::string section,
                                     const internal::RenderOptions& render, std::vector<Warning>* warnings) {
  ConfigTree tree;
  tree.section_ = std::move(section);
  if (node == nullptr || node->is_null()) return tree;
  RETURN_IF_ERROR(internal::ExpectMap(*node, "dbt_project.yml `" + tree.section_ + ":`"));

  // Explicit stack instead of recursion: levels are built in place.
  struct Pending {
    const flow::YamlNode* yaml;
    Level* level;
  };
  std::vector<Pending> stack{{node, tree.root_.get()}};
  tree.root_->where = node->location;
  while (!stack.empty()) {
    Pending p = stack.back();
    stack.pop_back();
    // Children are created first so pointers into `children` stay valid.
    std::vector<const flow::YamlNode::Entry*> folders;
    for (const auto& e : p.yaml->entries) {
      bool plus = !e.key.empty() && e.key[0] == '+';
      std::string key = NormalizeConfigKey(plus ? std::string_view(e.key).substr(1) : std::string_view(e.key));
      bool is_config =
          plus || e.value.is_scalar() || e.value.is_sequence() || (e.value.is_map() && IsMapValuedConfigKey(key));
      if (!is_config) {
        folders.push_back(&e);
        continue;
      }
      WarnUnknownConfig(e, key, plus, tree.section_, warnings);
      tmpl::Value value;
      if (IsHook(key)) {
        value = e.value.ToValue();
      } else {
        ASSIGN_OR_RETURN(value, internal::RenderValue(e.value, render));
      }
      p.level->configs.emplace_back(std::move(key), std::move(value));
    }
    p.level->children.resize(folders.size());
    for (size_t i = 0; i < folders.size(); ++i) {
      Level& child = p.level->children[i];
      child.name = folders[i]->key;
      child.where = folders[i]->key_location;
      if (folders[i]->value.is_map()) stack.push_back({&folders[i]->value, &child});
    }
  }
  return tree;
}

void ConfigTree::Apply(const std::vector<std::string>& fqn, tmpl::ValueMap& config) {
  Level* level = root_.get();
  level->used = true;
  for (const auto& [k, v] : level->configs) MergeConfigValue(config, k, v);
  for (const auto& part : fqn) {
    if (level->children.empty()) return;
    Level* next = nullptr;
    for (auto& c : level->children) {
      if (c.name == part) {
        next = &c;
        break;
      }
    }
    if (next == nullptr) {
      level->unmatched.insert(part);
      return;
    }
    level = next;
    level->used = true;
    for (const auto& [k, v] : level->configs) MergeConfigValue(config, k, v);
  }
}

void ConfigTree::ReportUnused(std::vector<Warning>* warnings) const {
  struct Visit {
    const Level* level;
    std::string path;
  };
  std::vector<Visit> stack{{root_.get(), section_}};
  while (!stack.empty()) {
    Visit v = stack.back();
    stack.pop_back();
    for (const Level& child : v.level->children) {
      if (child.used || !child.HasConfigs()) continue;
      // Candidates: the names nodes really have at this level.
      std::vector<std::string> seen(v.level->unmatched.begin(), v.level->unmatched.end());
      for (const Level& other : v.level->children)
        if (other.used) seen.push_back(other.name);
      std::string message =
          "Configuration paths exist in your dbt_project.yml file which do not apply to any resources: " + v.path +
          "." + child.name;
      std::string hint = DidYouMean(child.name, seen);
      if (!hint.empty()) message += "; " + hint;
      warnings->push_back({child.where, std::move(message)});
    }
    // Reverse, so the stack visits used children in file order.
    for (auto it = v.level->children.rbegin(); it != v.level->children.rend(); ++it) {
      if (it->used) stack.push_back({&*it, v.path + "." + it->name});
    }
  }
}

bool ConfigTree::empty() const { return root_->configs.empty() && root_->children.empty(); }

}  // namespace floe::models
