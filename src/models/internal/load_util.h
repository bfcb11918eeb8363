// Private helpers of floe_models' loading: whole-file reads, typed reads of
// YAML values with errors that say where and what was expected, and the
// load-time rendering of `{{ env_var() }}` / `{{ var() }}` in YAML strings.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "flow/yaml_node.h"
#include "models/project.h"
#include "tmpl/template.h"
#include "tmpl/value.h"

namespace floe::models::internal {

using flow::YamlNode;

// The file's bytes in one read. NotFound when it does not exist.
Result<std::string> ReadWholeFile(const std::filesystem::path& path);

// Writes `text` to `path` (creating its folders) unless the file holds
// exactly `text` already: target/compiled and target/run are rewritten on
// every command, and ext4 flushes a truncated file on close, so rewriting
// 10,000 unchanged files costs more than compiling them.
Status WriteIfChanged(const std::filesystem::path& path, std::string_view text);

// The Jinja environment YAML templates compile against (env_var, var, ...).
const tmpl::Environment& LoadEnvironment();

// Parses a YAML file already read; template syntax errors fail the parse.
Result<YamlNode> ParseYamlFile(std::string_view text, const std::string& display_name);

// An error at `node`: "<what>: expected <expected>, found <node's kind>".
Status WrongShape(const YamlNode& node, std::string_view what, std::string_view expected);

// Typed reads. Each fails with WrongShape when the node has another shape.
Result<std::string> ReadString(const YamlNode& node, std::string_view what);
// A string or a list of strings.
Result<std::vector<std::string>> ReadStringList(const YamlNode& node, std::string_view what);
Result<bool> ReadBool(const YamlNode& node, std::string_view what);
Result<int> ReadInt(const YamlNode& node, std::string_view what);
Status ExpectMap(const YamlNode& node, std::string_view what);
Status ExpectList(const YamlNode& node, std::string_view what);

// Renders the YAML strings that hold templates against `context` (a map:
// var, target, ...; env_var is built in). Strings under the keys in
// `unrendered` (hooks) stay as written at any depth. When a template fails
// and `keep_if_mentions` occurs in its text (e.g. "target", not known at
// load), the string stays as written for compile to render.
struct RenderOptions {
  tmpl::Value context;
  std::vector<std::string> unrendered;
  std::string keep_if_mentions;
};
Result<tmpl::Value> RenderValue(const YamlNode& node, const RenderOptions& options);

// "did you mean ...?" for `key` among `known`, or "" (with a leading "; ").
std::string SuggestionSuffix(std::string_view key, const std::vector<std::string>& known);

// Appends a warning for each key of `map` not in `known`.
void WarnUnknownKeys(const YamlNode& map, const std::vector<std::string>& known, std::string_view what,
                     std::vector<Warning>* warnings);

// `p` with '/' separators, relative to `base`.
std::string RelativePath(const std::filesystem::path& p, const std::filesystem::path& base);

}  // namespace floe::models::internal
