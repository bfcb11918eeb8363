// The template parser's class. Internal to tmpl: parser.cc holds the
// template-level (tag) parsing, parse_expressions.cc the expressions.
//
// Expression precedence, lowest first.
// Jinja (with floe's `??` and `?:`):
//   x if c else y, c ? x : y  <  ??  <  or  <  and  <  not  <  comparisons, in,
//   is  <  ~  <  + -  <  * / // %  <  **  <  unary - +  <  | filter  <
//   postfix (.attr, [index], (call))  <  primary
// Pebble (its CoreExtension, with Kestra's `??` and `???`), see ParsePebble:
//   c ? x : y  <  not  <  or  <  and  <  is, contains, in  <  comparisons  <
//   + -  <  * / // % **  <  | filter  <  ~  <  .. ?? ???  <  unary - +  <
//   postfix  <  primary
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "core/status.h"
#include "tmpl/internal/ast.h"
#include "tmpl/internal/lexer.h"
#include "tmpl/internal/parser.h"
#include "tmpl/template.h"

namespace floe::tmpl {

class Parser {
 public:
  Parser(std::string_view src, const SourceOrigin& origin, Dialect dialect, NodeArena& arena,
         std::vector<ParsedBlock>* blocks)
      : src_(src),
        origin_(origin),
        dialect_(dialect),
        lex_(src, origin, dialect == Dialect::kPebble),
        arena_(arena),
        blocks_(blocks) {}

  Result<NodePtr> Run();

 private:
  Status Error(size_t offset, std::string message) const;

  // Parses statements into `block` until EOF or a tag whose name is in `ends`;
  // that tag's name is stored in *end_tag (empty at EOF) and the cursor is
  // left just after the tag name.
  Status ParseBody(Node& block, std::initializer_list<std::string_view> ends, std::string* end_tag);

  size_t FindTagOpen(size_t from) const;

  void AddText(Node& block, size_t begin, size_t end);

  void StripTrailingWhitespace(Node& block);

  void SkipWhitespace();

  // After a block tag's %}: -%} strips all following whitespace.
  void AfterBlockEnd(const Token& end);

  Status ExpectEnd(Tok type, size_t open);

  Status ParseTag(Node& block, const Token& name, size_t open);

  // Runs ParseBody with the nesting context for "never closed" errors.
  Status ParseNested(Node& body, std::string_view open_name, size_t open, std::initializer_list<std::string_view> ends,
                     std::string* end_tag);

  Status ParseIf(Node& block, uint32_t at);

  Status ParseFor(Node& block, uint32_t at);

  Status ParseSet(Node& block, uint32_t at);

  // `a, b` on the right of set builds a list (Jinja tuples).
  Result<NodePtr> ParseTupleOrExpression();

  // Parses "(a, b=1, ...)" parameter lists for macro and call blocks.
  Status ParseParams(Node& node, bool with_defaults);

  // {% macro %} and dbt's definition blocks, which all define a macro:
  // {% test name(params) %}, {% materialization name, adapter='x' %},
  // {% docs name %}, {% snapshot name %}.
  Status ParseMacro(Node& block, uint32_t at, const std::string& tag);

  // The options after {% materialization name %}: `, default`, `, adapter='duckdb'`,
  // `, supported_languages=[...]` (which becomes a parameter).
  Status ParseMaterializationOptions(Node& node, std::string& adapter);

  // {% break %} and {% continue %}.
  Status ParseLoopControl(Node& block, const std::string& tag, uint32_t at);

  Status ParseCall(Node& block, uint32_t at);

  Status ParseFilterBlock(Node& block, uint32_t at);

  // {% include 'f' %}, {% import 'f' as m %}, {% from 'f' import a, b as c %}
  Status ParseImport(Node& block, const std::string& tag, uint32_t at);

  Status ParseRaw(Node& block, const std::string& tag, size_t open);

  bool AtOp(const Token& t, std::string_view op) const { return t.type == Tok::kOp && t.text == op; }
  bool AtName(const Token& t, std::string_view n) const { return t.type == Tok::kName && t.text == n; }

  Result<NodePtr> ParseExpression();

  Result<NodePtr> ParseConditional();

  Result<NodePtr> ParseConditionalInner();

  Result<NodePtr> ParseCoalesce();

  // Pebble's binary operators by precedence climbing: the operand of an
  // operator of precedence p holds only operators above p.
  Result<NodePtr> ParsePebble(int min_precedence);

  // `left is [not] name [args]`, after `is`.
  Result<NodePtr> ParseTest(NodePtr left, const Token& is);

  // Pebble's "text #{ expr } text": the parts concatenated.
  Result<NodePtr> ParseInterpolated(const Token& t);

  Result<NodePtr> MakeBinary(NodeKind kind, const Token& t, NodePtr a, NodePtr b);

  // Expression trees stay shallow enough to evaluate (and free) on any
  // stack: a chain like 1+1+1+... or a.b.c.d... longer than the limit is an error.
  static constexpr int kMaxExpressionHeight = 200;
  Status CheckHeight(Node& node);

  Result<NodePtr> ParseOr();

  Result<NodePtr> ParseAnd();

  Result<NodePtr> ParseNot();

  Result<NodePtr> ParseComparison();

  Result<NodePtr> ParseConcat();

  Result<NodePtr> ParseAdditive();

  Result<NodePtr> ParseMultiplicative();

  // Left-associative, as in Jinja (unlike Python): 2 ** 3 ** 2 is 64.
  Result<NodePtr> ParsePower();

  // As in Jinja, filters apply to the whole unary expression: -3|abs is 3.
  Result<NodePtr> ParseUnary(bool with_filters = true);

  Result<NodePtr> ParseFilters(NodePtr input);

  // name or name(args), applied to `input` (null inside {% filter %}).
  Result<NodePtr> ParseFilterCall(NodePtr input);

  // "(a, b, k=v)": appends args to node.kids and keyword names to node.names.
  Status ParseArgs(Node& node);

  Result<NodePtr> ParsePostfix();

  Status ParseSubscript(NodePtr& expr, const Token& open);

  Result<NodePtr> ParsePrimary();

  Result<NodePtr> ParseListLiteral(const Token& open);

  Result<NodePtr> ParseMapLiteral(const Token& open);

  std::string_view src_;
  const SourceOrigin& origin_;
  Dialect dialect_;
  Lexer lex_;
  NodeArena& arena_;
  std::vector<ParsedBlock>* blocks_;  // may be null
  size_t tag_offset_ = 0;
  size_t block_open_ = 0;
  std::string open_tag_name_;
  int depth_ = 0;
  static constexpr int kMaxBlockDepth = 100;
  int block_depth_ = 0;
  int loop_depth_ = 0;  // for bodies around the cursor, within the innermost macro or call body
};

}  // namespace floe::tmpl
