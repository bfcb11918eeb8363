#include "server/router.h"

#include <algorithm>
#include <optional>
#include <set>

namespace floe::server {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  // "/a/b" -> {"a", "b"}; "/" -> {""}; "/a/" -> {"a", ""}.
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

Status Router::Add(std::string method, std::string pattern, std::string summary, AsyncHandler handler) {
  if (pattern.empty() || pattern[0] != '/')
    return InvalidArgument("route pattern '" + pattern + "' must start with '/'");
  Route route;
  std::set<std::string> names;
  std::vector<std::string_view> parts = SplitPath(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.find_first_of("{}") == std::string_view::npos) {
      route.segments.push_back({Segment::Kind::kLiteral, std::string(part)});
      continue;
    }
    if (part.size() < 3 || part.front() != '{' || part.back() != '}' ||
        part.substr(1, part.size() - 2).find_first_of("{}") != std::string_view::npos)
      return InvalidArgument("route pattern '" + pattern + "': segment '" + std::string(part) +
                             "' must be literal text or a whole {name} / {name...}");
    std::string_view name = part.substr(1, part.size() - 2);
    Segment::Kind kind = Segment::Kind::kParam;
    if (name.ends_with("...")) {
      if (i + 1 != parts.size())
        return InvalidArgument("route pattern '" + pattern + "': {" + std::string(name) + "} must be the last segment");
      name.remove_suffix(3);
      kind = Segment::Kind::kRest;
    }
    if (name.empty() || !names.insert(std::string(name)).second)
      return InvalidArgument("route pattern '" + pattern + "': empty or repeated parameter name '" + std::string(name) +
                             "'");
    route.segments.push_back({kind, std::string(name)});
  }
  for (const Route& r : routes_)
    if (r.info.method == method && r.info.pattern == pattern)
      return Status(StatusCode::kAlreadyExists, "route " + method + " " + pattern + " is already defined");
  route.info = {std::move(method), std::move(pattern), std::move(summary)};
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
  return Status::Ok();
}

Router::Match Router::Find(std::string_view method, std::string_view encoded_path) const {
  Match match;
  if (encoded_path.empty() || encoded_path[0] != '/') {
    match.outcome = Outcome::kBadPath;
    match.error = "the request path must start with '/'";
    return match;
  }
  std::vector<std::string_view> raw = SplitPath(encoded_path);
  std::vector<std::string> decoded;
  decoded.reserve(raw.size());
  for (std::string_view part : raw) {
    std::optional<std::string> d = PercentDecodePath(part);
    if (!d) {
      match.outcome = Outcome::kBadPath;
      match.error = "malformed percent-escape in path segment '" + std::string(part) + "'";
      return match;
    }
    if (*d == "." || *d == ".." || d->find('\0') != std::string::npos) {
      match.outcome = Outcome::kBadPath;
      match.error = "path segments '.' and '..' (and NUL bytes) are not allowed";
      return match;
    }
    decoded.push_back(std::move(*d));
  }

  // Specificity: per segment 2 = literal, 1 = param, 0 = rest; compared left to right.
  const Route* best = nullptr;
  std::vector<int> best_score;
  std::set<std::string> allowed;
  const bool head = method == "HEAD";
  const Route* head_fallback = nullptr;
  std::vector<int> head_fallback_score;
  for (const Route& route : routes_) {
    std::vector<int> score;
    bool ok = true;
    size_t i = 0;
    for (; i < route.segments.size() && ok; ++i) {
      const Segment& seg = route.segments[i];
      if (seg.kind == Segment::Kind::kRest) {
        score.push_back(0);
        i = route.segments.size();
        break;
      }
      if (i >= decoded.size()) {
        ok = false;
      } else if (seg.kind == Segment::Kind::kLiteral) {
        ok = decoded[i] == seg.text;
        score.push_back(2);
      } else {
        ok = !decoded[i].empty();
        score.push_back(1);
      }
    }
    bool has_rest = !route.segments.empty() && route.segments.back().kind == Segment::Kind::kRest;
    if (!ok) continue;
    if (has_rest ? decoded.size() < route.segments.size() - 1 : decoded.size() != route.segments.size()) continue;
    allowed.insert(route.info.method);
    if (route.info.method == method) {
      if (!best || score > best_score) best = &route, best_score = score;
    } else if (head && route.info.method == "GET") {
      if (!head_fallback || score > head_fallback_score) head_fallback = &route, head_fallback_score = score;
    }
  }
  if (!best) best = head_fallback;
  if (best) {
    match.outcome = Outcome::kFound;
    match.handler = &best->handler;
    for (size_t i = 0; i < best->segments.size(); ++i) {
      const Segment& seg = best->segments[i];
      if (seg.kind == Segment::Kind::kParam) {
        match.params[seg.text] = decoded[i];
      } else if (seg.kind == Segment::Kind::kRest) {
        std::string rest;
        for (size_t j = i; j < decoded.size(); ++j) rest += (j > i ? "/" : "") + decoded[j];
        match.params[seg.text] = rest;
      }
    }
    return match;
  }
  if (!allowed.empty()) {
    if (allowed.count("GET")) allowed.insert("HEAD");
    match.outcome = Outcome::kMethodNotAllowed;
    match.allowed.assign(allowed.begin(), allowed.end());
  }
  return match;
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.push_back(r.info);
  return out;
}

}  // namespace floe::server
