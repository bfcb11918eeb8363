// Recursive-descent parser for Pebble/Jinja templates.
//
// Expression precedence, lowest first (Jinja's, with Pebble's `??` and `?:`):
//   x if c else y, c ? x : y  <  ??  <  or  <  and  <  not  <  comparisons, in,
//   is  <  ~  <  + -  <  * / // %  <  **  <  unary - +  <  | filter  <
//   postfix (.attr, [index], (call))  <  primary
#include "tmpl/internal/parser.h"

#include <cctype>
#include <cstring>

#include "tmpl/internal/lexer.h"

namespace floe::tmpl {
namespace {

class Parser {
 public:
  Parser(std::string_view src, const SourceOrigin& origin, bool trim_blocks, NodeArena& arena)
      : src_(src), origin_(origin), trim_blocks_(trim_blocks), lex_(src, origin), arena_(arena) {}

  Result<NodePtr> Run() {
    auto root = arena_.New(NodeKind::kBlock, 0);
    std::string end_tag;
    RETURN_IF_ERROR(ParseBody(*root, {}, &end_tag));
    if (!end_tag.empty()) return Error(tag_offset_, "unexpected '{% " + end_tag + " %}'");
    return root;
  }

 private:
  // ---------- errors ----------
  Status Error(size_t offset, std::string message) const {
    return TemplateError(src_, origin_, offset, std::move(message));
  }

  // ---------- template level ----------

  // Parses statements into `block` until EOF or a tag whose name is in `ends`;
  // that tag's name is stored in *end_tag (empty at EOF) and the cursor is
  // left just after the tag name.
  Status ParseBody(Node& block, std::initializer_list<std::string_view> ends, std::string* end_tag) {
    while (lex_.pos < src_.size()) {
      size_t open = FindTagOpen(lex_.pos);
      size_t text_end = open == std::string_view::npos ? src_.size() : open;
      if (text_end > lex_.pos) AddText(block, lex_.pos, text_end);
      if (open == std::string_view::npos) {
        lex_.pos = src_.size();
        break;
      }
      char kind = src_[open + 1];
      bool strip_before = open + 2 < src_.size() && src_[open + 2] == '-';
      if (strip_before) StripTrailingWhitespace(block);
      lex_.pos = open + 2 + (strip_before ? 1 : 0);
      if (kind == '#') {
        size_t close = src_.find("#}", lex_.pos);
        if (close == std::string_view::npos) return Error(open, "comment '{#' is never closed with '#}'");
        bool strip_after = close > lex_.pos && src_[close - 1] == '-';
        lex_.pos = close + 2;
        if (strip_after) SkipWhitespace();
        continue;
      }
      if (kind == '{') {
        auto out = arena_.New(NodeKind::kOutput, static_cast<uint32_t>(open));
        ASSIGN_OR_RETURN(NodePtr expr, ParseExpression());
        out->kids.push_back(std::move(expr));
        RETURN_IF_ERROR(ExpectEnd(Tok::kVarEnd, open));
        block.kids.push_back(std::move(out));
        continue;
      }
      // {% tag %}
      tag_offset_ = open;
      ASSIGN_OR_RETURN(Token name, lex_.Next());
      if (name.type != Tok::kName) return Error(name.offset, "expected a tag name after '{%'");
      for (auto e : ends) {
        if (name.text == e) {
          *end_tag = name.text;
          return Status::Ok();
        }
      }
      RETURN_IF_ERROR(ParseTag(block, name, open));
    }
    if (ends.size() > 0) {
      std::string expected;
      for (auto e : ends) expected += (expected.empty() ? "" : " or ") + std::string("{% ") + std::string(e) + " %}";
      return Error(block_open_, "'{% " + open_tag_name_ + " %}' is never closed: expected " + expected);
    }
    end_tag->clear();
    return Status::Ok();
  }

  size_t FindTagOpen(size_t from) const {
    while (true) {
      size_t p = src_.find('{', from);
      if (p == std::string_view::npos || p + 1 >= src_.size()) return std::string_view::npos;
      char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') return p;
      from = p + 1;
    }
  }

  void AddText(Node& block, size_t begin, size_t end) {
    auto text = arena_.New(NodeKind::kText, static_cast<uint32_t>(begin));
    text->span = src_.substr(begin, end - begin);
    block.kids.push_back(std::move(text));
  }

  void StripTrailingWhitespace(Node& block) {
    if (block.kids.empty() || block.kids.back()->kind != NodeKind::kText) return;
    std::string_view& t = block.kids.back()->span;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  }

  void SkipWhitespace() {
    while (lex_.pos < src_.size() && std::isspace(static_cast<unsigned char>(src_[lex_.pos]))) ++lex_.pos;
  }

  // After a block tag's %}: -%} strips all following whitespace; otherwise
  // trim_blocks drops a single newline.
  void AfterBlockEnd(const Token& end) {
    if (end.strip_after) {
      SkipWhitespace();
    } else if (trim_blocks_) {
      if (lex_.pos < src_.size() && src_[lex_.pos] == '\n') {
        ++lex_.pos;
      } else if (lex_.pos + 1 < src_.size() && src_[lex_.pos] == '\r' && src_[lex_.pos + 1] == '\n') {
        lex_.pos += 2;
      }
    }
  }

  Status ExpectEnd(Tok type, size_t open) {
    ASSIGN_OR_RETURN(Token t, lex_.Next());
    if (t.type != type) {
      const char* want = type == Tok::kVarEnd ? "'}}'" : "'%}'";
      if (t.type == Tok::kEnd) return Error(open, std::string("tag is never closed: expected ") + want);
      return Error(t.offset, std::string("expected ") + want + ", found '" + std::string(t.text) + "'");
    }
    if (type == Tok::kBlockEnd) {
      AfterBlockEnd(t);
    } else if (t.strip_after) {
      SkipWhitespace();
    }
    return Status::Ok();
  }

  Status ParseTag(Node& block, const Token& name, size_t open) {
    const std::string tag(name.text);
    auto at = static_cast<uint32_t>(open);
    if (tag == "if") return ParseIf(block, at);
    if (tag == "for") return ParseFor(block, at);
    if (tag == "set") return ParseSet(block, at);
    if (tag == "macro") return ParseMacro(block, at);
    if (tag == "call") return ParseCall(block, at);
    if (tag == "filter") return ParseFilterBlock(block, at);
    if (tag == "do") {
      auto node = arena_.New(NodeKind::kDo, at);
      ASSIGN_OR_RETURN(NodePtr expr, ParseExpression());
      node->kids.push_back(std::move(expr));
      RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, open));
      block.kids.push_back(std::move(node));
      return Status::Ok();
    }
    if (tag == "raw" || tag == "verbatim") return ParseRaw(block, tag, open);
    if (tag == "include" || tag == "import" || tag == "from") return ParseImport(block, tag, at);
    static const char* kKnown[] = {"if",     "elif",      "else",  "endif",    "for",   "endfor",
                                   "set",    "endset",    "macro", "endmacro", "call",  "endcall",
                                   "filter", "endfilter", "do",    "raw",      "endraw"};
    for (const char* k : kKnown) {
      if (tag == k) return Error(name.offset, "'{% " + tag + " %}' without a matching opening tag");
    }
    return Error(name.offset, "unknown tag '" + tag + "'")
        .WithHint("tags are if, for, set, macro, call, filter, do, raw, include, import, from");
  }

  // Runs ParseBody with the nesting context for "never closed" errors.
  Status ParseNested(Node& body, std::string_view open_name, size_t open, std::initializer_list<std::string_view> ends,
                     std::string* end_tag) {
    if (++block_depth_ > kMaxBlockDepth)
      return Error(open, "tags nested more than " + std::to_string(kMaxBlockDepth) + " deep");
    std::string saved_name = open_tag_name_;
    size_t saved_open = block_open_;
    open_tag_name_ = std::string(open_name);
    block_open_ = open;
    Status s = ParseBody(body, ends, end_tag);
    open_tag_name_ = saved_name;
    block_open_ = saved_open;
    --block_depth_;
    return s;
  }

  Status ParseIf(Node& block, uint32_t at) {
    auto node = arena_.New(NodeKind::kIf, at);
    ASSIGN_OR_RETURN(NodePtr cond, ParseExpression());
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    while (true) {
      auto body = arena_.New(NodeKind::kBlock, at);
      std::string end;
      RETURN_IF_ERROR(ParseNested(*body, "if", at, {"elif", "elseif", "else", "endif"}, &end));
      node->kids.push_back(std::move(cond));
      node->kids.push_back(std::move(body));
      if (end == "endif") {
        RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
        break;
      }
      if (end == "else") {
        RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
        auto else_body = arena_.New(NodeKind::kBlock, at);
        RETURN_IF_ERROR(ParseNested(*else_body, "if", at, {"endif"}, &end));
        RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
        node->kids.push_back(std::move(else_body));
        node->has_else = true;
        break;
      }
      ASSIGN_OR_RETURN(cond, ParseExpression());  // elif
      RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    }
    block.kids.push_back(std::move(node));
    return Status::Ok();
  }

  Status ParseFor(Node& block, uint32_t at) {
    auto node = arena_.New(NodeKind::kFor, at);
    while (true) {
      ASSIGN_OR_RETURN(Token name, lex_.Next());
      if (name.type != Tok::kName) return Error(name.offset, "expected a loop variable name after 'for'");
      node->names.emplace_back(name.text);
      ASSIGN_OR_RETURN(Token sep, lex_.Peek());
      if (sep.type == Tok::kOp && sep.text == ",") {
        (void)lex_.Next();
        continue;
      }
      break;
    }
    ASSIGN_OR_RETURN(Token in, lex_.Next());
    if (in.type != Tok::kName || in.text != "in") return Error(in.offset, "expected 'in' in for loop");
    // The iterable must not swallow a trailing `if` filter: parse below the
    // conditional-expression level.
    ASSIGN_OR_RETURN(NodePtr iterable, ParseOr());
    NodePtr filter;
    ASSIGN_OR_RETURN(Token maybe_if, lex_.Peek());
    if (maybe_if.type == Tok::kName && maybe_if.text == "if") {
      (void)lex_.Next();
      ASSIGN_OR_RETURN(filter, ParseOr());
    }
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    auto body = arena_.New(NodeKind::kBlock, at);
    std::string end;
    RETURN_IF_ERROR(ParseNested(*body, "for", at, {"else", "endfor"}, &end));
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    NodePtr else_body;
    if (end == "else") {
      else_body = arena_.New(NodeKind::kBlock, at);
      RETURN_IF_ERROR(ParseNested(*else_body, "for", at, {"endfor"}, &end));
      RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    }
    node->kids.push_back(std::move(iterable));
    node->kids.push_back(std::move(body));
    node->kids.push_back(std::move(else_body));
    node->kids.push_back(std::move(filter));
    block.kids.push_back(std::move(node));
    return Status::Ok();
  }

  Status ParseSet(Node& block, uint32_t at) {
    std::vector<std::string> targets;
    std::string attribute;
    while (true) {
      ASSIGN_OR_RETURN(Token name, lex_.Next());
      if (name.type != Tok::kName) return Error(name.offset, "expected a variable name after 'set'");
      targets.emplace_back(name.text);
      ASSIGN_OR_RETURN(Token sep, lex_.Peek());
      if (sep.type == Tok::kOp && sep.text == "." && targets.size() == 1) {
        (void)lex_.Next();
        ASSIGN_OR_RETURN(Token attr, lex_.Next());
        if (attr.type != Tok::kName) return Error(attr.offset, "expected an attribute name after '.'");
        attribute = attr.text;
        break;
      }
      if (sep.type == Tok::kOp && sep.text == ",") {
        (void)lex_.Next();
        continue;
      }
      break;
    }
    ASSIGN_OR_RETURN(Token next, lex_.Peek());
    if (next.type == Tok::kBlockEnd) {
      if (targets.size() != 1 || !attribute.empty()) return Error(next.offset, "block 'set' takes one variable name");
      RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
      auto node = arena_.New(NodeKind::kSetBlock, at);
      node->names = targets;
      auto body = arena_.New(NodeKind::kBlock, at);
      std::string end;
      RETURN_IF_ERROR(ParseNested(*body, "set", at, {"endset"}, &end));
      RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
      node->kids.push_back(std::move(body));
      block.kids.push_back(std::move(node));
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(Token eq, lex_.Next());
    if (eq.type != Tok::kOp || eq.text != "=") return Error(eq.offset, "expected '=' in set");
    auto node = arena_.New(NodeKind::kSet, at);
    node->names = targets;
    node->text = attribute;
    ASSIGN_OR_RETURN(NodePtr value, ParseTupleOrExpression());
    node->kids.push_back(std::move(value));
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    block.kids.push_back(std::move(node));
    return Status::Ok();
  }

  // `a, b` on the right of set builds a list (Jinja tuples).
  Result<NodePtr> ParseTupleOrExpression() {
    ASSIGN_OR_RETURN(NodePtr first, ParseExpression());
    ASSIGN_OR_RETURN(Token sep, lex_.Peek());
    if (sep.type != Tok::kOp || sep.text != ",") return first;
    auto list = arena_.New(NodeKind::kListLit, first->offset);
    list->kids.push_back(std::move(first));
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (t.type != Tok::kOp || t.text != ",") break;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr item, ParseExpression());
      list->kids.push_back(std::move(item));
    }
    RETURN_IF_ERROR(CheckHeight(*list));
    return list;
  }

  // Parses "(a, b=1, ...)" parameter lists for macro and call blocks.
  Status ParseParams(Node& node, bool with_defaults) {
    ASSIGN_OR_RETURN(Token open, lex_.Next());
    if (open.type != Tok::kOp || open.text != "(") return Error(open.offset, "expected '(' with the parameter list");
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Next());
      if (t.type == Tok::kOp && t.text == ")") break;
      if (t.type != Tok::kName) return Error(t.offset, "expected a parameter name");
      node.names.emplace_back(t.text);
      NodePtr def;
      ASSIGN_OR_RETURN(Token next, lex_.Peek());
      if (next.type == Tok::kOp && next.text == "=") {
        (void)lex_.Next();
        ASSIGN_OR_RETURN(def, ParseExpression());
      }
      if (with_defaults) node.kids.push_back(std::move(def));
      ASSIGN_OR_RETURN(Token sep, lex_.Next());
      if (sep.type == Tok::kOp && sep.text == ")") break;
      if (sep.type != Tok::kOp || sep.text != ",") return Error(sep.offset, "expected ',' or ')' in parameter list");
    }
    return Status::Ok();
  }

  Status ParseMacro(Node& block, uint32_t at) {
    auto node = arena_.New(NodeKind::kMacro, at);
    ASSIGN_OR_RETURN(Token name, lex_.Next());
    if (name.type != Tok::kName) return Error(name.offset, "expected a macro name");
    node->text = name.text;
    node->kids.push_back(nullptr);  // body, filled below
    RETURN_IF_ERROR(ParseParams(*node, /*with_defaults=*/true));
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    auto body = arena_.New(NodeKind::kBlock, at);
    std::string end;
    RETURN_IF_ERROR(ParseNested(*body, "macro", at, {"endmacro"}, &end));
    // Jinja allows the macro name after endmacro.
    ASSIGN_OR_RETURN(Token after, lex_.Peek());
    if (after.type == Tok::kName) (void)lex_.Next();
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    node->kids[0] = std::move(body);
    block.kids.push_back(std::move(node));
    return Status::Ok();
  }

  Status ParseCall(Node& block, uint32_t at) {
    auto node = arena_.New(NodeKind::kCallBlock, at);
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (t.type == Tok::kOp && t.text == "(") RETURN_IF_ERROR(ParseParams(*node, /*with_defaults=*/false));
    ASSIGN_OR_RETURN(NodePtr call, ParseExpression());
    if (call->kind != NodeKind::kCall) return Error(call->offset, "'{% call %}' needs a macro call, like call m(x)");
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    auto body = arena_.New(NodeKind::kBlock, at);
    std::string end;
    RETURN_IF_ERROR(ParseNested(*body, "call", at, {"endcall"}, &end));
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    node->kids.push_back(std::move(call));
    node->kids.push_back(std::move(body));
    block.kids.push_back(std::move(node));
    return Status::Ok();
  }

  Status ParseFilterBlock(Node& block, uint32_t at) {
    auto node = arena_.New(NodeKind::kFilterBlock, at);
    // Parse "name(args) | name2" as filters applied to a null placeholder.
    NodePtr chain;
    while (true) {
      ASSIGN_OR_RETURN(chain, ParseFilterCall(std::move(chain)));
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (t.type == Tok::kOp && t.text == "|") {
        (void)lex_.Next();
        continue;
      }
      break;
    }
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    auto body = arena_.New(NodeKind::kBlock, at);
    std::string end;
    RETURN_IF_ERROR(ParseNested(*body, "filter", at, {"endfilter"}, &end));
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    node->kids.push_back(std::move(body));
    node->kids.push_back(std::move(chain));
    block.kids.push_back(std::move(node));
    return Status::Ok();
  }

  // {% include 'f' %}, {% import 'f' as m %}, {% from 'f' import a, b as c %}
  Status ParseImport(Node& block, const std::string& tag, uint32_t at) {
    NodeKind kind = tag == "include" ? NodeKind::kInclude : tag == "import" ? NodeKind::kImport : NodeKind::kFromImport;
    auto node = arena_.New(kind, at);
    ASSIGN_OR_RETURN(NodePtr name, ParseOr());
    node->kids.push_back(std::move(name));
    if (kind == NodeKind::kImport) {
      ASSIGN_OR_RETURN(Token as, lex_.Next());
      if (!AtName(as, "as")) return Error(as.offset, "expected 'as NAME' after the template name");
      ASSIGN_OR_RETURN(Token alias, lex_.Next());
      if (alias.type != Tok::kName) return Error(alias.offset, "expected a name after 'as'");
      node->names.emplace_back(alias.text);
    } else if (kind == NodeKind::kFromImport) {
      ASSIGN_OR_RETURN(Token import, lex_.Next());
      if (!AtName(import, "import")) return Error(import.offset, "expected 'import' after the template name");
      while (true) {
        ASSIGN_OR_RETURN(Token name_tok, lex_.Next());
        if (name_tok.type != Tok::kName) return Error(name_tok.offset, "expected a macro name to import");
        std::string alias(name_tok.text);
        ASSIGN_OR_RETURN(Token next, lex_.Peek());
        if (AtName(next, "as")) {
          (void)lex_.Next();
          ASSIGN_OR_RETURN(Token alias_tok, lex_.Next());
          if (alias_tok.type != Tok::kName) return Error(alias_tok.offset, "expected a name after 'as'");
          alias = alias_tok.text;
          ASSIGN_OR_RETURN(next, lex_.Peek());
        }
        node->names.emplace_back(name_tok.text);
        node->names.push_back(alias);
        if (!AtOp(next, ",")) break;
        (void)lex_.Next();
      }
    }
    // Jinja's "with context"/"without context": floe always passes the context.
    ASSIGN_OR_RETURN(Token maybe, lex_.Peek());
    if (AtName(maybe, "with") || AtName(maybe, "without")) {
      (void)lex_.Next();
      ASSIGN_OR_RETURN(Token ctx, lex_.Next());
      if (!AtName(ctx, "context")) return Error(ctx.offset, "expected 'context'");
    }
    RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
    block.kids.push_back(std::move(node));
    return Status::Ok();
  }

  Status ParseRaw(Node& block, const std::string& tag, size_t open) {
    ASSIGN_OR_RETURN(Token end, lex_.Next());
    if (end.type != Tok::kBlockEnd) return Error(end.offset, "expected '%}' after '" + tag + "'");
    AfterBlockEnd(end);
    std::string end_name = "end" + tag;
    size_t search = lex_.pos;
    while (true) {
      size_t p = src_.find("{%", search);
      if (p == std::string_view::npos)
        return Error(open, "'{% " + tag + " %}' is never closed with '{% " + end_name + " %}'");
      size_t q = p + 2;
      bool strip_before = q < src_.size() && src_[q] == '-';
      if (strip_before) ++q;
      while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
      if (src_.substr(q, end_name.size()) == end_name) {
        size_t r = q + end_name.size();
        while (r < src_.size() && std::isspace(static_cast<unsigned char>(src_[r]))) ++r;
        bool strip_after = r < src_.size() && src_[r] == '-';
        if (strip_after) ++r;
        if (src_.substr(r, 2) == "%}") {
          AddText(block, lex_.pos, p);
          if (strip_before) StripTrailingWhitespace(block);
          lex_.pos = r + 2;
          Token t;
          t.strip_after = strip_after;
          AfterBlockEnd(t);
          return Status::Ok();
        }
      }
      search = p + 2;
    }
  }

  bool AtOp(const Token& t, std::string_view op) const { return t.type == Tok::kOp && t.text == op; }
  bool AtName(const Token& t, std::string_view n) const { return t.type == Tok::kName && t.text == n; }

  // ---------- expressions ----------

  Result<NodePtr> ParseExpression() {
    if (++depth_ > 200) return Error(lex_.pos, "expression nested too deeply");
    auto r = ParseConditional();
    --depth_;
    return r;
  }

  Result<NodePtr> ParseConditional() {
    if (++depth_ > kMaxExpressionHeight) return Error(lex_.pos, "expression nested too deeply");
    auto result = ParseConditionalInner();
    --depth_;
    return result;
  }

  Result<NodePtr> ParseConditionalInner() {
    ASSIGN_OR_RETURN(NodePtr expr, ParseCoalesce());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (AtName(t, "if")) {
        // Jinja: then_value if cond [else other]
        (void)lex_.Next();
        auto node = arena_.New(NodeKind::kCondExpr, t.offset);
        ASSIGN_OR_RETURN(NodePtr cond, ParseCoalesce());
        NodePtr other;
        ASSIGN_OR_RETURN(Token e, lex_.Peek());
        if (AtName(e, "else")) {
          (void)lex_.Next();
          ASSIGN_OR_RETURN(other, ParseConditional());
        }
        node->kids.push_back(std::move(cond));
        node->kids.push_back(std::move(expr));
        node->kids.push_back(std::move(other));
        RETURN_IF_ERROR(CheckHeight(*node));
        expr = std::move(node);
        continue;
      }
      if (AtOp(t, "?")) {
        // Pebble: cond ? a : b
        (void)lex_.Next();
        auto node = arena_.New(NodeKind::kCondExpr, t.offset);
        ASSIGN_OR_RETURN(NodePtr then_value, ParseConditional());
        ASSIGN_OR_RETURN(Token colon, lex_.Next());
        if (!AtOp(colon, ":")) return Error(colon.offset, "expected ':' in 'condition ? a : b'");
        ASSIGN_OR_RETURN(NodePtr other, ParseConditional());
        node->kids.push_back(std::move(expr));
        node->kids.push_back(std::move(then_value));
        node->kids.push_back(std::move(other));
        RETURN_IF_ERROR(CheckHeight(*node));
        expr = std::move(node);
        continue;
      }
      return expr;
    }
  }

  Result<NodePtr> ParseCoalesce() {
    ASSIGN_OR_RETURN(NodePtr left, ParseOr());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (!AtOp(t, "??")) return left;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr right, ParseOr());
      ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kCoalesce, t, std::move(left), std::move(right)));
    }
  }

  Result<NodePtr> MakeBinary(NodeKind kind, const Token& t, NodePtr a, NodePtr b) {
    auto node = arena_.New(kind, t.offset);
    node->text = t.text;
    node->kids.push_back(std::move(a));
    node->kids.push_back(std::move(b));
    RETURN_IF_ERROR(CheckHeight(*node));
    return node;
  }

  // Expression trees stay shallow enough to evaluate (and free) on any
  // stack: a chain like 1+1+1+... or a.b.c.d... longer than the limit is an error.
  static constexpr int kMaxExpressionHeight = 200;
  Status CheckHeight(Node& node) {
    int height = 0;
    for (const auto& kid : node.kids)
      if (kid) height = std::max<int>(height, kid->height);
    node.height = static_cast<uint16_t>(height + 1);
    if (node.height > kMaxExpressionHeight)
      return Error(node.offset, "expression nested more than " + std::to_string(kMaxExpressionHeight) + " levels deep");
    return Status::Ok();
  }

  Result<NodePtr> ParseOr() {
    ASSIGN_OR_RETURN(NodePtr left, ParseAnd());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (!AtName(t, "or") && !AtOp(t, "||")) return left;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr right, ParseAnd());
      ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kOr, t, std::move(left), std::move(right)));
    }
  }

  Result<NodePtr> ParseAnd() {
    ASSIGN_OR_RETURN(NodePtr left, ParseNot());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (!AtName(t, "and")) return left;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr right, ParseNot());
      ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kAnd, t, std::move(left), std::move(right)));
    }
  }

  Result<NodePtr> ParseNot() {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (AtName(t, "not") || AtOp(t, "!")) {
      (void)lex_.Next();
      auto node = arena_.New(NodeKind::kUnary, t.offset);
      node->text = "not";
      if (++depth_ > kMaxExpressionHeight) return Error(t.offset, "expression nested too deeply");
      ASSIGN_OR_RETURN(NodePtr operand, ParseNot());
      --depth_;
      node->kids.push_back(std::move(operand));
      RETURN_IF_ERROR(CheckHeight(*node));
      return node;
    }
    return ParseComparison();
  }

  Result<NodePtr> ParseComparison() {
    ASSIGN_OR_RETURN(NodePtr left, ParseConcat());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (t.type == Tok::kOp &&
          (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">=")) {
        (void)lex_.Next();
        ASSIGN_OR_RETURN(NodePtr right, ParseConcat());
        ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
        continue;
      }
      if (AtName(t, "equals")) {  // Pebble spelling of ==
        (void)lex_.Next();
        ASSIGN_OR_RETURN(NodePtr right, ParseConcat());
        t.text = "==";
        ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
        continue;
      }
      if (AtName(t, "in")) {
        (void)lex_.Next();
        ASSIGN_OR_RETURN(NodePtr right, ParseConcat());
        ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
        continue;
      }
      if (AtName(t, "not")) {
        size_t saved = lex_.pos;
        (void)lex_.Next();
        ASSIGN_OR_RETURN(Token in, lex_.Next());
        if (!AtName(in, "in")) {
          lex_.pos = saved;
          return left;
        }
        ASSIGN_OR_RETURN(NodePtr right, ParseConcat());
        t.text = "not in";
        ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
        continue;
      }
      if (AtName(t, "is")) {
        (void)lex_.Next();
        auto node = arena_.New(NodeKind::kTest, t.offset);
        ASSIGN_OR_RETURN(Token name, lex_.Next());
        if (AtName(name, "not")) {
          node->negated = true;
          ASSIGN_OR_RETURN(name, lex_.Next());
        }
        if (name.type != Tok::kName) return Error(name.offset, "expected a test name after 'is'");
        node->text = name.text;
        // Two-word Pebble tests: "is null", "is empty", "is divisible by(3)".
        node->kids.push_back(std::move(left));
        ASSIGN_OR_RETURN(Token next, lex_.Peek());
        if (AtOp(next, "(")) {
          RETURN_IF_ERROR(ParseArgs(*node));
        } else if (next.type == Tok::kInt || next.type == Tok::kFloat || next.type == Tok::kString ||
                   (next.type == Tok::kName && next.text != "and" && next.text != "or" && next.text != "else" &&
                    next.text != "if" && next.text != "is" && next.text != "not" && next.text != "in")) {
          // Jinja: "x is divisibleby 3", "x is sameas none"
          ASSIGN_OR_RETURN(NodePtr arg, ParsePostfix());
          node->kids.push_back(std::move(arg));
          node->names.emplace_back();
        }
        RETURN_IF_ERROR(CheckHeight(*node));
        left = std::move(node);
        continue;
      }
      return left;
    }
  }

  Result<NodePtr> ParseConcat() {
    ASSIGN_OR_RETURN(NodePtr left, ParseAdditive());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (!AtOp(t, "~")) return left;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr right, ParseAdditive());
      ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
    }
  }

  Result<NodePtr> ParseAdditive() {
    ASSIGN_OR_RETURN(NodePtr left, ParseMultiplicative());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (!AtOp(t, "+") && !AtOp(t, "-")) return left;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr right, ParseMultiplicative());
      ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
    }
  }

  Result<NodePtr> ParseMultiplicative() {
    ASSIGN_OR_RETURN(NodePtr left, ParsePower());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (!AtOp(t, "*") && !AtOp(t, "/") && !AtOp(t, "//") && !AtOp(t, "%")) return left;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr right, ParsePower());
      ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
    }
  }

  // Left-associative, as in Jinja (unlike Python): 2 ** 3 ** 2 is 64.
  Result<NodePtr> ParsePower() {
    ASSIGN_OR_RETURN(NodePtr left, ParseUnary());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (!AtOp(t, "**")) return left;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr right, ParseUnary());
      ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
    }
  }

  // As in Jinja, filters apply to the whole unary expression: -3|abs is 3.
  Result<NodePtr> ParseUnary(bool with_filters = true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    NodePtr result;
    if (AtOp(t, "-") || AtOp(t, "+")) {
      (void)lex_.Next();
      if (++depth_ > 200) return Error(t.offset, "expression nested too deeply");
      auto node = arena_.New(NodeKind::kUnary, t.offset);
      node->text = t.text;
      ASSIGN_OR_RETURN(NodePtr operand, ParseUnary(false));
      --depth_;
      node->kids.push_back(std::move(operand));
      RETURN_IF_ERROR(CheckHeight(*node));
      result = std::move(node);
    } else {
      ASSIGN_OR_RETURN(result, ParsePostfix());
    }
    if (!with_filters) return result;
    return ParseFilters(std::move(result));
  }

  Result<NodePtr> ParseFilters(NodePtr input) {
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (!AtOp(t, "|")) return input;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(input, ParseFilterCall(std::move(input)));
    }
  }

  // name or name(args), applied to `input` (null inside {% filter %}).
  Result<NodePtr> ParseFilterCall(NodePtr input) {
    ASSIGN_OR_RETURN(Token name, lex_.Next());
    if (name.type != Tok::kName) return Error(name.offset, "expected a filter name after '|'");
    auto node = arena_.New(NodeKind::kFilter, name.offset);
    node->text = name.text;
    node->kids.push_back(std::move(input));
    ASSIGN_OR_RETURN(Token next, lex_.Peek());
    if (AtOp(next, "(")) RETURN_IF_ERROR(ParseArgs(*node));
    RETURN_IF_ERROR(CheckHeight(*node));
    return node;
  }

  // "(a, b, k=v)": appends args to node.kids and keyword names to node.names.
  Status ParseArgs(Node& node) {
    ASSIGN_OR_RETURN(Token open, lex_.Next());
    if (!AtOp(open, "(")) return Error(open.offset, "expected '('");
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (AtOp(t, ")")) {
        (void)lex_.Next();
        return Status::Ok();
      }
      std::string keyword;
      if (t.type == Tok::kName) {
        size_t saved = lex_.pos;
        (void)lex_.Next();
        ASSIGN_OR_RETURN(Token eq, lex_.Peek());
        if (AtOp(eq, "=")) {
          (void)lex_.Next();
          keyword = t.text;
        } else {
          lex_.pos = saved;
        }
      }
      ASSIGN_OR_RETURN(NodePtr arg, ParseExpression());
      node.kids.push_back(std::move(arg));
      node.names.push_back(keyword);
      ASSIGN_OR_RETURN(Token sep, lex_.Next());
      if (AtOp(sep, ")")) return Status::Ok();
      if (!AtOp(sep, ",")) {
        if (sep.type == Tok::kEnd || sep.type == Tok::kVarEnd || sep.type == Tok::kBlockEnd)
          return Error(open.offset, "'(' is never closed");
        return Error(sep.offset, "expected ',' or ')' in argument list, found '" + std::string(sep.text) + "'");
      }
    }
  }

  Result<NodePtr> ParsePostfix() {
    ASSIGN_OR_RETURN(NodePtr expr, ParsePrimary());
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (AtOp(t, ".")) {
        (void)lex_.Next();
        ASSIGN_OR_RETURN(Token name, lex_.Next());
        if (name.type != Tok::kName && name.type != Tok::kInt)
          return Error(name.offset, "expected an attribute name after '.'");
        auto node = arena_.New(NodeKind::kAttr, name.offset);
        node->text = name.text;
        node->kids.push_back(std::move(expr));
        RETURN_IF_ERROR(CheckHeight(*node));
        expr = std::move(node);
      } else if (AtOp(t, "[")) {
        (void)lex_.Next();
        RETURN_IF_ERROR(ParseSubscript(expr, t));
      } else if (AtOp(t, "(")) {
        auto node = arena_.New(NodeKind::kCall, t.offset);
        node->kids.push_back(std::move(expr));
        RETURN_IF_ERROR(ParseArgs(*node));
        RETURN_IF_ERROR(CheckHeight(*node));
        expr = std::move(node);
      } else {
        return expr;
      }
    }
  }

  Status ParseSubscript(NodePtr& expr, const Token& open) {
    NodePtr parts[3];
    int part = 0;
    bool is_slice = false;
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (AtOp(t, "]")) {
        (void)lex_.Next();
        break;
      }
      if (AtOp(t, ":")) {
        (void)lex_.Next();
        is_slice = true;
        if (++part > 2) return Error(t.offset, "a slice has at most start:stop:step");
        continue;
      }
      if (parts[part]) return Error(t.offset, "expected ']'");
      ASSIGN_OR_RETURN(parts[part], ParseExpression());
      ASSIGN_OR_RETURN(Token after, lex_.Peek());
      if (after.type == Tok::kEnd || after.type == Tok::kVarEnd || after.type == Tok::kBlockEnd)
        return Error(open.offset, "'[' is never closed");
    }
    if (!is_slice) {
      if (!parts[0]) return Error(open.offset, "empty index '[]'");
      auto node = arena_.New(NodeKind::kIndex, open.offset);
      node->kids.push_back(std::move(expr));
      node->kids.push_back(std::move(parts[0]));
      RETURN_IF_ERROR(CheckHeight(*node));
      expr = std::move(node);
      return Status::Ok();
    }
    auto node = arena_.New(NodeKind::kSlice, open.offset);
    node->kids.push_back(std::move(expr));
    for (auto& p : parts) node->kids.push_back(std::move(p));
    RETURN_IF_ERROR(CheckHeight(*node));
    expr = std::move(node);
    return Status::Ok();
  }

  Result<NodePtr> ParsePrimary() {
    ASSIGN_OR_RETURN(Token t, lex_.Next());
    switch (t.type) {
      case Tok::kInt: {
        auto node = arena_.New(NodeKind::kLiteral, t.offset);
        errno = 0;
        long long v = std::strtoll(std::string(t.value).c_str(), nullptr, 10);
        if (errno == ERANGE) {
          node->literal = Value(std::strtod(std::string(t.value).c_str(), nullptr));
        } else {
          node->literal = Value(static_cast<int64_t>(v));
        }
        return node;
      }
      case Tok::kFloat: {
        auto node = arena_.New(NodeKind::kLiteral, t.offset);
        node->literal = Value(std::strtod(std::string(t.value).c_str(), nullptr));
        return node;
      }
      case Tok::kString: {
        auto node = arena_.New(NodeKind::kLiteral, t.offset);
        node->literal = Value(t.value);
        // Adjacent string literals concatenate, as in Jinja.
        while (true) {
          ASSIGN_OR_RETURN(Token next, lex_.Peek());
          if (next.type != Tok::kString) break;
          (void)lex_.Next();
          node->literal = Value(node->literal.AsString() + std::string(next.value));
        }
        return node;
      }
      case Tok::kName: {
        auto node = arena_.New(NodeKind::kLiteral, t.offset);
        if (t.text == "true" || t.text == "True") {
          node->literal = Value(true);
        } else if (t.text == "false" || t.text == "False") {
          node->literal = Value(false);
        } else if (t.text == "null" || t.text == "none" || t.text == "None") {
          node->literal = Value();
        } else {
          node->kind = NodeKind::kName;
          node->text = t.text;
        }
        return node;
      }
      case Tok::kOp:
        if (t.text == "(") {
          ASSIGN_OR_RETURN(NodePtr inner, ParseTupleOrExpression());
          ASSIGN_OR_RETURN(Token close, lex_.Next());
          if (!AtOp(close, ")")) return Error(t.offset, "'(' is never closed");
          return inner;
        }
        if (t.text == "[") return ParseListLiteral(t);
        if (t.text == "{") return ParseMapLiteral(t);
        return Error(t.offset, "unexpected '" + std::string(t.text) + "' where a value was expected");
      case Tok::kEnd:
        return Error(t.offset, "template ends where a value was expected");
      case Tok::kVarEnd:
      case Tok::kBlockEnd:
        return Error(t.offset, "expected a value before '" + std::string(t.text) + "'");
    }
    return Error(t.offset, "unexpected token");
  }

  Result<NodePtr> ParseListLiteral(const Token& open) {
    auto node = arena_.New(NodeKind::kListLit, open.offset);
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (AtOp(t, "]")) {
        (void)lex_.Next();
        return node;
      }
      ASSIGN_OR_RETURN(NodePtr item, ParseExpression());
      node->kids.push_back(std::move(item));
      ASSIGN_OR_RETURN(Token sep, lex_.Next());
      if (AtOp(sep, "]")) {
        RETURN_IF_ERROR(CheckHeight(*node));
        return node;
      }
      if (!AtOp(sep, ",")) return Error(sep.offset, "expected ',' or ']' in list");
    }
  }

  Result<NodePtr> ParseMapLiteral(const Token& open) {
    auto node = arena_.New(NodeKind::kMapLit, open.offset);
    while (true) {
      ASSIGN_OR_RETURN(Token t, lex_.Peek());
      if (AtOp(t, "}")) {
        (void)lex_.Next();
        return node;
      }
      NodePtr key;
      if (t.type == Tok::kName) {
        // Bare keys are strings, as in Pebble/JS: {a: 1}
        size_t saved = lex_.pos;
        (void)lex_.Next();
        ASSIGN_OR_RETURN(Token colon, lex_.Peek());
        if (AtOp(colon, ":")) {
          key = arena_.New(NodeKind::kLiteral, t.offset);
          key->literal = Value(t.text);
        } else {
          lex_.pos = saved;
        }
      }
      if (!key) {
        ASSIGN_OR_RETURN(key, ParseExpression());
      }
      ASSIGN_OR_RETURN(Token colon, lex_.Next());
      if (!AtOp(colon, ":")) return Error(colon.offset, "expected ':' after a map key");
      ASSIGN_OR_RETURN(NodePtr value, ParseExpression());
      node->kids.push_back(std::move(key));
      node->kids.push_back(std::move(value));
      ASSIGN_OR_RETURN(Token sep, lex_.Next());
      if (AtOp(sep, "}")) {
        RETURN_IF_ERROR(CheckHeight(*node));
        return node;
      }
      if (sep.type == Tok::kVarEnd && !sep.strip_after) {
        // "}}" closing a nested map inside {{ }}: take one brace, leave one.
        lex_.pos = sep.offset + 1;
        return node;
      }
      if (!AtOp(sep, ",")) return Error(sep.offset, "expected ',' or '}' in map");
    }
  }

  std::string_view src_;
  const SourceOrigin& origin_;
  bool trim_blocks_;
  Lexer lex_;
  NodeArena& arena_;
  size_t tag_offset_ = 0;
  size_t block_open_ = 0;
  std::string open_tag_name_;
  int depth_ = 0;
  static constexpr int kMaxBlockDepth = 100;
  int block_depth_ = 0;
};

}  // namespace

Result<NodePtr> ParseTemplate(std::string_view source, const SourceOrigin& origin, bool trim_blocks, NodeArena& arena) {
  Parser parser(source, origin, trim_blocks, arena);
  return parser.Run();
}

}  // namespace floe::tmpl
