#include "tmpl/internal/lexer.h"

#include <cctype>
#include <cstring>

#include "core/strings.h"

namespace floe::tmpl {

Result<Token> Lexer::Peek() {
  size_t saved = pos;
  auto t = Next();
  pos = saved;
  return t;
}

// The parser peeks at most tokens before taking them: remember the last one
// lexed, keyed by where it started (the source never changes).
Result<Token> Lexer::Next() {
  if (cached_ && cached_start_ == pos) {
    pos = cached_end_;
    return cached_token_;
  }
  size_t start = pos;
  auto t = Lex();
  if (t.ok()) {
    cached_ = true;
    cached_start_ = start;
    cached_end_ = pos;
    cached_token_ = *t;
  }
  return t;
}

Result<Token> Lexer::Lex() {
  while (pos < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos]))) ++pos;
  Token t;
  t.offset = static_cast<uint32_t>(pos);
  if (pos >= src_.size()) return t;
  char c = src_[pos];
  auto rest = src_.substr(pos);
  if (rest.starts_with("-%}") || rest.starts_with("%}")) {
    t.type = Tok::kBlockEnd;
    t.strip_after = c == '-';
    pos += c == '-' ? 3 : 2;
    t.text = "%}";
    return t;
  }
  if (rest.starts_with("-}}") || rest.starts_with("}}")) {
    t.type = Tok::kVarEnd;
    t.strip_after = c == '-';
    pos += c == '-' ? 3 : 2;
    t.text = "}}";
    return t;
  }
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    size_t e = pos;
    while (e < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
    t.type = Tok::kName;
    t.text = src_.substr(pos, e - pos);
    pos = e;
    return t;
  }
  if (std::isdigit(static_cast<unsigned char>(c))) {
    size_t e = pos;
    while (e < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
    bool is_float = false;
    if (e + 1 < src_.size() && src_[e] == '.' && std::isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      is_float = true;
      ++e;
      while (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) ++e;
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t f = e + 1;
      if (f < src_.size() && (src_[f] == '+' || src_[f] == '-')) ++f;
      if (f < src_.size() && std::isdigit(static_cast<unsigned char>(src_[f]))) {
        is_float = true;
        e = f;
        while (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) ++e;
      }
    }
    t.type = is_float ? Tok::kFloat : Tok::kInt;
    std::string digits;
    for (size_t i = pos; i < e; ++i)
      if (src_[i] != '_') digits += src_[i];
    t.value = decoded_.emplace_back(std::move(digits));
    t.text = src_.substr(pos, e - pos);
    pos = e;
    return t;
  }
  if (c == '\'' || c == '"') return LexString(c);
  // Two-character operators first, then single characters.
  char next = pos + 1 < src_.size() ? src_[pos + 1] : '\0';
  if (c == '?' && next == '?' && pos + 2 < src_.size() && src_[pos + 2] == '?') {  // Kestra's ???
    t.type = Tok::kOp;
    t.text = src_.substr(pos, 3);
    pos += 3;
    return t;
  }
  static constexpr std::string_view kPairs[] = {"**", "//", "==", "!=", "<=", ">=", "??", ".."};
  for (std::string_view op : kPairs) {
    if (c == op[0] && next == op[1]) {
      t.type = Tok::kOp;
      t.text = op;
      pos += 2;
      return t;
    }
  }
  if (std::string_view("+-*/%~<>()[]{},:.|?=!").find(c) != std::string_view::npos) {
    t.type = Tok::kOp;
    t.text = src_.substr(pos, 1);
    pos += 1;
    return t;
  }
  return Error(pos, std::string("unexpected character '") + c + "'");
}

Result<Token> Lexer::LexString(char quote) {
  Token t;
  std::string text;
  t.type = Tok::kString;
  t.offset = static_cast<uint32_t>(pos);
  size_t i = pos + 1;
  while (true) {
    if (i >= src_.size()) return Error(t.offset, "string is never closed");
    char c = src_[i];
    if (c == quote) break;
    if (pebble_ && quote == '"' && c == '#' && i + 1 < src_.size() && src_[i + 1] == '{') {
      // Pebble's "#{ expr }": skip to the matching brace (the expression may
      // hold strings and maps); the parser reads the parts from `text`.
      size_t open = i;
      int depth = 0;
      for (i += 1; i < src_.size(); ++i) {
        char d = src_[i];
        if (d == '\'' || d == '"') {
          size_t close = src_.find(d, i + 1);
          if (close == std::string_view::npos) break;
          i = close;
        } else if (d == '{') {
          ++depth;
        } else if (d == '}' && --depth == 0) {
          break;
        }
      }
      if (i >= src_.size()) return Error(open, "'#{' is never closed");
      t.interpolated = true;
      ++i;
      continue;
    }
    if (c == '\\' && i + 1 < src_.size()) {
      char e = src_[++i];
      switch (e) {
        case 'n':
          text += '\n';
          break;
        case 't':
          text += '\t';
          break;
        case 'r':
          text += '\r';
          break;
        case '0':
          text += '\0';
          break;
        case '\\':
          text += '\\';
          break;
        case '\'':
          text += '\'';
          break;
        case '"':
          text += '"';
          break;
        case 'u': {
          if (i + 4 >= src_.size()) return Error(i, "\\u needs four hex digits");
          unsigned code = 0;
          for (int k = 1; k <= 4; ++k) {
            char h = src_[i + k];
            if (!std::isxdigit(static_cast<unsigned char>(h))) return Error(i, "\\u needs four hex digits");
            code = code * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h))
                                                         ? h - '0'
                                                         : (std::tolower(h) - 'a' + 10));
          }
          AppendUtf8(text, code);
          i += 4;
          break;
        }
        default:
          text += '\\';
          text += e;
      }
      ++i;
      continue;
    }
    text += c;
    ++i;
  }
  t.text = src_.substr(t.offset, i + 1 - t.offset);
  t.value = decoded_.emplace_back(std::move(text));
  pos = i + 1;
  return t;
}

}  // namespace floe::tmpl
