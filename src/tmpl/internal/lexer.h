// Tokens inside {{ }} and {% %}. Internal to tmpl.
#pragma once

#include <deque>
#include <string>
#include <string_view>

#include "core/status.h"
#include "tmpl/template.h"

namespace floe::tmpl {

enum class Tok { kEnd, kName, kInt, kFloat, kString, kOp, kBlockEnd, kVarEnd };

// Trivially cheap to copy (the parser peeks a lot): `text` points into the
// template source, `value` into the lexer's storage; both outlive the parse.
struct Token {
  Tok type = Tok::kEnd;
  std::string_view text;
  std::string_view value;  // kString: escapes decoded; numbers: digits without '_'
  uint32_t offset = 0;
  bool strip_after = false;   // for kBlockEnd/kVarEnd written as -%} / -}}
  bool interpolated = false;  // Pebble: a "..." string holding #{ expr }; `text` is parsed again
};

// A cursor over the template source. The parser moves `pos` itself while it
// scans text between tags, and asks for tokens inside tags.
class Lexer {
 public:
  // `pebble`: "#{ expr }" interpolates inside double-quoted strings.
  Lexer(std::string_view src, const SourceOrigin& origin, bool pebble = false)
      : src_(src), origin_(origin), pebble_(pebble) {}

  Result<Token> Next();
  Result<Token> Peek();

  size_t pos = 0;

 private:
  Result<Token> Lex();
  Result<Token> LexString(char quote);
  Status Error(size_t offset, std::string message) const {
    return TemplateError(src_, origin_, offset, std::move(message));
  }

  std::string_view src_;
  const SourceOrigin& origin_;
  bool pebble_ = false;
  bool cached_ = false;
  size_t cached_start_ = 0;
  size_t cached_end_ = 0;
  Token cached_token_;
  std::deque<std::string> decoded_;  // backing store for Token::value
};

}  // namespace floe::tmpl
