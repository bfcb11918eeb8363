#include "tmpl/template.h"

#include <algorithm>
#include <set>

#include "tmpl/internal/ast.h"
#include "tmpl/internal/parser.h"
#include "tmpl/internal/render_util.h"
#include "tmpl/render_state.h"

namespace floe::tmpl {

namespace {

// Line (0-based, within `source`) and column (0-based, within that line) of `offset`.
std::pair<int, size_t> LineAndColumn(std::string_view source, size_t offset) {
  int line = 0;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, offset - line_start};
}

// `origin` moved to `offset` in `source`.
SourceOrigin OriginAt(std::string_view source, const SourceOrigin& origin, size_t offset) {
  auto [line, column] = LineAndColumn(source, offset);
  SourceOrigin moved = origin;
  moved.line = origin.line + line;
  moved.column = line == 0 ? origin.column + static_cast<int>(column) : origin.indent + static_cast<int>(column) + 1;
  return moved;
}

}  // namespace

namespace {

// Where `offset` is: the start of its line in `source`, and its line and
// column in the file.
struct Position {
  size_t line_start = 0;
  int column_in_line = 0;
  SourceLocation where;
};

Position PositionOf(std::string_view source, const SourceOrigin& origin, size_t offset) {
  offset = std::min(offset, source.size());
  size_t line_start = source.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = (line_start == std::string_view::npos || offset == 0) ? 0 : line_start + 1;
  if (offset > 0 && source[offset - 1] == '\n') line_start = offset;
  int line_in_source = static_cast<int>(std::count(source.begin(), source.begin() + line_start, '\n'));
  int col_in_line = static_cast<int>(offset - line_start);
  Position p;
  p.line_start = line_start;
  p.column_in_line = col_in_line;
  p.where.file = origin.file.empty() ? origin.name : origin.file;
  p.where.line = origin.line + line_in_source;
  p.where.column = line_in_source == 0 ? origin.column + col_in_line : origin.indent + col_in_line + 1;
  return p;
}

}  // namespace

namespace {

// Names a template defines for itself: macros, set and loop targets, imports.
void CollectDefined(const Node& node, std::set<std::string, std::less<>>& out) {
  if (node.kind == NodeKind::kMacro) out.insert(node.text);
  if (node.kind == NodeKind::kSet || node.kind == NodeKind::kSetBlock || node.kind == NodeKind::kFor ||
      node.kind == NodeKind::kImport || node.kind == NodeKind::kFromImport || node.kind == NodeKind::kMacro ||
      node.kind == NodeKind::kCallBlock)
    out.insert(node.names.begin(), node.names.end());
  for (const auto& kid : node.kids)
    if (kid) CollectDefined(*kid, out);
}

// The first filter, test (or, in Pebble, function) the environment does
// not have, as Pebble and Jinja2 report them when a template compiles.
// Jinja's functions resolve at render time (dbt macros register as the
// project's files compile), so they are not checked there.
Status FindUnknownName(const Node& node, const std::set<std::string, std::less<>>& defined, std::string_view source,
                       const SourceOrigin& origin, const Environment& env) {
  auto unknown = [&](const char* what, const std::string& name, std::vector<std::string> names) {
    return TemplateError(source, origin, node.offset, std::string("unknown ") + what + " '" + name + "'")
        .WithHint(AvailableHint(name, names));
  };
  if (node.kind == NodeKind::kFilter && !env.FindFilter(node.text))
    return unknown("filter", node.text, env.FilterNames());
  if (node.kind == NodeKind::kTest && !env.FindTest(node.text)) return unknown("test", node.text, env.TestNames());
  if (env.dialect == Dialect::kPebble && node.kind == NodeKind::kCall && node.kids[0] &&
      node.kids[0]->kind == NodeKind::kName) {
    const std::string& name = node.kids[0]->text;
    if (!env.FindFunction(name) && !defined.count(name)) return unknown("function", name, env.FunctionNames());
  }
  for (const auto& kid : node.kids)
    if (kid) RETURN_IF_ERROR(FindUnknownName(*kid, defined, source, origin, env));
  return Status::Ok();
}

Status CheckNames(const Node& root, std::string_view source, const SourceOrigin& origin, const Environment& env) {
  // Only Pebble's function names are checked against what the template
  // defines (every model compiles this; Jinja's need no set).
  std::set<std::string, std::less<>> defined;
  if (env.dialect == Dialect::kPebble) {
    defined.insert("caller");  // inside a macro a {% call %} block invokes
    CollectDefined(root, defined);
  }
  return FindUnknownName(root, defined, source, origin, env);
}

}  // namespace

SourceLocation TemplateLocation(std::string_view source, const SourceOrigin& origin, size_t offset) {
  return PositionOf(source, origin, offset).where;
}

Status TemplateError(std::string_view source, const SourceOrigin& origin, size_t offset, std::string message) {
  Position p = PositionOf(source, origin, offset);
  size_t line_end = source.find('\n', p.line_start);
  if (line_end == std::string_view::npos) line_end = source.size();
  std::string text(source.substr(p.line_start, line_end - p.line_start));
  std::string caret(static_cast<size_t>(p.column_in_line), ' ');
  for (size_t i = 0; i < caret.size() && i < text.size(); ++i)
    if (text[i] == '\t') caret[i] = '\t';
  std::string full = std::move(message);
  if (!origin.file.empty() && origin.name != origin.file) full += " (in " + origin.name + ")";
  full += "\n    " + text + "\n    " + caret + "^";
  return InvalidArgument(std::move(full)).WithLocation(std::move(p.where));
}

const Filter* Environment::FindFilter(std::string_view name) const {
  auto it = filters_.find(name);
  return it == filters_.end() ? nullptr : &it->second;
}

const Function* Environment::FindFunction(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

const Test* Environment::FindTest(std::string_view name) const {
  auto it = tests_.find(name);
  return it == tests_.end() ? nullptr : &it->second;
}

std::vector<std::string> Environment::FilterNames() const {
  std::vector<std::string> names;
  for (const auto& [k, v] : filters_) names.push_back(k);
  return names;
}

std::vector<std::string> Environment::FunctionNames() const {
  std::vector<std::string> names;
  for (const auto& [k, v] : functions_) names.push_back(k);
  return names;
}

std::vector<std::string> Environment::TestNames() const {
  std::vector<std::string> names;
  for (const auto& [k, v] : tests_) names.push_back(k);
  return names;
}

Template::~Template() = default;

Result<std::shared_ptr<const Template>> Template::Compile(std::string_view source, SourceOrigin origin,
                                                          const Environment& env) {
  std::shared_ptr<Template> t(new Template());
  if (!env.keep_trailing_newline) {
    if (source.ends_with("\r\n")) {
      source.remove_suffix(2);
    } else if (source.ends_with("\n")) {
      source.remove_suffix(1);
    }
  }
  t->source_.assign(source);
  t->origin_ = std::move(origin);
  t->env_ = &env;
  t->literal_ = source.find("{{") == std::string_view::npos && source.find("{%") == std::string_view::npos &&
                source.find("{#") == std::string_view::npos;
  if (!t->literal_) {
    t->arena_ = std::make_unique<NodeArena>();
    std::vector<ParsedBlock> blocks;
    ASSIGN_OR_RETURN(NodePtr root, ParseTemplate(t->source_, t->origin_, env, *t->arena_, &blocks));
    t->root_ = root.release();
    RETURN_IF_ERROR(CheckNames(*t->root_, t->source_, t->origin_, env));
    t->blocks_.reserve(blocks.size());
    for (ParsedBlock& parsed : blocks) {
      TemplateBlock& block = t->blocks_.emplace_back(std::move(parsed.block));
      std::string_view src = t->source_;
      block.body.assign(src.substr(parsed.body_begin, parsed.body_end - parsed.body_begin));
      block.origin = OriginAt(src, t->origin_, parsed.body_begin);
      // A later definition of the same name wins, as when the template renders.
      t->macros_[block.macro_name] = parsed.macro;
    }
    // One {{ expr }} with only whitespace around it evaluates to a typed value.
    const Node* only = nullptr;
    bool single = true;
    for (const auto& kid : t->root_->kids) {
      if (kid->kind == NodeKind::kText) {
        if (kid->span.find_first_not_of(" \t\r\n") != std::string_view::npos) single = false;
      } else if (kid->kind == NodeKind::kOutput && !only) {
        only = kid->kids[0].get();
      } else {
        single = false;
      }
    }
    if (single && only) t->single_expression_ = only;
  }
  return std::shared_ptr<const Template>(std::move(t));
}

Result<std::string> Template::Render(const Value& context, const RenderHost* host) const {
  if (literal_) return source_;
  RenderState state(*this, context, host);
  return state.RenderRoot();
}

Result<Value> Template::Evaluate(const Value& context, const RenderHost* host) const {
  if (literal_) return Value(source_);
  if (single_expression_) {
    RenderState state(*this, context, host);
    return state.EvaluateRoot(*single_expression_);
  }
  ASSIGN_OR_RETURN(std::string text, Render(context, host));
  return Value(std::move(text));
}

Result<std::string> RenderString(std::string_view source, const Value& context, const Environment& env,
                                 std::string name, const RenderHost* host) {
  SourceOrigin origin;
  origin.name = std::move(name);
  ASSIGN_OR_RETURN(auto t, Template::Compile(source, std::move(origin), env));
  return t->Render(context, host);
}

Result<std::string> RenderHost::ReadFile(std::string_view uri) const {
  return FailedPrecondition("read('" + std::string(uri) + "') is not available here: no file access");
}

Result<std::string> RenderHost::Secret(std::string_view name) const {
  return FailedPrecondition("secret('" + std::string(name) + "') is not available here: no secret provider");
}

Result<Value> RenderHost::KvGet(std::string_view key, std::string_view) const {
  return FailedPrecondition("kv('" + std::string(key) + "') is not available here: no KV store");
}

Result<Value> RenderHost::ErrorLogs() const {
  return FailedPrecondition("errorLogs() is not available here: no running execution");
}

Result<int64_t> RenderHost::FileSize(std::string_view uri) const {
  return FailedPrecondition("fileSize('" + std::string(uri) + "') is not available here: no file access");
}

Result<std::string> RenderHost::NamespaceFileUri(std::string_view path) const {
  return FailedPrecondition("fileURI('" + std::string(path) + "') is not available here: no namespace files");
}

const Value* RenderHost::Global(std::string_view) const { return nullptr; }

std::vector<std::string> RenderHost::GlobalNames() const { return {}; }

Result<std::shared_ptr<const Template>> RenderHost::LoadTemplate(std::string_view name) const {
  return FailedPrecondition("cannot load template '" + std::string(name) + "': no template loader here");
}

}  // namespace floe::tmpl
