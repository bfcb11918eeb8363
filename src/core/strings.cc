#include "core/strings.h"

#include <algorithm>
#include <cctype>

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

}  // namespace floe
