// Recursive-descent parser for template expressions (see parser_impl.h for
// the precedence ladder).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>

#include "tmpl/internal/parser_impl.h"

namespace floe::tmpl {

Result<NodePtr> Parser::ParseExpression() {
  if (++depth_ > 200) return Error(lex_.pos, "expression nested too deeply");
  auto r = ParseConditional();
  --depth_;
  return r;
}

Result<NodePtr> Parser::ParseConditional() {
  if (++depth_ > kMaxExpressionHeight) return Error(lex_.pos, "expression nested too deeply");
  auto result = ParseConditionalInner();
  --depth_;
  return result;
}

Result<NodePtr> Parser::ParseConditionalInner() {
  const bool pebble = dialect_ == Dialect::kPebble;
  ASSIGN_OR_RETURN(NodePtr expr, pebble ? ParsePebble(0) : ParseCoalesce());
  while (true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (AtName(t, "if")) {
      // Jinja: then_value if cond [else other] (accepted in Pebble too)
      (void)lex_.Next();
      auto node = arena_.New(NodeKind::kCondExpr, t.offset);
      ASSIGN_OR_RETURN(NodePtr cond, pebble ? ParsePebble(0) : ParseCoalesce());
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

Result<NodePtr> Parser::ParseCoalesce() {
  ASSIGN_OR_RETURN(NodePtr left, ParseOr());
  while (true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (!AtOp(t, "??")) return left;
    (void)lex_.Next();
    ASSIGN_OR_RETURN(NodePtr right, ParseOr());
    ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kCoalesce, t, std::move(left), std::move(right)));
  }
}

Result<NodePtr> Parser::MakeBinary(NodeKind kind, const Token& t, NodePtr a, NodePtr b) {
  auto node = arena_.New(kind, t.offset);
  node->text = t.text;
  node->kids.push_back(std::move(a));
  node->kids.push_back(std::move(b));
  RETURN_IF_ERROR(CheckHeight(*node));
  return node;
}

Status Parser::CheckHeight(Node& node) {
  int height = 0;
  for (const auto& kid : node.kids)
    if (kid) height = std::max<int>(height, kid->height);
  node.height = static_cast<uint16_t>(height + 1);
  if (node.height > kMaxExpressionHeight)
    return Error(node.offset, "expression nested more than " + std::to_string(kMaxExpressionHeight) + " levels deep");
  return Status::Ok();
}

Result<NodePtr> Parser::ParseOr() {
  ASSIGN_OR_RETURN(NodePtr left, ParseAnd());
  while (true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (!AtName(t, "or") && !AtOp(t, "||")) return left;
    (void)lex_.Next();
    ASSIGN_OR_RETURN(NodePtr right, ParseAnd());
    ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kOr, t, std::move(left), std::move(right)));
  }
}

Result<NodePtr> Parser::ParseAnd() {
  ASSIGN_OR_RETURN(NodePtr left, ParseNot());
  while (true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (!AtName(t, "and")) return left;
    (void)lex_.Next();
    ASSIGN_OR_RETURN(NodePtr right, ParseNot());
    ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kAnd, t, std::move(left), std::move(right)));
  }
}

Result<NodePtr> Parser::ParseNot() {
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

Result<NodePtr> Parser::ParseComparison() {
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
      ASSIGN_OR_RETURN(left, ParseTest(std::move(left), t));
      continue;
    }
    return left;
  }
}

Result<NodePtr> Parser::ParseTest(NodePtr left, const Token& t) {
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
  } else if (next.type == Tok::kInt || next.type == Tok::kFloat || next.type == Tok::kString || AtOp(next, "[") ||
             AtOp(next, "{") ||
             (next.type == Tok::kName && next.text != "and" && next.text != "or" && next.text != "else" &&
              next.text != "if" && next.text != "is" && next.text != "not" && next.text != "in")) {
    // Jinja: "x is divisibleby 3", "x is sameas none"
    ASSIGN_OR_RETURN(NodePtr arg, ParsePostfix());
    node->kids.push_back(std::move(arg));
    node->names.emplace_back();
  }
  RETURN_IF_ERROR(CheckHeight(*node));
  return node;
}

namespace {

struct PebbleOperator {
  int precedence;
  NodeKind kind;
};

// Pebble's binary operators (CoreExtension; `??`, `???` from Kestra).
std::optional<PebbleOperator> PebbleBinary(const Token& t) {
  static const std::pair<std::string_view, PebbleOperator> kOps[] = {
      {"or", {10, NodeKind::kOr}},         {"||", {10, NodeKind::kOr}},           {"and", {15, NodeKind::kAnd}},
      {"is", {20, NodeKind::kTest}},       {"contains", {20, NodeKind::kBinary}}, {"in", {20, NodeKind::kBinary}},
      {"==", {30, NodeKind::kBinary}},     {"!=", {30, NodeKind::kBinary}},       {"<", {30, NodeKind::kBinary}},
      {">", {30, NodeKind::kBinary}},      {"<=", {30, NodeKind::kBinary}},       {">=", {30, NodeKind::kBinary}},
      {"equals", {30, NodeKind::kBinary}}, {"+", {40, NodeKind::kBinary}},        {"-", {40, NodeKind::kBinary}},
      {"*", {60, NodeKind::kBinary}},      {"/", {60, NodeKind::kBinary}},        {"//", {60, NodeKind::kBinary}},
      {"%", {60, NodeKind::kBinary}},      {"**", {60, NodeKind::kBinary}},       {"|", {100, NodeKind::kFilter}},
      {"~", {110, NodeKind::kBinary}},     {"..", {120, NodeKind::kBinary}},      {"??", {120, NodeKind::kCoalesce}},
      {"???", {120, NodeKind::kCoalesce}},
  };
  if (t.type != Tok::kOp && t.type != Tok::kName) return std::nullopt;
  for (const auto& [text, op] : kOps)
    if (t.text == text) return op;
  return std::nullopt;
}

}  // namespace

Result<NodePtr> Parser::ParsePebble(int min_precedence) {
  if (++depth_ > kMaxExpressionHeight) return Error(lex_.pos, "expression nested too deeply");
  struct Leave {
    int& depth;
    ~Leave() { --depth; }
  } leave{depth_};
  ASSIGN_OR_RETURN(Token t, lex_.Peek());
  NodePtr left;
  if (AtName(t, "not") || AtOp(t, "!") || AtOp(t, "-") || AtOp(t, "+")) {
    // Pebble's `not` (precedence 5) takes a whole `and`/`or` chain; `-`
    // and `+` (500) only what follows them.
    (void)lex_.Next();
    bool negation = AtName(t, "not") || AtOp(t, "!");
    auto node = arena_.New(NodeKind::kUnary, t.offset);
    node->text = negation ? "not" : std::string(t.text);
    ASSIGN_OR_RETURN(NodePtr operand, ParsePebble(negation ? 5 : 500));
    node->kids.push_back(std::move(operand));
    RETURN_IF_ERROR(CheckHeight(*node));
    left = std::move(node);
  } else {
    ASSIGN_OR_RETURN(left, ParsePostfix());
  }
  while (true) {
    ASSIGN_OR_RETURN(Token op_token, lex_.Peek());
    if (AtName(op_token, "not")) {  // `not in` (a floe extension, as `in`)
      size_t saved = lex_.pos;
      (void)lex_.Next();
      ASSIGN_OR_RETURN(Token in, lex_.Next());
      lex_.pos = saved;
      if (!AtName(in, "in") || 20 < min_precedence) return left;
      (void)lex_.Next();
      (void)lex_.Next();
      ASSIGN_OR_RETURN(NodePtr right, ParsePebble(21));
      op_token.text = "not in";
      ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, op_token, std::move(left), std::move(right)));
      continue;
    }
    std::optional<PebbleOperator> op = PebbleBinary(op_token);
    if (!op || op->precedence < min_precedence) return left;
    (void)lex_.Next();
    if (op->kind == NodeKind::kFilter) {
      ASSIGN_OR_RETURN(left, ParseFilterCall(std::move(left)));
      continue;
    }
    if (op->kind == NodeKind::kTest) {
      ASSIGN_OR_RETURN(left, ParseTest(std::move(left), op_token));
      continue;
    }
    ASSIGN_OR_RETURN(NodePtr right, ParsePebble(op->precedence + 1));  // left-associative
    if (op_token.text == "equals") op_token.text = "==";
    ASSIGN_OR_RETURN(left, MakeBinary(op->kind, op_token, std::move(left), std::move(right)));
  }
}

Result<NodePtr> Parser::ParseInterpolated(const Token& t) {
  // t.text is the whole literal with its quotes: "a #{ x } b".
  const size_t begin = t.offset + 1, end = t.offset + t.text.size() - 1;
  NodePtr result;
  auto append = [&](NodePtr part) -> Status {
    if (!result) {
      result = std::move(part);
      return Status::Ok();
    }
    Token concat = t;
    concat.text = "~";
    ASSIGN_OR_RETURN(result, MakeBinary(NodeKind::kBinary, concat, std::move(result), std::move(part)));
    return Status::Ok();
  };
  size_t at = begin;
  while (at < end) {
    size_t open = src_.find("#{", at);
    if (open == std::string_view::npos || open >= end) open = end;
    if (open > at) {
      auto text = arena_.New(NodeKind::kLiteral, static_cast<uint32_t>(at));
      text->literal = Value(std::string(src_.substr(at, open - at)));  // as Pebble: escapes kept as written
      RETURN_IF_ERROR(append(std::move(text)));
    }
    if (open == end) break;
    size_t saved = lex_.pos;
    lex_.pos = open + 2;
    ASSIGN_OR_RETURN(NodePtr expr, ParseExpression());
    ASSIGN_OR_RETURN(Token close, lex_.Next());
    if (!AtOp(close, "}")) return Error(close.offset, "expected '}' to close '#{'");
    at = lex_.pos;
    lex_.pos = saved;
    RETURN_IF_ERROR(append(std::move(expr)));
  }
  if (!result) {
    result = arena_.New(NodeKind::kLiteral, t.offset);
    result->literal = Value(std::string());
  }
  return result;
}

Result<NodePtr> Parser::ParseConcat() {
  ASSIGN_OR_RETURN(NodePtr left, ParseAdditive());
  while (true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (!AtOp(t, "~")) return left;
    (void)lex_.Next();
    ASSIGN_OR_RETURN(NodePtr right, ParseAdditive());
    ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
  }
}

Result<NodePtr> Parser::ParseAdditive() {
  ASSIGN_OR_RETURN(NodePtr left, ParseMultiplicative());
  while (true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (!AtOp(t, "+") && !AtOp(t, "-")) return left;
    (void)lex_.Next();
    ASSIGN_OR_RETURN(NodePtr right, ParseMultiplicative());
    ASSIGN_OR_RETURN(left, MakeBinary(NodeKind::kBinary, t, std::move(left), std::move(right)));
  }
}

Result<NodePtr> Parser::ParseMultiplicative() {
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
Result<NodePtr> Parser::ParsePower() {
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
Result<NodePtr> Parser::ParseUnary(bool with_filters) {
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

Result<NodePtr> Parser::ParseFilters(NodePtr input) {
  while (true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (!AtOp(t, "|")) return input;
    (void)lex_.Next();
    ASSIGN_OR_RETURN(input, ParseFilterCall(std::move(input)));
  }
}

// name or name(args), applied to `input` (null inside {% filter %}).
Result<NodePtr> Parser::ParseFilterCall(NodePtr input) {
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
Status Parser::ParseArgs(Node& node) {
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

Result<NodePtr> Parser::ParsePostfix() {
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

Status Parser::ParseSubscript(NodePtr& expr, const Token& open) {
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

Result<NodePtr> Parser::ParsePrimary() {
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
      if (t.interpolated) return ParseInterpolated(t);
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

Result<NodePtr> Parser::ParseListLiteral(const Token& open) {
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

Result<NodePtr> Parser::ParseMapLiteral(const Token& open) {
  auto node = arena_.New(NodeKind::kMapLit, open.offset);
  while (true) {
    ASSIGN_OR_RETURN(Token t, lex_.Peek());
    if (AtOp(t, "}")) {
      (void)lex_.Next();
      return node;
    }
    if (t.type == Tok::kVarEnd && !t.strip_after) {
      // "}}" closing an empty map inside {{ }}: take one brace, leave one.
      lex_.pos = t.offset + 1;
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

}  // namespace floe::tmpl
