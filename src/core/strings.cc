#include "core/strings.h"

#include <fnmatch.h>
#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace floe {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> ClosestMatches(std::string_view word, std::span<const std::string> candidates, size_t limit) {
  size_t max_distance = std::max<size_t>(2, word.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    // A candidate that contains the word (or the reverse) is close too:
    // "Query" for "io.kestra.plugin.jdbc.duckdb.Query".
    bool contains = word.size() >= 3 && c.find(word) != std::string::npos;
    if (d <= max_distance || contains) scored.emplace_back(contains ? std::min(d, max_distance) : d, c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](auto& x, auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  // A match that differs only in case is the answer on its own.
  if (!scored.empty() && scored[0].first == 0) return {scored[0].second};
  for (auto& [d, c] : scored) {
    if (out.size() >= limit) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string DidYouMean(std::string_view word, std::span<const std::string> candidates) {
  auto matches = ClosestMatches(word, candidates);
  if (matches.empty()) return "";
  std::string out = "did you mean ";
  for (size_t i = 0; i < matches.size(); ++i) {
    if (i) out += i + 1 == matches.size() ? " or " : ", ";
    out += "'" + matches[i] + "'";
  }
  return out + "?";
}

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n =
        (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += kBase64[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view in) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const char* p = std::strchr(kBase64, c);
    if (!p || c == '\0') return InvalidArgument(std::string("invalid base64 character '") + c + "'");
    buf = (buf << 6) | static_cast<uint32_t>(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

std::optional<size_t> ParseIndex(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  size_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::optional<std::pair<std::string, std::string>> ParseHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  return std::pair<std::string, std::string>(std::move(name), std::string(value));
}

bool GlobMatches(std::string_view pattern, std::string_view path) {
  std::string p(pattern), r(path);
  int flags = p.find("**") != std::string::npos ? 0 : FNM_PATHNAME;
  return fnmatch(p.c_str(), r.c_str(), flags) == 0;
}

void AppendUtf8(std::string& out, unsigned code) {
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

namespace {

// The length of the valid UTF-8 sequence `s` starts with (2 to 4 bytes, no
// overlong forms, surrogates or values past U+10FFFF); 0 when it is not one.
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  unsigned char c = byte(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

namespace {

// Code point and length of the valid UTF-8 sequence at s[i] (ASCII included); {0, 0} when invalid.
std::pair<unsigned, size_t> DecodeUtf8At(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {c, 1};
  size_t n = Utf8SequenceLength(s.substr(i));
  if (n == 0) return {0, 0};
  unsigned code = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) code = (code << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return {code, n};
}

void EncodeUtf8(std::string& out, unsigned code) {
  if (code < 0x10000) return AppendUtf8(out, code);
  out += static_cast<char>(0xF0 | (code >> 18));
  out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
  out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
  out += static_cast<char>(0x80 | (code & 0x3F));
}

// glibc's C.UTF-8 case tables, without touching the process's locale.
locale_t Utf8Locale() {
  static locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return locale;
}

enum class CaseMode { kUpper, kLower, kTitle, kCapitalize };

std::string MapCase(std::string_view s, CaseMode mode) {
  locale_t loc = Utf8Locale();
  std::string out;
  out.reserve(s.size());
  bool word_start = true, first = true;
  for (size_t i = 0; i < s.size();) {
    auto [code, n] = DecodeUtf8At(s, i);
    if (n == 0) {  // not UTF-8: kept as it is
      out += s[i++];
      word_start = true;
      continue;
    }
    bool upper = mode == CaseMode::kUpper || (mode == CaseMode::kTitle && word_start) ||
                 (mode == CaseMode::kCapitalize && first);
    wint_t w = static_cast<wint_t>(code);
    wint_t mapped = loc ? (upper ? towupper_l(w, loc) : towlower_l(w, loc))
                        : (code < 0x80 ? static_cast<wint_t>(upper ? std::toupper(static_cast<int>(code))
                                                                   : std::tolower(static_cast<int>(code)))
                                       : w);
    EncodeUtf8(out, static_cast<unsigned>(mapped));
    bool alnum = loc ? iswalnum_l(w, loc) != 0 : std::isalnum(static_cast<int>(code < 0x80 ? code : 0)) != 0;
    word_start = !alnum;
    first = false;
    i += n;
  }
  return out;
}

}  // namespace

std::string Utf8ToUpper(std::string_view s) { return MapCase(s, CaseMode::kUpper); }
std::string Utf8ToLower(std::string_view s) { return MapCase(s, CaseMode::kLower); }
std::string Utf8ToTitle(std::string_view s) { return MapCase(s, CaseMode::kTitle); }
std::string Utf8Capitalize(std::string_view s) { return MapCase(s, CaseMode::kCapitalize); }

void AppendJsonQuoted(std::string& out, std::string_view s) {
  out += '"';
  size_t plain = 0;  // start of the run of characters that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // JSON is UTF-8: a byte that does not start a valid sequence (a
      // binary log line) becomes U+FFFD rather than making the document invalid.
      size_t n = Utf8SequenceLength(s.substr(i));
      if (n > 0) {
        i += n - 1;
        continue;
      }
      out.append(s, plain, i - plain);
      plain = i + 1;
      out += "\\ufffd";
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s, plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
  }
  out.append(s, plain, s.size() - plain);
  out += '"';
}

}  // namespace floe
