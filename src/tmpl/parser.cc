// Recursive-descent parser for Pebble/Jinja templates: the template level
// (text, {{ }}, {# #}, and every {% tag %}). Expressions: parse_expressions.cc.
#include "tmpl/internal/parser.h"

#include <cctype>
#include <cstring>
#include <functional>

#include "tmpl/internal/parser_impl.h"

namespace floe::tmpl {

Result<NodePtr> Parser::Run() {
  auto root = arena_.New(NodeKind::kBlock, 0);
  std::string end_tag;
  RETURN_IF_ERROR(ParseBody(*root, {}, &end_tag));
  if (!end_tag.empty()) return Error(tag_offset_, "unexpected '{% " + end_tag + " %}'");
  return root;
}

Status Parser::Error(size_t offset, std::string message) const {
  return TemplateError(src_, origin_, offset, std::move(message));
}

// Parses statements into `block` until EOF or a tag whose name is in `ends`;
// that tag's name is stored in *end_tag (empty at EOF) and the cursor is
// left just after the tag name.
Status Parser::ParseBody(Node& block, std::initializer_list<std::string_view> ends, std::string* end_tag) {
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

size_t Parser::FindTagOpen(size_t from) const {
  while (true) {
    size_t p = src_.find('{', from);
    if (p == std::string_view::npos || p + 1 >= src_.size()) return std::string_view::npos;
    char c = src_[p + 1];
    if (c == '{' || c == '%' || c == '#') return p;
    from = p + 1;
  }
}

void Parser::AddText(Node& block, size_t begin, size_t end) {
  auto text = arena_.New(NodeKind::kText, static_cast<uint32_t>(begin));
  text->span = src_.substr(begin, end - begin);
  block.kids.push_back(std::move(text));
}

void Parser::StripTrailingWhitespace(Node& block) {
  if (block.kids.empty() || block.kids.back()->kind != NodeKind::kText) return;
  std::string_view& t = block.kids.back()->span;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
}

void Parser::SkipWhitespace() {
  while (lex_.pos < src_.size() && std::isspace(static_cast<unsigned char>(src_[lex_.pos]))) ++lex_.pos;
}

// After a block tag's %}: -%} strips all following whitespace. Newlines
// after tags are otherwise kept, in both dialects: Kestra builds its Pebble
// engine with newLineTrimming(false), and dbt's Jinja leaves trim_blocks off.
void Parser::AfterBlockEnd(const Token& end) {
  if (end.strip_after) SkipWhitespace();
}

Status Parser::ExpectEnd(Tok type, size_t open) {
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

Status Parser::ParseTag(Node& block, const Token& name, size_t open) {
  const std::string tag(name.text);
  auto at = static_cast<uint32_t>(open);
  if (tag == "if") return ParseIf(block, at);
  if (tag == "for") return ParseFor(block, at);
  if (tag == "set") return ParseSet(block, at);
  if (tag == "macro" || tag == "test" || tag == "materialization" || tag == "docs" || tag == "snapshot")
    return ParseMacro(block, at, tag);
  if (tag == "break" || tag == "continue") return ParseLoopControl(block, tag, at);
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
  static const char* kKnown[] = {
      "if",     "elif",  "else",     "endif",   "for",     "endfor",      "set",
      "endset", "macro", "endmacro", "call",    "endcall", "filter",      "endfilter",
      "do",     "raw",   "endraw",   "endtest", "enddocs", "endsnapshot", "endmaterialization"};
  for (const char* k : kKnown) {
    if (tag == k) return Error(name.offset, "'{% " + tag + " %}' without a matching opening tag");
  }
  return Error(name.offset, "unknown tag '" + tag + "'")
      .WithHint(
          "tags are if, for, break, continue, set, macro, call, filter, do, raw, include, import, from, and dbt's "
          "test, materialization, docs, snapshot");
}

// Runs ParseBody with the nesting context for "never closed" errors.
Status Parser::ParseNested(Node& body, std::string_view open_name, size_t open,
                           std::initializer_list<std::string_view> ends, std::string* end_tag) {
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

Status Parser::ParseIf(Node& block, uint32_t at) {
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

Status Parser::ParseFor(Node& block, uint32_t at) {
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
  ASSIGN_OR_RETURN(NodePtr iterable, dialect_ == Dialect::kPebble ? ParsePebble(0) : ParseOr());
  NodePtr filter;
  ASSIGN_OR_RETURN(Token maybe_if, lex_.Peek());
  if (maybe_if.type == Tok::kName && maybe_if.text == "if") {
    (void)lex_.Next();
    ASSIGN_OR_RETURN(filter, ParseOr());
  }
  RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
  auto body = arena_.New(NodeKind::kBlock, at);
  std::string end;
  ++loop_depth_;
  Status body_status = ParseNested(*body, "for", at, {"else", "endfor"}, &end);
  --loop_depth_;
  RETURN_IF_ERROR(body_status);
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

Status Parser::ParseSet(Node& block, uint32_t at) {
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
Result<NodePtr> Parser::ParseTupleOrExpression() {
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
Status Parser::ParseParams(Node& node, bool with_defaults) {
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

Status Parser::ParseMacro(Node& block, uint32_t at, const std::string& tag) {
  const bool top_level = block_depth_ == 0;
  if (tag != "macro" && !top_level)
    return Error(at, "'{% " + tag + " %}' must be at the top level of the file, not inside another tag");
  auto node = arena_.New(NodeKind::kMacro, at);
  ASSIGN_OR_RETURN(Token name, lex_.Next());
  if (name.type != Tok::kName) return Error(name.offset, "expected a " + tag + " name after '{% " + tag + "'");
  ParsedBlock parsed;
  TemplateBlock& info = parsed.block;
  info.name = name.text;
  node->kids.push_back(nullptr);  // body, filled below
  if (tag == "macro" || tag == "test") {
    info.kind = tag == "macro" ? TemplateBlock::Kind::kMacro : TemplateBlock::Kind::kTest;
    info.macro_name = tag == "macro" ? info.name : "test_" + info.name;
    RETURN_IF_ERROR(ParseParams(*node, /*with_defaults=*/true));
  } else if (tag == "materialization") {
    info.kind = TemplateBlock::Kind::kMaterialization;
    info.adapter = "default";
    RETURN_IF_ERROR(ParseMaterializationOptions(*node, info.adapter));
    info.macro_name = "materialization_" + info.name + "_" + info.adapter;
  } else {
    info.kind = tag == "docs" ? TemplateBlock::Kind::kDocs : TemplateBlock::Kind::kSnapshot;
    info.macro_name = tag + "_" + info.name;
  }
  node->text = info.macro_name;
  info.params = node->names;
  RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
  parsed.body_begin = lex_.pos;
  auto body = arena_.New(NodeKind::kBlock, at);
  std::string end;
  const std::string end_name = "end" + tag;
  // A macro body is its own scope for break/continue.
  int saved_loop_depth = loop_depth_;
  loop_depth_ = 0;
  Status body_status = ParseNested(*body, tag, at, {end_name}, &end);
  loop_depth_ = saved_loop_depth;
  RETURN_IF_ERROR(body_status);
  parsed.body_end = tag_offset_;
  // Jinja allows the macro name after endmacro.
  ASSIGN_OR_RETURN(Token after, lex_.Peek());
  if (after.type == Tok::kName) (void)lex_.Next();
  RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
  // Jinja's rule: a macro takes keyword arguments it does not declare only
  // when its body reads `kwargs`.
  std::function<bool(const Node&)> reads_kwargs = [&](const Node& n) {
    if (n.kind == NodeKind::kName && n.text == "kwargs") return true;
    for (const auto& kid : n.kids)
      if (kid && reads_kwargs(*kid)) return true;
    return false;
  };
  node->catch_kwargs = reads_kwargs(*body);
  node->kids[0] = std::move(body);
  parsed.macro = node.get();
  if (top_level && blocks_) blocks_->push_back(std::move(parsed));
  block.kids.push_back(std::move(node));
  return Status::Ok();
}

// As dbt's MaterializationExtension: `default` (optionally `default=...`),
// `adapter='name'`, `supported_languages=[...]`, each after a comma.
Status Parser::ParseMaterializationOptions(Node& node, std::string& adapter) {
  while (true) {
    ASSIGN_OR_RETURN(Token sep, lex_.Peek());
    if (!AtOp(sep, ",")) return Status::Ok();
    (void)lex_.Next();
    ASSIGN_OR_RETURN(Token option, lex_.Next());
    ASSIGN_OR_RETURN(Token eq, lex_.Peek());
    bool has_value = AtOp(eq, "=");
    if (has_value) (void)lex_.Next();
    if (AtName(option, "default")) {
      if (has_value) {
        ASSIGN_OR_RETURN(NodePtr ignored, ParseExpression());
        (void)ignored;
      }
    } else if (AtName(option, "adapter")) {
      ASSIGN_OR_RETURN(Token value, lex_.Next());
      if (!has_value || value.type != Tok::kString)
        return Error(option.offset, "expected adapter='name' in '{% materialization %}'");
      adapter = value.value;
    } else if (AtName(option, "supported_languages") && has_value) {
      node.names.emplace_back(option.text);
      ASSIGN_OR_RETURN(NodePtr languages, ParseExpression());
      node.kids.push_back(std::move(languages));
    } else {
      return Error(option.offset, "unknown materialization option '" + std::string(option.text) + "'")
          .WithHint("options are default, adapter='name' and supported_languages=[...]");
    }
  }
}

Status Parser::ParseLoopControl(Node& block, const std::string& tag, uint32_t at) {
  if (loop_depth_ == 0) return Error(at, "'{% " + tag + " %}' outside a for loop");
  block.kids.push_back(arena_.New(tag == "break" ? NodeKind::kBreak : NodeKind::kContinue, at));
  return ExpectEnd(Tok::kBlockEnd, at);
}

Status Parser::ParseCall(Node& block, uint32_t at) {
  auto node = arena_.New(NodeKind::kCallBlock, at);
  ASSIGN_OR_RETURN(Token t, lex_.Peek());
  if (t.type == Tok::kOp && t.text == "(") RETURN_IF_ERROR(ParseParams(*node, /*with_defaults=*/false));
  ASSIGN_OR_RETURN(NodePtr call, ParseExpression());
  if (call->kind != NodeKind::kCall) return Error(call->offset, "'{% call %}' needs a macro call, like call m(x)");
  RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
  auto body = arena_.New(NodeKind::kBlock, at);
  std::string end;
  int saved_loop_depth = loop_depth_;
  loop_depth_ = 0;  // the caller body is a macro of its own
  Status body_status = ParseNested(*body, "call", at, {"endcall"}, &end);
  loop_depth_ = saved_loop_depth;
  RETURN_IF_ERROR(body_status);
  RETURN_IF_ERROR(ExpectEnd(Tok::kBlockEnd, at));
  node->kids.push_back(std::move(call));
  node->kids.push_back(std::move(body));
  block.kids.push_back(std::move(node));
  return Status::Ok();
}

Status Parser::ParseFilterBlock(Node& block, uint32_t at) {
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
Status Parser::ParseImport(Node& block, const std::string& tag, uint32_t at) {
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

Status Parser::ParseRaw(Node& block, const std::string& tag, size_t open) {
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

Result<NodePtr> ParseTemplate(std::string_view source, const SourceOrigin& origin, const Environment& env,
                              NodeArena& arena, std::vector<ParsedBlock>* blocks) {
  Parser parser(source, origin, env.dialect, arena, blocks);
  return parser.Run();
}

}  // namespace floe::tmpl
