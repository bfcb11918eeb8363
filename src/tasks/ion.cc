#include "tasks/ion.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/strings.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

bool SymbolStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool SymbolChar(char c) { return SymbolStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

class IonReader {
 public:
  explicit IonReader(std::string_view text) : s_(text) {}

  Result<std::vector<tmpl::Value>> All() {
    std::vector<tmpl::Value> out;
    while (true) {
      RETURN_IF_ERROR(SkipSpace());
      if (at_ >= s_.size()) return out;
      ASSIGN_OR_RETURN(tmpl::Value v, ReadValue());
      out.push_back(std::move(v));
    }
  }

 private:
  Status Error(const std::string& why) const {
    int line = 1;
    for (size_t i = 0; i < at_ && i < s_.size(); ++i) line += s_[i] == '\n';
    return InvalidArgument("Ion text, line " + std::to_string(line) + ": " + why);
  }

  Status SkipSpace() {
    while (at_ < s_.size()) {
      char c = s_[at_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++at_;
      } else if (s_.substr(at_, 2) == "//") {
        while (at_ < s_.size() && s_[at_] != '\n') ++at_;
      } else if (s_.substr(at_, 2) == "/*") {
        size_t end = s_.find("*/", at_ + 2);
        if (end == std::string_view::npos) return Error("unclosed comment");
        at_ = end + 2;
      } else {
        break;
      }
    }
    return Status::Ok();
  }

  Result<std::string> ReadQuoted(char quote) {
    std::string out;
    ++at_;
    while (true) {
      if (at_ >= s_.size() || s_[at_] == '\n') return Error("unclosed string");
      char c = s_[at_++];
      if (c == quote) return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= s_.size()) return Error("unclosed string");
      char e = s_[at_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '0':
          out += '\0';
          break;
        case '/':
          out += '/';
          break;
        case 'u':
        case 'x': {
          size_t digits = e == 'u' ? 4 : 2;
          if (at_ + digits > s_.size()) return Error("short escape");
          unsigned code = static_cast<unsigned>(std::strtoul(std::string(s_.substr(at_, digits)).c_str(), nullptr, 16));
          at_ += digits;
          AppendUtf8(out, code);  // no surrogate pairs in Kestra's output
          break;
        }
        default:
          out += e;
      }
    }
  }

  Result<tmpl::Value> ReadValue() {
    RETURN_IF_ERROR(SkipSpace());
    if (at_ >= s_.size()) return Error("a value is missing");
    char c = s_[at_];
    if (c == '"') {
      if (s_.substr(at_, 3) == "\"\"\"") return Error("long strings are not supported");
      ASSIGN_OR_RETURN(std::string text, ReadQuoted('"'));
      return tmpl::Value(std::move(text));
    }
    if (c == '\'') {
      if (s_.substr(at_, 3) == "'''") return Error("long strings are not supported");
      ASSIGN_OR_RETURN(std::string symbol, ReadQuoted('\''));
      return AfterSymbol(std::move(symbol));
    }
    if (c == '{') {
      if (s_.substr(at_, 2) == "{{") return Error("blobs and clobs are not supported");
      return ReadStruct();
    }
    if (c == '[') return ReadList();
    if (c == '(') return Error("s-expressions are not supported");
    if (SymbolStart(c)) {
      size_t start = at_;
      while (at_ < s_.size() && (SymbolChar(s_[at_]) || s_[at_] == '.')) ++at_;
      std::string word(s_.substr(start, at_ - start));
      if (word == "null" || word.starts_with("null.")) return tmpl::Value();
      if (word == "true") return tmpl::Value(true);
      if (word == "false") return tmpl::Value(false);
      if (word == "nan") return tmpl::Value(std::nan(""));
      return AfterSymbol(std::move(word));
    }
    return ReadNumberOrTimestamp();
  }

  // A symbol, or an annotation (`name::value`) whose value follows.
  Result<tmpl::Value> AfterSymbol(std::string symbol) {
    size_t save = at_;
    RETURN_IF_ERROR(SkipSpace());
    if (s_.substr(at_, 2) == "::") {
      at_ += 2;
      return ReadValue();
    }
    at_ = save;
    return tmpl::Value(std::move(symbol));
  }

  Result<tmpl::Value> ReadNumberOrTimestamp() {
    size_t start = at_;
    while (at_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[at_])) ||
                               std::string_view("+-.:_").find(s_[at_]) != std::string_view::npos))
      ++at_;
    std::string token(s_.substr(start, at_ - start));
    if (token.empty()) return Error(std::string("unexpected '") + s_[start] + "'");
    if (token == "+inf") return tmpl::Value(HUGE_VAL);
    if (token == "-inf") return tmpl::Value(-HUGE_VAL);
    std::string digits;
    for (char ch : token)
      if (ch != '_') digits += ch;
    // A timestamp: 2026-12-03T10:00:00Z, 2026-12-03 (read as text).
    if (digits.size() >= 5 && std::isdigit(static_cast<unsigned char>(digits[0])) && digits[4] == '-')
      return tmpl::Value(token);
    char* end = nullptr;
    if (digits.find_first_of(".eEdD") == std::string::npos) {
      errno = 0;
      long long v = std::strtoll(digits.c_str(), &end, 0);
      if (*end == '\0' && errno == 0) return tmpl::Value(static_cast<int64_t>(v));
      return Error("'" + token + "' is not a number");
    }
    for (char& ch : digits)
      if (ch == 'd' || ch == 'D') ch = 'e';  // a decimal's exponent
    double v = std::strtod(digits.c_str(), &end);
    if (*end != '\0') return Error("'" + token + "' is not a number");
    return tmpl::Value(v);
  }

  Result<tmpl::Value> ReadList() {
    ++at_;
    tmpl::ValueList items;
    while (true) {
      RETURN_IF_ERROR(SkipSpace());
      if (at_ >= s_.size()) return Error("unclosed list");
      if (s_[at_] == ']') {
        ++at_;
        return tmpl::Value(std::move(items));
      }
      ASSIGN_OR_RETURN(tmpl::Value v, ReadValue());
      items.push_back(std::move(v));
      RETURN_IF_ERROR(SkipSpace());
      if (at_ < s_.size() && s_[at_] == ',') ++at_;
    }
  }

  Result<tmpl::Value> ReadStruct() {
    ++at_;
    tmpl::ValueMap fields;
    while (true) {
      RETURN_IF_ERROR(SkipSpace());
      if (at_ >= s_.size()) return Error("unclosed struct");
      if (s_[at_] == '}') {
        ++at_;
        return tmpl::Value(std::move(fields));
      }
      std::string key;
      if (s_[at_] == '"' || s_[at_] == '\'') {
        ASSIGN_OR_RETURN(key, ReadQuoted(s_[at_]));
      } else if (SymbolStart(s_[at_])) {
        size_t start = at_;
        while (at_ < s_.size() && SymbolChar(s_[at_])) ++at_;
        key = std::string(s_.substr(start, at_ - start));
      } else {
        return Error("expected a field name");
      }
      RETURN_IF_ERROR(SkipSpace());
      if (at_ >= s_.size() || s_[at_] != ':') return Error("expected ':' after field '" + key + "'");
      ++at_;
      ASSIGN_OR_RETURN(tmpl::Value v, ReadValue());
      fields.Set(key, std::move(v));
      RETURN_IF_ERROR(SkipSpace());
      if (at_ < s_.size() && s_[at_] == ',') ++at_;
    }
  }

  std::string_view s_;
  size_t at_ = 0;
};

bool PlainSymbol(const std::string& s) {
  if (s.empty() || !SymbolStart(s[0])) return false;
  for (char c : s)
    if (!SymbolChar(c)) return false;
  return s != "null" && s != "true" && s != "false" && s != "nan";
}

}  // namespace

Result<std::vector<tmpl::Value>> ParseIonValues(std::string_view text) { return IonReader(text).All(); }

std::string ToIon(const tmpl::Value& v) {
  if (v.is_null() || v.is_undefined()) return "null";
  if (v.is_bool()) return v.AsBool() ? "true" : "false";
  if (v.is_int()) return std::to_string(v.AsInt());
  if (v.is_double()) {
    double d = v.AsDouble();
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "+inf" : "-inf";
    char buf[64];
    // Shortest text that reads back the same.
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, d);
      if (std::strtod(buf, nullptr) == d) break;
    }
    std::string text = buf;
    if (text.find('e') == std::string::npos) text += "e0";
    return text;
  }
  if (v.is_string()) return JsonQuote(v.AsString());
  if (v.is_list()) {
    std::string out = "[";
    for (const auto& item : v.AsList()) out += (out.size() > 1 ? "," : "") + ToIon(item);
    return out + "]";
  }
  if (v.is_map()) {
    std::string out = "{";
    for (const auto& [k, item] : v.AsMap())
      out += (out.size() > 1 ? "," : "") + (PlainSymbol(k) ? k : JsonQuote(k)) + ":" + ToIon(item);
    return out + "}";
  }
  return JsonQuote(tmpl::ToDisplayString(v, tmpl::Dialect::kPebble));
}

}  // namespace floe::tasks
