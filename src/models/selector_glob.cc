// The wildcard matching selection methods share: Python's fnmatch (tag:,
// fqn wildcards, package:, source:, file:, test_name:) and pathlib-style
// globs of '/'-separated paths (path:).
#include <optional>
#include <string>
#include <utility>

#include "models/internal/selector_spec.h"

namespace floe::models::internal {

namespace {

// Matches a [...] class at pattern[p] (p at '['); sets `next` past it.
// Returns nullopt when the class is unterminated ('[' is then a literal).
std::optional<bool> MatchClass(std::string_view pattern, size_t p, char ch, size_t& next) {
  size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && pattern[i] == '!') {
    negate = true;
    ++i;
  }
  size_t first = i;
  bool found = false;
  while (i < pattern.size() && (pattern[i] != ']' || i == first)) {
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      if (pattern[i] <= ch && ch <= pattern[i + 2]) found = true;
      i += 3;
    } else {
      if (pattern[i] == ch) found = true;
      ++i;
    }
  }
  if (i >= pattern.size()) return std::nullopt;
  next = i + 1;
  return found != negate;
}

}  // namespace

bool Fnmatch(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        star_p = p++;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        size_t next = 0;
        std::optional<bool> m = MatchClass(pattern, p, text[t], next);
        if (m.has_value()) {
          if (*m) {
            p = next;
            ++t;
            continue;
          }
        } else if (text[t] == '[') {
          ++p;
          ++t;
          continue;
        }
      } else if (pc == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

// The next segment of `path` from `pos` that is neither empty nor "."; empty at the end.
std::string_view NextSegment(std::string_view path, size_t& pos) {
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (!seg.empty() && seg != ".") return seg;
  }
  pos = path.size();
  return {};
}

bool GlobFrom(std::span<const std::string> pattern, std::string_view path, size_t pos, bool or_parent) {
  if (pattern.empty()) {
    size_t p = pos;
    return or_parent || NextSegment(path, p).empty();
  }
  size_t p = pos;
  if (pattern[0] == "**") {
    while (true) {
      if (GlobFrom(pattern.subspan(1), path, p, or_parent)) return true;
      if (NextSegment(path, p).empty()) return false;
    }
  }
  std::string_view seg = NextSegment(path, p);
  return !seg.empty() && Fnmatch(seg, pattern[0]) && GlobFrom(pattern.subspan(1), path, p, or_parent);
}

}  // namespace

bool GlobPath(std::span<const std::string> pattern, std::string_view path, bool or_parent) {
  return !pattern.empty() && GlobFrom(pattern, path, 0, or_parent);
}

std::vector<std::string> PathSegments(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (std::string_view seg = NextSegment(path, pos); !seg.empty(); seg = NextSegment(path, pos)) {
    out.emplace_back(seg);
  }
  return out;
}

bool PathGlobMatches(std::string_view pattern, std::string_view path) {
  return GlobPath(PathSegments(pattern), path, false);
}

}  // namespace floe::models::internal
