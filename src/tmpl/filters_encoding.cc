// Encodings and digests: urlencode/urldecode, base64encode/decode,
// md5/sha1/sha256/sha512, yaml.
#include <openssl/evp.h>

#include <cctype>

#include "core/strings.h"
#include "tmpl/internal/builtins.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {
namespace {

Result<std::string> Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) return Internal("digest failed");
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < len; ++i) {
    text += hex[out[i] >> 4];
    text += hex[out[i] & 15];
  }
  return text;
}

// A scalar that YAML would read back as the same string needs no quotes.
bool PlainYamlScalar(const std::string& s) {
  if (s.empty() || s.size() > 200) return false;
  static const char* kReserved[] = {"true",  "false", "null", "yes", "no", "on",  "off",  "~",     "True",
                                    "False", "Null",  "Yes",  "No",  "On", "Off", "TRUE", "FALSE", "NULL"};
  for (const char* r : kReserved)
    if (s == r) return false;
  if (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '+' || s[0] == '.') return false;
  if (std::isspace(static_cast<unsigned char>(s.front())) || std::isspace(static_cast<unsigned char>(s.back())))
    return false;
  for (char c : s) {
    if (std::string_view(":#{}[],&*!|>'\"%@`\n\t\r").find(c) != std::string_view::npos) return false;
  }
  return true;
}

void WriteYaml(std::string& out, const Value& v, int indent);

void WriteYamlScalar(std::string& out, const Value& v) {
  if (v.is_string()) {
    out += PlainYamlScalar(v.AsString()) ? v.AsString() : ToJson(v);
  } else if (v.is_null() || v.is_undefined() || v.is_callable()) {
    out += "null";
  } else {
    out += ToJson(v);
  }
}

bool IsCollection(const Value& v) { return (v.is_list() && !v.AsList().empty()) || (v.is_map() && !v.AsMap().empty()); }

// A scalar or an empty collection, then the end of the line.
void WriteYamlLeaf(std::string& out, const Value& v) {
  if (v.is_list()) {
    out += "[]";
  } else if (v.is_map()) {
    out += "{}";
  } else {
    WriteYamlScalar(out, v);
  }
  out += "\n";
}

// After "key:" or "-": a nested collection starts on the next line, indented;
// anything else follows on the same line.
void WriteYamlItem(std::string& out, const Value& item, int indent) {
  if (IsCollection(item)) {
    out += "\n";
    WriteYaml(out, item, indent + 2);
    return;
  }
  out += " ";
  WriteYamlLeaf(out, item);
}

void WriteYaml(std::string& out, const Value& v, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_map() && !v.AsMap().empty()) {
    for (const auto& [k, item] : v.AsMap()) {
      out += pad;
      out += PlainYamlScalar(k) ? k : ToJson(Value(k));
      out += ":";
      WriteYamlItem(out, item, indent);
    }
  } else if (v.is_list() && !v.AsList().empty()) {
    for (const auto& item : v.AsList()) {
      out += pad + "-";
      WriteYamlItem(out, item, indent);
    }
  } else {
    out += pad;
    WriteYamlLeaf(out, v);
  }
}

// Java's URLEncoder, which Pebble's urlencode uses: letters, digits and
// ".-*_" stay, a space is '+', every other byte %XX.
std::string FormEncode(std::string_view in) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

void AddEncodingFilters(Environment& env) {
  env.AddFilter("urlencode", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    // Pebble encodes as Java's URLEncoder, Jinja as urllib's quote.
    auto encode = [&](std::string_view text) {
      return st.dialect() == Dialect::kPebble ? FormEncode(text) : UrlEncode(text);
    };
    if (in.is_map()) {
      std::string out;
      for (const auto& [k, v] : in.AsMap()) out += (out.empty() ? "" : "&") + encode(k) + "=" + encode(Text(v, st));
      return Value(std::move(out));
    }
    return Value(encode(Text(in, st)));
  });
  env.AddFilter("urldecode", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    std::string text = Text(in, st);
    // Java's URLDecoder reads '+' as a space.
    if (st.dialect() == Dialect::kPebble)
      for (char& c : text)
        if (c == '+') c = ' ';
    return Value(UrlDecode(text));
  });
  env.AddFilter("base64encode", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    return Value(Base64Encode(Text(in, st)));
  });
  env.AddFilter("base64decode", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    auto s = Base64Decode(Text(in, st));
    if (!s.ok()) return ArgError(st, "base64decode", s.status().message());
    return Value(std::move(*s));
  });
  auto digest = [](const char* name, const EVP_MD* (*md)()) {
    return [name, md](const Value& in, Args&, RenderState& st) -> Result<Value> {
      auto d = Digest(md(), Text(in, st));
      if (!d.ok()) return ArgError(st, name, d.status().message());
      return Value(std::move(*d));
    };
  };
  env.AddFilter("md5", digest("md5", EVP_md5));
  env.AddFilter("sha1", digest("sha1", EVP_sha1));
  env.AddFilter("sha256", digest("sha256", EVP_sha256));
  env.AddFilter("sha512", digest("sha512", EVP_sha512));
  env.AddFilter("yaml", [](const Value& in, Args&, RenderState&) -> Result<Value> {
    std::string out;
    WriteYaml(out, in, 0);
    return Value(std::move(out));
  });
  env.AddFilter("toYaml", [](const Value& in, Args&, RenderState&) -> Result<Value> {
    std::string out;
    WriteYaml(out, in, 0);
    return Value(std::move(out));
  });
}

}  // namespace floe::tmpl::builtins
