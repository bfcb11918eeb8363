// YamlNode: a YAML document as floe keeps it: scalars, sequences and maps with
// the file position of every node and key, and, for string scalars that
// contain template syntax, the compiled template.
//
//   ASSIGN_OR_RETURN(YamlNode doc, ParseYaml(text, "flows/hello.yml", env));
//   const YamlNode* tasks = doc.Find("tasks");
//
// yaml-cpp stays behind this header; nothing else includes it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "tmpl/template.h"
#include "tmpl/value.h"

namespace floe::flow {

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  struct Entry;

  Kind kind = Kind::kNull;
  std::string scalar;   // for kScalar
  bool quoted = false;  // a quoted or block scalar is always a string
  SourceLocation location;
  std::vector<YamlNode> items;  // for kSequence
  std::vector<Entry> entries;   // for kMap, in file order
  // For string scalars with {{ }} or {% %}: compiled against the flow
  // environment. Null for plain text.
  std::shared_ptr<const tmpl::Template> tmpl;

  bool is_map() const { return kind == Kind::kMap; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_null() const { return kind == Kind::kNull; }
  const YamlNode* Find(std::string_view key) const;
  // The value YAML 1.2's core schema gives a scalar: plain "3" is an int,
  // "true" a bool, "~" null; quoted scalars are strings. Maps and lists
  // convert recursively. Templates are not rendered.
  tmpl::Value ToValue() const;
  // "map", "list", "string", ... for error messages.
  std::string_view KindName() const;
};

struct YamlNode::Entry {
  std::string key;
  SourceLocation key_location;
  YamlNode value;
};

// Bounds on what one document may cost, whatever its source: a flow file, a
// YAML input, the secrets file. Aliases are counted each time they are used.
inline constexpr size_t kMaxYamlBytes = 8u << 20;           // the document's own text
inline constexpr int kMaxYamlDepth = 200;                   // nested sequences and maps
inline constexpr size_t kMaxYamlNodes = 250000;             // nodes after expanding aliases
inline constexpr size_t kMaxYamlExpandedBytes = 32u << 20;  // scalar text after expanding aliases

// Parses one YAML document, within the bounds above. Duplicate keys are errors. Scalars with template
// syntax are compiled with `env` (which must outlive the result); all template
// syntax errors are appended to *template_errors rather than failing the parse,
// so a caller can report every problem at once.
Result<YamlNode> ParseYaml(std::string_view text, const std::string& file, const tmpl::Environment& env,
                           std::vector<Status>* template_errors);

// Renders a YAML property tree: templated scalars (compiled at load) render
// against `variables` (a single {{ expr }} keeps its type), plain scalars
// take their YAML type.
Result<tmpl::Value> RenderNode(const YamlNode& node, const tmpl::Value& variables,
                               const tmpl::RenderHost* host = nullptr);

}  // namespace floe::flow
