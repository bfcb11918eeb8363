// Small string helpers that error messages need: edit distance for
// "did you mean" suggestions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace floe {

// Levenshtein distance, case-insensitive.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidates closest to `word` (distance at most max(2, len/3)), nearest
// first, at most `limit` of them.
std::vector<std::string> ClosestMatches(std::string_view word, std::span<const std::string> candidates,
                                        size_t limit = 3);

// "did you mean 'x'?" / "did you mean 'x' or 'y'?" or "" when nothing is close.
std::string DidYouMean(std::string_view word, std::span<const std::string> candidates);

}  // namespace floe
