// Quoting for the SQL the iceberg module builds for DuckDB (identifiers in
// double quotes, text in single quotes, the quote doubled inside), and the
// ASCII lower-casing DuckDB's case-insensitive names compare with.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace floe::iceberg {

inline std::string SqlQuote(std::string_view s, char q) {
  std::string out(1, q);
  for (char c : s) {
    if (c == q) out += q;
    out += c;
  }
  return out + q;
}
inline std::string SqlIdent(std::string_view s) { return SqlQuote(s, '"'); }
inline std::string SqlString(std::string_view s) { return SqlQuote(s, '\''); }

inline std::string AsciiLower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace floe::iceberg
