// The parsed form of a template. Internal to tmpl: only the parser builds it
// and only the renderer reads it.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tmpl/value.h"

namespace floe::tmpl {

enum class NodeKind {
  // Statements
  kBlock,        // kids: statements in order
  kText,         // text
  kOutput,       // kids[0]: expression to print
  kIf,           // kids: cond, body, cond, body, ..., [else body when has_else]
  kFor,          // names: loop targets; kids: iterable, body, else body or null, filter cond or null
  kSet,          // names: targets; kids[0]: value; text: optional attribute ("ns.x" sets x on ns)
  kSetBlock,     // names[0]: target; kids[0]: body
  kMacro,        // text: name; names: params; kids[0]: body, kids[1..]: param defaults or null.
                 // Also dbt's {% test %}, {% materialization %}, {% docs %}, {% snapshot %}.
  kCallBlock,    // kids[0]: call expression, kids[1]: caller body; names: caller params
  kFilterBlock,  // kids[0]: body; kids[1]: a kFilter chain whose innermost input is null
  kDo,           // kids[0]: expression evaluated for its effect
  kInclude,      // kids[0]: template name expression
  kImport,       // kids[0]: template name expression; names[0]: alias
  kFromImport,   // kids[0]: template name expression; names: name, alias, name, alias, ...
  kBreak,        // {% break %}, only inside a for body (jinja2's loopcontrols, enabled in dbt)
  kContinue,     // {% continue %}
  // Expressions
  kLiteral,  // literal
  kName,     // text
  kAttr,     // kids[0]: object; text: attribute
  kIndex,    // kids[0]: object; kids[1]: index
  kSlice,    // kids[0]: object; kids[1..3]: start, stop, step (null when absent)
  kCall,     // kids[0]: callee; kids[1..]: args; names[i]: keyword of kids[i+1] or ""
  kFilter,   // text: filter; kids[0]: input; kids[1..]: args; names as kCall
  kTest,     // text: test; kids[0]: input; kids[1..]: args; negated
  kUnary,    // text: "-", "+", "not"; kids[0]
  kBinary,   // text: operator; kids[0], kids[1]
  kAnd,
  kOr,
  kCoalesce,  // a ?? b
  kCondExpr,  // kids: cond, then, else (else may be null: Jinja's `x if c`)
  kListLit,   // kids: items
  kMapLit,    // kids: key, value, key, value, ...
};

struct Node;

// Nodes live in their Template's NodeArena: owning pointers between them do
// not free anything, the arena frees every node at once.
struct NodeDeleter {
  void operator()(Node*) const {}
};
using NodePtr = std::unique_ptr<Node, NodeDeleter>;

struct Node {
  NodeKind kind;
  uint32_t offset = 0;  // byte offset in the template source, for errors
  std::string text;
  std::string_view span;  // kText only; the Template owns the source it points into
  Value literal;
  std::vector<NodePtr> kids;
  std::vector<std::string> names;
  uint16_t height = 1;  // of the expression tree below, bounded by the parser
  bool negated = false;
  bool has_else = false;
  bool catch_kwargs = false;  // kMacro: its body reads `kwargs`, so extra keyword arguments land there

  Node(NodeKind k, uint32_t off) : kind(k), offset(off) {}
};

// Allocates nodes in chunks; addresses stay stable until the arena dies.
class NodeArena {
 public:
  NodePtr New(NodeKind kind, uint32_t offset) {
    if (chunks_.empty() || chunks_.back().size() == chunks_.back().capacity()) {
      // Small templates (most SQL models, flow properties) stay small; big
      // ones get geometrically bigger chunks.
      size_t size = chunks_.empty() ? kFirstChunk : std::min(chunks_.back().capacity() * 2, kMaxChunk);
      chunks_.emplace_back();
      chunks_.back().reserve(size);
    }
    return NodePtr(&chunks_.back().emplace_back(kind, offset));
  }

 private:
  static constexpr size_t kFirstChunk = 8, kMaxChunk = 256;
  std::vector<std::vector<Node>> chunks_;
};

}  // namespace floe::tmpl
