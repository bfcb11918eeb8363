#include "core/duration.h"

#include <cctype>
#include <cmath>

namespace floe {
namespace {

Status Bad(std::string_view text, std::string_view why) {
  return InvalidArgument("invalid ISO-8601 duration '" + std::string(text) + "': " + std::string(why))
      .WithHint("write durations like PT30S, PT5M, PT1H30M or P1D");
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || (s[0] != 'P' && s[0] != 'p')) return Bad(text, "must start with 'P'");
  s.remove_prefix(1);
  if (s.empty()) return Bad(text, "no components after 'P'");
  bool in_time = false;
  bool any = false;
  double total_ms = 0;
  while (!s.empty()) {
    if (s[0] == 'T' || s[0] == 't') {
      if (in_time) return Bad(text, "'T' appears twice");
      in_time = true;
      s.remove_prefix(1);
      if (s.empty()) return Bad(text, "no components after 'T'");
      continue;
    }
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == ',')) ++i;
    if (i == 0) return Bad(text, "expected a number before '" + std::string(1, s[0]) + "'");
    if (i == s.size()) return Bad(text, "number without a unit at the end");
    std::string number(s.substr(0, i));
    for (char& c : number)
      if (c == ',') c = '.';
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return Bad(text, "malformed number '" + number + "'");
    char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
    s.remove_prefix(i + 1);
    double unit_ms = 0;
    if (!in_time) {
      switch (unit) {
        case 'W':
          unit_ms = 7 * 86400e3;
          break;
        case 'D':
          unit_ms = 86400e3;
          break;
        case 'Y':
        case 'M':
          return Bad(text, "years and months have no fixed length; use days (P30D)");
        default:
          return Bad(text, std::string("unknown date unit '") + unit + "'");
      }
    } else {
      switch (unit) {
        case 'H':
          unit_ms = 3600e3;
          break;
        case 'M':
          unit_ms = 60e3;
          break;
        case 'S':
          unit_ms = 1e3;
          break;
        default:
          return Bad(text, std::string("unknown time unit '") + unit + "'");
      }
    }
    total_ms += value * unit_ms;
    any = true;
  }
  if (!any) return Bad(text, "no components");
  if (total_ms > 9.2e15) return Bad(text, "too large");
  auto ms = static_cast<int64_t>(std::llround(total_ms));
  return Duration(negative ? -ms : ms);
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  std::string out = ms < 0 ? "-P" : "P";
  if (ms < 0) ms = -ms;
  int64_t days = ms / 86400000;
  ms %= 86400000;
  if (days) out += std::to_string(days) + "D";
  if (ms == 0) return days ? out : out + "T0S";
  out += "T";
  int64_t hours = ms / 3600000;
  ms %= 3600000;
  int64_t minutes = ms / 60000;
  ms %= 60000;
  if (hours) out += std::to_string(hours) + "H";
  if (minutes) out += std::to_string(minutes) + "M";
  if (ms) {
    out += std::to_string(ms / 1000);
    if (ms % 1000) {
      char frac[8];
      std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms % 1000));
      std::string f = frac;
      while (f.back() == '0') f.pop_back();
      out += f;
    }
    out += "S";
  }
  return out;
}

}  // namespace floe
