#include "tmpl/internal/lexer.h"

#include <cctype>
#include <cstring>

namespace floe::tmpl {

Result<Token> Lexer::Peek() {
  size_t saved = pos;
  auto t = Next();
  pos = saved;
  return t;
}

Result<Token> Lexer::Next() {
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
    t.text.assign(src_.substr(pos, e - pos));
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
    for (size_t i = pos; i < e; ++i)
      if (src_[i] != '_') t.text += src_[i];
    pos = e;
    return t;
  }
  if (c == '\'' || c == '"') return LexString(c);
  static const char* kOps[] = {"**", "//", "==", "!=", "<=", ">=", "??", "+", "-", "*", "/", "%", "~", "<",
                               ">",  "(",  ")",  "[",  "]",  "{",  "}",  ",", ":", ".", "|", "?", "=", "!"};
  for (const char* op : kOps) {
    if (rest.starts_with(op)) {
      t.type = Tok::kOp;
      t.text = op;
      pos += std::strlen(op);
      return t;
    }
  }
  return Error(pos, std::string("unexpected character '") + c + "'");
}

Result<Token> Lexer::LexString(char quote) {
  Token t;
  t.type = Tok::kString;
  t.offset = static_cast<uint32_t>(pos);
  size_t i = pos + 1;
  while (true) {
    if (i >= src_.size()) return Error(t.offset, "string is never closed");
    char c = src_[i];
    if (c == quote) break;
    if (c == '\\' && i + 1 < src_.size()) {
      char e = src_[++i];
      switch (e) {
        case 'n':
          t.text += '\n';
          break;
        case 't':
          t.text += '\t';
          break;
        case 'r':
          t.text += '\r';
          break;
        case '0':
          t.text += '\0';
          break;
        case '\\':
          t.text += '\\';
          break;
        case '\'':
          t.text += '\'';
          break;
        case '"':
          t.text += '"';
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
          AppendUtf8(t.text, code);
          i += 4;
          break;
        }
        default:
          t.text += '\\';
          t.text += e;
      }
      ++i;
      continue;
    }
    t.text += c;
    ++i;
  }
  pos = i + 1;
  return t;
}

void Lexer::AppendUtf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

}  // namespace floe::tmpl
