#include "flow/retry.h"

#include <algorithm>
#include <cmath>

#include "core/strings.h"
#include "flow/yaml_node.h"

namespace floe::flow {

std::optional<Duration> RetryPolicy::NextDelay(int attempts_made, Duration elapsed, std::mt19937_64& rng) const {
  if (max_attempts && attempts_made >= *max_attempts) return std::nullopt;
  Duration delay{0};
  switch (type) {
    case Type::kConstant:
      delay = interval;
      break;
    case Type::kExponential: {
      double ms = static_cast<double>(interval.count()) * std::pow(delay_factor, attempts_made - 1);
      delay = Duration(static_cast<int64_t>(std::min(ms, static_cast<double>(max_interval.count()))));
      break;
    }
    case Type::kRandom: {
      std::uniform_int_distribution<int64_t> pick(min_interval.count(), max_interval.count());
      delay = Duration(pick(rng));
      break;
    }
  }
  if (max_duration && elapsed + delay > *max_duration) return std::nullopt;
  return delay;
}

Result<RetryPolicy> ParseRetry(const YamlNode& node) {
  auto error = [](const SourceLocation& where, std::string message) {
    return InvalidArgument("retry: " + std::move(message)).WithLocation(where);
  };
  if (!node.is_map()) return error(node.location, "must be a map with type and its intervals");
  static const std::vector<std::string> kKeys = {"type",           "interval",    "minInterval", "maxInterval",
                                                 "delayFactor",    "maxAttempts", "maxAttempt",  "maxDuration",
                                                 "warningOnRetry", "behavior"};
  for (const auto& e : node.entries) {
    if (std::find(kKeys.begin(), kKeys.end(), e.key) == kKeys.end()) {
      Status s = error(e.key_location, "unknown key '" + e.key + "'");
      std::string hint = DidYouMean(e.key, kKeys);
      return hint.empty() ? s : std::move(s).WithHint(hint);
    }
  }
  RetryPolicy p;
  auto duration = [&](const char* key, Duration* out, bool required) -> Status {
    const YamlNode* v = node.Find(key);
    if (!v) return required ? error(node.location, std::string("missing '") + key + "'") : Status::Ok();
    auto d = ParseDuration(v->scalar);
    if (!v->is_scalar() || !d.ok())
      return error(v->location, std::string("'") + key + "' must be a duration like PT30S");
    if (d->count() < 0) return error(v->location, std::string("'") + key + "' must not be negative");
    *out = *d;
    return Status::Ok();
  };
  const YamlNode* type = node.Find("type");
  std::string t = type && type->is_scalar() ? type->scalar : "";
  if (t == "constant") {
    p.type = RetryPolicy::Type::kConstant;
    RETURN_IF_ERROR(duration("interval", &p.interval, true));
  } else if (t == "exponential") {
    p.type = RetryPolicy::Type::kExponential;
    RETURN_IF_ERROR(duration("interval", &p.interval, true));
    RETURN_IF_ERROR(duration("maxInterval", &p.max_interval, true));
    if (const YamlNode* f = node.Find("delayFactor")) {
      tmpl::Value v = f->ToValue();
      if (!v.is_number() || v.AsDouble() < 1) return error(f->location, "'delayFactor' must be a number >= 1");
      p.delay_factor = v.AsDouble();
    }
  } else if (t == "random") {
    p.type = RetryPolicy::Type::kRandom;
    RETURN_IF_ERROR(duration("minInterval", &p.min_interval, true));
    RETURN_IF_ERROR(duration("maxInterval", &p.max_interval, true));
    if (p.min_interval > p.max_interval) return error(node.location, "'minInterval' is above 'maxInterval'");
  } else {
    return error(type ? type->location : node.location, "'type' must be constant, exponential or random");
  }
  const YamlNode* attempts = node.Find("maxAttempts") ? node.Find("maxAttempts") : node.Find("maxAttempt");
  if (attempts) {
    tmpl::Value v = attempts->ToValue();
    if (!v.is_int() || v.AsInt() < 1) return error(attempts->location, "'maxAttempts' must be a whole number >= 1");
    p.max_attempts = static_cast<int>(v.AsInt());
  }
  if (node.Find("maxDuration")) {
    Duration d{0};
    RETURN_IF_ERROR(duration("maxDuration", &d, true));
    p.max_duration = d;
  }
  if (!p.max_attempts && !p.max_duration) {
    return error(node.location, "set 'maxAttempts' or 'maxDuration', or it would retry forever");
  }
  if (const YamlNode* w = node.Find("warningOnRetry")) {
    tmpl::Value v = w->ToValue();
    if (!v.is_bool()) return error(w->location, "'warningOnRetry' must be true or false");
    p.warning_on_retry = v.AsBool();
  }
  if (const YamlNode* b = node.Find("behavior")) {
    if (!b->is_scalar() || (b->scalar != "RETRY_FAILED_TASK" && b->scalar != "CREATE_NEW_EXECUTION"))
      return error(b->location, "'behavior' must be RETRY_FAILED_TASK or CREATE_NEW_EXECUTION");
    p.new_execution = b->scalar == "CREATE_NEW_EXECUTION";
  }
  return p;
}

}  // namespace floe::flow
