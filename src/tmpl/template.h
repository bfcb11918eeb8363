// The template engine: one engine for Pebble-style flow properties (Kestra)
// and Jinja-style SQL model files (dbt).
//
// Compile a source once into a Template, render it many times against a
// context (a map of variables). Filters and functions come from an
// Environment; hosts add their own (`ref`, `secret`, ...).
//
//   Environment env = Environment::Standard();
//   ASSIGN_OR_RETURN(auto t, Template::Compile("Hello {{ name | upper }}", "greeting", env));
//   ASSIGN_OR_RETURN(std::string s, t->Render(Value::MakeMap({{"name", "ada"}})));   // "Hello ADA"
//
// A template that is exactly one `{{ expression }}` can be evaluated to a typed
// Value with Evaluate(), so `{{ inputs.list }}` stays a list.
//
// Thread safety: a compiled Template and a built Environment are immutable and
// may be rendered from many threads at once.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::tmpl {

enum class Dialect {
  kPebble,  // flows: null prints "", true prints "true", 7/2 == 3, lists print as JSON
  kJinja,   // models: None prints "None", True prints "True", 7/2 == 3.5
};

enum class UndefinedBehavior {
  kStrict,   // printing, computing with or iterating an undefined name is an error
  kLenient,  // an undefined name prints as "" and iterates as empty
};

struct Limits {
  int max_depth = 100;                    // nested calls and includes
  int64_t max_loop_iterations = 1000000;  // across one render
  size_t max_output_bytes = 64u << 20;    // the rendered text, and any string computed on the way
  size_t max_collection_items = 1000000;  // any list or map computed on the way
};

class RenderState;
class Template;

// What a template may ask of the program rendering it: files, secrets, KV
// entries, other templates (for import/include). Each defaults to a clear
// "not available here" error; hosts override what they provide.
class RenderHost {
 public:
  virtual ~RenderHost() = default;
  // read('path or URI'): the file's text.
  virtual Result<std::string> ReadFile(std::string_view uri) const;
  // secret('NAME'): the secret's value.
  virtual Result<std::string> Secret(std::string_view name) const;
  // kv('KEY'[, namespace]): the stored value.
  virtual Result<Value> KvGet(std::string_view key, std::string_view ns) const;
  // errorLogs(): the running execution's ERROR log lines so far, oldest
  // first, as maps (taskId, message, timestamp, level, ...).
  virtual Result<Value> ErrorLogs() const;
  // fileSize('uri'): a file's size in bytes.
  virtual Result<int64_t> FileSize(std::string_view uri) const;
  // fileURI('path'): the URI naming one of the namespace's files.
  virtual Result<std::string> NamespaceFileUri(std::string_view path) const;
  // {% import 'name' %}, {% from 'name' import ... %}, {% include 'name' %}.
  virtual Result<std::shared_ptr<const Template>> LoadTemplate(std::string_view name) const;
  // A variable the render's context does not define: the host's own
  // (dbt's `this` and `model`, built only when a template reads them), or
  // nullptr. The value must live as long as the host.
  virtual const Value* Global(std::string_view name) const;
  // The names Global() serves, for "did you mean" hints.
  virtual std::vector<std::string> GlobalNames() const;
};

using Filter = std::function<Result<Value>(const Value& input, CallArgs& args, RenderState& state)>;
using Function = std::function<Result<Value>(CallArgs& args, RenderState& state)>;
using Test = std::function<Result<bool>(const Value& input, CallArgs& args)>;

// Filters, functions and tests a template can call, plus the dialect rules.
class Environment {
 public:
  // The built-in filters, functions and tests, Pebble dialect, strict.
  static Environment Standard(Dialect dialect = Dialect::kPebble);

  Dialect dialect = Dialect::kPebble;
  UndefinedBehavior undefined = UndefinedBehavior::kStrict;
  Limits limits;
  // Jinja drops one newline at the very end of a template; Pebble keeps it.
  bool keep_trailing_newline = true;

  void AddFilter(std::string name, Filter f) { filters_[std::move(name)] = std::move(f); }
  void AddFunction(std::string name, Function f) { functions_[std::move(name)] = std::move(f); }
  void AddTest(std::string name, Test t) { tests_[std::move(name)] = std::move(t); }

  const Filter* FindFilter(std::string_view name) const;
  const Function* FindFunction(std::string_view name) const;
  const Test* FindTest(std::string_view name) const;
  std::vector<std::string> FilterNames() const;
  std::vector<std::string> FunctionNames() const;
  std::vector<std::string> TestNames() const;

 private:
  std::map<std::string, Filter, std::less<>> filters_;
  std::map<std::string, Function, std::less<>> functions_;
  std::map<std::string, Test, std::less<>> tests_;
};

struct Node;  // the parsed form; see internal/ast.h
class NodeArena;

// Where a template's text comes from, for error positions.
struct SourceOrigin {
  std::string name;  // a file path, or "flow.yml: task 'q' property 'sql'"
  int line = 1;      // line and column of the template's first character
  int column = 1;
  int indent = 0;    // columns stripped from each later line (YAML block scalars)
  std::string file;  // the file for SourceLocation; defaults to name
};

// A top-level definition block of a dbt file, as Template::Blocks() lists
// them. Each defines a macro (so calling it works as for any macro) and
// renders as nothing where it stands.
struct TemplateBlock {
  enum class Kind {
    kMacro,            // {% macro name(params) %}
    kTest,             // {% test name(params) %}: dbt's generic test
    kMaterialization,  // {% materialization name, adapter='duckdb' %} (or `, default`)
    kDocs,             // {% docs name %}
    kSnapshot,         // {% snapshot name %}
  };
  Kind kind = Kind::kMacro;
  // As written in the tag: "not_null" for {% test not_null(model) %}.
  std::string name;
  // The macro the block defines, the name CallMacro() takes: a macro's own
  // name, "test_<name>", "materialization_<name>_<adapter>", "docs_<name>",
  // "snapshot_<name>" (dbt's conventions).
  std::string macro_name;
  std::string adapter;              // materialization: the adapter, or "default"
  std::vector<std::string> params;  // macro and test parameters, in order
  // The exact source text between the opening tag's `%}` (after any `-%}`
  // whitespace stripping) and the closing tag's `{%`.
  std::string body;
  // The template's origin moved to where `body` starts (origin.line and
  // origin.column, 1-based, in the original file): Compile(body, origin, env)
  // reports errors at their true positions.
  SourceOrigin origin;
};

// Turns a byte offset in `source` into a user-facing error: location plus the
// offending line and a caret under the column.
Status TemplateError(std::string_view source, const SourceOrigin& origin, size_t offset, std::string message);
// Only the location TemplateError would give.
SourceLocation TemplateLocation(std::string_view source, const SourceOrigin& origin, size_t offset);

class Template {
 public:
  // Parses `source`. `origin` names it in errors and places it inside a larger
  // file (a YAML scalar) so positions point into that file.
  // The Environment must outlive the Template.
  static Result<std::shared_ptr<const Template>> Compile(std::string_view source, SourceOrigin origin,
                                                         const Environment& env);
  ~Template();

  // Renders to text. `context` is a map of variables (or null for none);
  // `host` serves read(), secret(), kv() and imports (none: they fail).
  Result<std::string> Render(const Value& context, const RenderHost* host = nullptr) const;
  // A template that is a single `{{ expr }}` (surrounding whitespace allowed)
  // evaluates to the expression's Value; any other renders to a string Value.
  Result<Value> Evaluate(const Value& context, const RenderHost* host = nullptr) const;
  // True when the source contains no `{{`, `{%` or `{#`: rendering is identity.
  bool is_literal() const { return literal_; }
  const std::string& name() const { return origin_.name; }
  const std::string& source() const { return source_; }
  // The top-level {% macro %}, {% test %}, {% materialization %}, {% docs %}
  // and {% snapshot %} blocks, in source order. Macros nested in other tags
  // are not listed.
  const std::vector<TemplateBlock>& Blocks() const { return blocks_; }

 private:
  Template() = default;
  friend class RenderState;

  std::string source_;
  SourceOrigin origin_;
  bool literal_ = false;
  const Environment* env_ = nullptr;
  std::unique_ptr<NodeArena> arena_;
  const Node* root_ = nullptr;
  const Node* single_expression_ = nullptr;  // set when the template is one {{ expr }}
  std::vector<TemplateBlock> blocks_;
  // Top-level macro definitions by macro name, for CallMacro().
  std::map<std::string, const Node*, std::less<>> macros_;
};

// Renders a string as a template in one go (compile + render); for one-offs.
Result<std::string> RenderString(std::string_view source, const Value& context, const Environment& env,
                                 std::string name = "template", const RenderHost* host = nullptr);

// How values print inside {{ }} in the given dialect.
std::string ToDisplayString(const Value& v, Dialect dialect);

}  // namespace floe::tmpl
