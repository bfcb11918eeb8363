// Small string helpers that error messages need: edit distance for
// "did you mean" suggestions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace floe {

// Levenshtein distance, case-insensitive.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidates closest to `word` (distance at most max(2, len/3)), nearest
// first, at most `limit` of them.
std::vector<std::string> ClosestMatches(std::string_view word, std::span<const std::string> candidates,
                                        size_t limit = 3);

// "did you mean 'x'?" / "did you mean 'x' or 'y'?" or "" when nothing is close.
std::string DidYouMean(std::string_view word, std::span<const std::string> candidates);

// A non-negative decimal number made only of digits; nullopt when empty, not
// all digits, or too large for size_t.
std::optional<size_t> ParseIndex(std::string_view digits);

// A Unicode code point (below 0x10000) as UTF-8, appended to `out`.
void AppendUtf8(std::string& out, unsigned code);

// Case mappings of UTF-8 text by code point (Unicode's simple mappings, from
// glibc's C.UTF-8 tables: "ünï" -> "ÜNÏ", as Java's and Python's do for
// nearly all text); bytes that are not valid UTF-8 stay as they are. Title:
// the first letter of each word upper, the others lower (a word starts after
// any character that is not a letter or a digit); Capitalize: the first
// character upper, the rest lower.
std::string Utf8ToUpper(std::string_view s);
std::string Utf8ToLower(std::string_view s);
std::string Utf8ToTitle(std::string_view s);
std::string Utf8Capitalize(std::string_view s);

// `s` as a JSON string literal, quotes included, appended to `out`. Bytes
// that are not valid UTF-8 become \ufffd, so the result is always valid JSON.
void AppendJsonQuoted(std::string& out, std::string_view s);
inline std::string JsonQuote(std::string_view s) {
  std::string out;
  AppendJsonQuoted(out, s);
  return out;
}

// Percent-encoding of everything but RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view s);
// Undoes %XX escapes and '+' (form encoding); malformed escapes stay as text.
std::string UrlDecode(std::string_view s);
// An HTTP header line ("Name: value\r\n"): the name lower-cased and the
// value trimmed; nullopt for a line without ':' (a status line, the blank
// line).
std::optional<std::pair<std::string, std::string>> ParseHeaderLine(std::string_view line);
// Whether a '/'-separated path matches a glob as DuckDB and Kestra read
// them: '*' and '?' stay within a path segment, a pattern with '**' lets
// them cross segments.
bool GlobMatches(std::string_view pattern, std::string_view path);
// Standard base64 with padding.
std::string Base64Encode(std::string_view in);
// Accepts padded or unpadded input and ignores line breaks.
Result<std::string> Base64Decode(std::string_view in);

}  // namespace floe
