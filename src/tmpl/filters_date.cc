// Dates as Kestra's Pebble has them: date(format, timeZone), dateAdd(n, unit),
// timestamp, timestampMilli, timestampMicro, timestampNano. Formats use Java's
// DateTimeFormatter letters (yyyy-MM-dd'T'HH:mm:ss.SSSXXX); zones are IANA
// names from the system's tz database.
#include <date/date.h>
#include <date/tz.h>
#include <strings.h>

#include <array>
#include <cctype>
#include <chrono>

#include "tmpl/internal/builtins.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {
namespace {

using Micros = std::chrono::sys_time<std::chrono::microseconds>;

struct Instant {
  Micros time;
  std::optional<std::chrono::minutes> offset;  // as written in the input
};

constexpr const char* kIsoFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

// Month and day names of the locales floe knows. English has Java's short
// forms too; for the others only the full names (MMMM, EEEE) are known, and
// a short form is an error rather than a guess.
struct LocaleNames {
  const char* language;
  std::array<const char*, 12> months;
  std::array<const char*, 7> days;  // Sunday first
  bool short_forms;                 // the first three letters are Java's short form
};

constexpr LocaleNames kLocales[] = {
    {"en",
     {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
      "December"},
     {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
     true},
    {"fr",
     {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
      "décembre"},
     {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
     false},
    {"de",
     {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
      "Dezember"},
     {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
     false},
    {"es",
     {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
      "diciembre"},
     {"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
     false},
    {"it",
     {"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
      "novembre", "dicembre"},
     {"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
     false},
};

// "fr", "fr_FR", "fr-FR" -> French; empty -> English.
Result<const LocaleNames*> FindLocale(std::string_view tag) {
  std::string language(tag.substr(0, tag.find_first_of("_-")));
  for (char& c : language) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (language.empty()) return &kLocales[0];
  for (const auto& l : kLocales)
    if (language == l.language) return &l;
  return InvalidArgument("locale '" + std::string(tag) + "' is not supported")
      .WithHint("floe knows the month and day names of en, fr, de, es and it");
}

// The name for a pattern letter run of `n` (MMM or MMMM, EEE or EEEE).
Result<std::string> NameOf(const LocaleNames& l, const char* full, size_t n) {
  if (n >= 4) return std::string(full);
  if (!l.short_forms)
    return InvalidArgument(std::string("short month and day names (MMM, EEE) are not known for locale '") + l.language +
                           "'")
        .WithHint("use MMMM or EEEE, or the locale 'en'");
  return std::string(full).substr(0, 3);
}

bool Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

int Num(std::string_view s, size_t at, size_t n) { return std::stoi(std::string(s.substr(at, n))); }

// ISO-8601: 2026-11-27, 2026-11-27T14:35, 2026-11-27T14:35:02.123456Z,
// 2026-11-27 14:35:02+01:00. Without an offset the time is UTC.
Result<Instant> ParseIso(std::string_view s) {
  auto bad = [&] { return InvalidArgument("'" + std::string(s) + "' is not an ISO-8601 date or date-time"); };
  if (!Digits(s, 0, 4) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' || !Digits(s, 8, 2))
    return bad();
  date::year_month_day ymd{date::year{Num(s, 0, 4)}, date::month{static_cast<unsigned>(Num(s, 5, 2))},
                           date::day{static_cast<unsigned>(Num(s, 8, 2))}};
  if (!ymd.ok()) return bad();
  Micros t = date::sys_days{ymd};
  Instant out{t, std::nullopt};
  size_t i = 10;
  if (i == s.size()) return out;
  if (s[i] != 'T' && s[i] != ' ') return bad();
  ++i;
  if (!Digits(s, i, 2) || i + 5 > s.size() || s[i + 2] != ':' || !Digits(s, i + 3, 2)) return bad();
  int h = Num(s, i, 2), m = Num(s, i + 3, 2), sec = 0;
  i += 5;
  int64_t micros = 0;
  if (i < s.size() && s[i] == ':') {
    if (!Digits(s, i + 1, 2)) return bad();
    sec = Num(s, i + 1, 2);
    i += 3;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      ++i;
      size_t start = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i == start) return bad();
      std::string frac(s.substr(start, std::min<size_t>(i - start, 6)));
      while (frac.size() < 6) frac += '0';
      micros = std::stoll(frac);
    }
  }
  if (h > 23 || m > 59 || sec > 60) return bad();
  out.time +=
      std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(sec) + std::chrono::microseconds(micros);
  if (i == s.size()) return out;
  if (s[i] == 'Z' && i + 1 == s.size()) {
    out.offset = std::chrono::minutes(0);
    return out;
  }
  if (s[i] == '+' || s[i] == '-') {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om = 0;
    if (Digits(s, i, 2) && i + 2 == s.size()) {
      oh = Num(s, i, 2);
    } else if (Digits(s, i, 2) && i + 5 == s.size() && s[i + 2] == ':' && Digits(s, i + 3, 2)) {
      oh = Num(s, i, 2);
      om = Num(s, i + 3, 2);
    } else if (Digits(s, i, 4) && i + 4 == s.size()) {
      oh = Num(s, i, 2);
      om = Num(s, i + 2, 2);
    } else {
      return bad();
    }
    out.offset = std::chrono::minutes(sign * (oh * 60 + om));
    out.time -= *out.offset;
    return out;
  }
  return bad();
}

Result<std::chrono::minutes> ZoneOffset(std::string_view zone, Micros t, std::string* abbrev);

// Reads `s` written in the Java `pattern` (Kestra's existingFormat). Fields
// the pattern lacks default to the start of their unit (1970, January, 1,
// midnight); without an offset or zone in it the time is UTC.
Result<Instant> ParseWithPattern(std::string_view s, std::string_view pattern, const LocaleNames& names) {
  auto bad = [&](std::string why) {
    return InvalidArgument("'" + std::string(s) + "' does not match the format '" + std::string(pattern) + "': " + why);
  };
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
  bool pm = false, has_ampm = false;
  std::optional<std::chrono::minutes> offset;
  std::string zone;
  size_t at = 0;
  auto number = [&](size_t n, size_t max, int& out) -> bool {
    // A run of n letters reads at least n digits; one letter reads up to max.
    size_t start = at;
    while (at < s.size() && at - start < std::max(n, max) && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
    if (at - start < n || at == start) return false;
    out = std::stoi(std::string(s.substr(start, at - start)));
    return true;
  };
  auto name = [&](const auto& list, size_t n, int& out) -> Status {
    for (size_t i = 0; i < list.size(); ++i) {
      ASSIGN_OR_RETURN(std::string text, NameOf(names, list[i], n));
      if (s.substr(at).size() >= text.size() && strncasecmp(s.data() + at, text.data(), text.size()) == 0) {
        at += text.size();
        out = static_cast<int>(i);
        return Status::Ok();
      }
    }
    return bad("no " + std::string(names.language) + " name at position " + std::to_string(at + 1));
  };
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '\'') {
      size_t close = pattern.find('\'', i + 1);
      if (close == std::string_view::npos) return bad("unclosed quote in the format");
      std::string_view literal = close == i + 1 ? "'" : pattern.substr(i + 1, close - i - 1);
      if (s.substr(at, literal.size()) != literal) return bad("expected '" + std::string(literal) + "'");
      at += literal.size();
      i = close + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      if (at >= s.size() || s[at] != c)
        return bad(std::string("expected '") + c + "' at position " + std::to_string(at + 1));
      ++at;
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == c) ++n;
    i += n;
    // Java's adjacent value parsing: a field followed directly by another
    // letter ("yyyyMMdd") reads exactly its width.
    bool adjacent = i < pattern.size() && std::isalpha(static_cast<unsigned char>(pattern[i]));
    auto width = [&](size_t max) { return adjacent ? n : max; };
    bool ok = true;
    switch (c) {
      case 'y':
      case 'u':
        ok = number(n == 2 ? 2 : n, n == 2 ? 2 : width(9), year);
        if (ok && n == 2) year += 2000;
        break;
      case 'M':
        if (n >= 3) {
          RETURN_IF_ERROR(name(names.months, n, month));
          ++month;
        } else {
          ok = number(n, width(2), month);
        }
        break;
      case 'd':
        ok = number(n, width(2), day);
        break;
      case 'E': {
        int ignored;
        RETURN_IF_ERROR(name(names.days, n, ignored));
        break;
      }
      case 'H':
        ok = number(n, width(2), hour);
        break;
      case 'h':
        ok = number(n, width(2), hour);
        has_ampm = true;
        break;
      case 'a':
        if (strncasecmp(s.data() + at, "AM", std::min<size_t>(2, s.size() - at)) == 0 && at + 2 <= s.size()) {
          at += 2;
        } else if (at + 2 <= s.size() && strncasecmp(s.data() + at, "PM", 2) == 0) {
          pm = true;
          at += 2;
        } else {
          return bad("expected AM or PM at position " + std::to_string(at + 1));
        }
        break;
      case 'm':
        ok = number(n, width(2), minute);
        break;
      case 's':
        ok = number(n, width(2), second);
        break;
      case 'S': {
        size_t start = at;
        while (at < s.size() && at - start < n && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
        if (at - start != n) return bad("expected " + std::to_string(n) + " fraction digits");
        std::string frac(s.substr(start, std::min<size_t>(n, 6)));
        while (frac.size() < 6) frac += '0';
        micros = std::stoll(frac);
        break;
      }
      case 'X':
      case 'x':
      case 'Z': {
        if (c == 'X' && at < s.size() && s[at] == 'Z') {
          ++at;
          offset = std::chrono::minutes(0);
          break;
        }
        size_t start = at;
        if (at < s.size() && (s[at] == '+' || s[at] == '-')) ++at;
        while (at < s.size() && (std::isdigit(static_cast<unsigned char>(s[at])) || s[at] == ':')) ++at;
        auto probe = ParseIso("2000-01-01T00:00" + std::string(s.substr(start, at - start)));
        if (!probe.ok() || !probe->offset) return bad("expected an offset at position " + std::to_string(start + 1));
        offset = probe->offset;
        break;
      }
      case 'V':
      case 'z': {
        size_t start = at;
        while (at < s.size() && !std::isspace(static_cast<unsigned char>(s[at]))) ++at;
        zone = std::string(s.substr(start, at - start));
        break;
      }
      default:
        return bad(std::string("unsupported format letter '") + c + "'");
    }
    if (!ok) return bad(std::string("expected digits for '") + c + "' at position " + std::to_string(at + 1));
  }
  if (at != s.size()) return bad("unexpected text at position " + std::to_string(at + 1));
  if (has_ampm) hour = hour % 12 + (pm ? 12 : 0);
  date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                           date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return bad("not a valid date or time");
  Instant out{Micros(date::sys_days{ymd}) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                  std::chrono::seconds(second) + std::chrono::microseconds(micros),
              offset};
  if (!zone.empty() && !offset) {
    auto o = ZoneOffset(zone, out.time, nullptr);
    if (!o.ok()) return bad(o.status().message());
    out.offset = *o;
  }
  if (out.offset) out.time -= *out.offset;
  return out;
}

Result<Instant> ToInstant(const Value& v, RenderState& st, std::string_view fn) {
  if (v.is_int()) return Instant{Micros(std::chrono::seconds(v.AsInt())), std::nullopt};
  if (v.is_double())
    return Instant{Micros(std::chrono::microseconds(static_cast<int64_t>(v.AsDouble() * 1e6))), std::nullopt};
  if (!v.is_string()) return ArgError(st, fn, "needs a date, got " + std::string(v.TypeName()));
  auto r = ParseIso(v.AsString());
  if (!r.ok()) return ArgError(st, fn, r.status().message());
  return r;
}

// The offset of `zone` ("UTC", "Europe/Paris", "+02:00") at `t`.
Result<std::chrono::minutes> ZoneOffset(std::string_view zone, Micros t, std::string* abbrev) {
  if (zone == "UTC" || zone == "Z" || zone == "GMT") {
    if (abbrev) *abbrev = "UTC";
    return std::chrono::minutes(0);
  }
  if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
    auto probe = ParseIso("2000-01-01T00:00" + std::string(zone));
    if (!probe.ok() || !probe->offset) return InvalidArgument("unknown time zone '" + std::string(zone) + "'");
    if (abbrev) *abbrev = std::string(zone);
    return *probe->offset;
  }
  try {
    const date::time_zone* tz = date::locate_zone(std::string(zone));
    date::sys_info info = tz->get_info(std::chrono::time_point_cast<std::chrono::seconds>(t));
    if (abbrev) *abbrev = info.abbrev;
    return std::chrono::duration_cast<std::chrono::minutes>(info.offset);
  } catch (const std::exception&) {
    return InvalidArgument("unknown time zone '" + std::string(zone) + "'")
        .WithHint("use an IANA name like Europe/Paris, or UTC");
  }
}

std::string Pad(int64_t v, size_t width) {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (s.size() < width) s.insert(s.begin(), '0');
  return v < 0 ? "-" + s : s;
}

std::string OffsetText(std::chrono::minutes offset, bool colon, bool z_for_zero) {
  if (z_for_zero && offset.count() == 0) return "Z";
  int64_t m = offset.count();
  std::string sign = m < 0 ? "-" : "+";
  m = m < 0 ? -m : m;
  return sign + Pad(m / 60, 2) + (colon ? ":" : "") + Pad(m % 60, 2);
}

Result<std::string> Format(std::string_view pattern, Micros utc, std::chrono::minutes offset, const std::string& zone,
                           const std::string& abbrev, const LocaleNames& names) {
  Micros local = utc + offset;
  auto day = std::chrono::floor<date::days>(local);
  date::year_month_day ymd{day};
  date::hh_mm_ss<std::chrono::microseconds> tod{local - day};
  date::weekday wd{day};
  int64_t day_of_year = (day - date::sys_days{ymd.year() / 1 / 1}).count() + 1;
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '\'') {
      // Text in single quotes is literal; '' is a quote, inside or outside.
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        out += '\'';
        i += 2;
        continue;
      }
      size_t j = i + 1;
      while (true) {
        if (j >= pattern.size()) return InvalidArgument("unclosed quote in date format '" + std::string(pattern) + "'");
        if (pattern[j] == '\'') {
          if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
            out += '\'';
            j += 2;
            continue;
          }
          break;
        }
        out += pattern[j++];
      }
      i = j + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      out += c;
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == c) ++n;
    i += n;
    switch (c) {
      case 'y':
      case 'u':
        if (c == 'u' && n == 1) {
          out += std::to_string(wd.iso_encoding());
          break;
        }
        out += n == 2 ? Pad(static_cast<int>(ymd.year()) % 100, 2) : Pad(static_cast<int>(ymd.year()), n);
        break;
      case 'M':
        if (n >= 3) {
          ASSIGN_OR_RETURN(std::string name, NameOf(names, names.months[static_cast<unsigned>(ymd.month()) - 1], n));
          out += name;
        } else {
          out += Pad(static_cast<unsigned>(ymd.month()), n);
        }
        break;
      case 'd':
        out += Pad(static_cast<unsigned>(ymd.day()), n);
        break;
      case 'D':
        out += Pad(day_of_year, n);
        break;
      case 'E': {
        ASSIGN_OR_RETURN(std::string name, NameOf(names, names.days[wd.c_encoding()], n));
        out += name;
        break;
      }
      case 'H':
        out += Pad(tod.hours().count(), n);
        break;
      case 'h': {
        int64_t h = tod.hours().count() % 12;
        out += Pad(h == 0 ? 12 : h, n);
        break;
      }
      case 'a':
        out += tod.hours().count() < 12 ? "AM" : "PM";
        break;
      case 'm':
        out += Pad(tod.minutes().count(), n);
        break;
      case 's':
        out += Pad(tod.seconds().count(), n);
        break;
      case 'S': {
        std::string frac = Pad(tod.subseconds().count(), 6);
        while (frac.size() < n) frac += '0';
        out += frac.substr(0, n);
        break;
      }
      case 'X':
        out += OffsetText(offset, n >= 3 || n == 1 ? n != 1 : false, true);
        break;
      case 'x':
        out += OffsetText(offset, n >= 3, false);
        break;
      case 'Z':
        out += OffsetText(offset, n >= 4, false);
        break;
      case 'z':
        out += abbrev;
        break;
      case 'V':
        out += zone;
        break;
      default:
        return InvalidArgument(std::string("unsupported date format letter '") + c + "' in '" + std::string(pattern) +
                               "'")
            .WithHint("use letters like yyyy-MM-dd'T'HH:mm:ss.SSSXXX; quote literal text in ''");
    }
  }
  return out;
}

std::string NamedFormat(const std::string& f) {
  if (f == "iso" || f == "iso_offset_date_time" || f == "iso_date_time") return kIsoFormat;
  if (f == "iso_date") return "yyyy-MM-dd";
  if (f == "iso_time") return "HH:mm:ss.SSSXXX";
  if (f == "iso_instant") return "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
  if (f == "sql") return "yyyy-MM-dd HH:mm:ss.SSS";
  return f;
}

// Renders `t` in `zone` (or the input's own offset, else UTC).
Result<Value> Render(RenderState& st, std::string_view fn, const Instant& t, const std::string& pattern,
                     const std::string& zone, const LocaleNames& names) {
  std::string abbrev = "UTC";
  std::chrono::minutes offset = t.offset.value_or(std::chrono::minutes(0));
  if (!zone.empty()) {
    auto o = ZoneOffset(zone, t.time, &abbrev);
    if (!o.ok()) return ArgError(st, fn, o.status().ToString());
    offset = *o;
  } else if (t.offset && t.offset->count() != 0) {
    abbrev = OffsetText(*t.offset, true, false);
  }
  auto text = Format(NamedFormat(pattern), t.time, offset, zone.empty() ? abbrev : zone, abbrev, names);
  if (!text.ok()) return ArgError(st, fn, text.status().ToString());
  return Value(std::move(*text));
}

// t + n units, with every step checked: a huge n is an error, never a
// wrapped-around date. Results stay within the years the calendar library
// and the formatter handle (about -32767 to 32767).
Result<Micros> AddUnits(Micros t, int64_t n, std::string unit, std::chrono::minutes offset) {
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  using namespace std::chrono;
  auto out_of_range = [&] {
    return InvalidArgument("adding " + std::to_string(n) + " " + unit + " leaves the supported range of dates");
  };
  auto in_range = [&](Micros result) -> Result<Micros> {
    auto day = floor<date::days>(result);
    if (!date::year_month_day{day}.ok()) return out_of_range();
    return result;
  };
  const std::pair<const char*, int64_t> kFixed[] = {
      {"MICROS", 1},         {"MILLIS", 1000},           {"SECONDS", 1000000},  {"MINUTES", 60000000},
      {"HOURS", 3600000000}, {"HALF_DAYS", 43200000000}, {"DAYS", 86400000000}, {"WEEKS", 604800000000},
  };
  if (unit == "NANOS") return in_range(t + microseconds(n / 1000));
  for (const auto& [name, micros] : kFixed) {
    if (unit != name) continue;
    int64_t delta = 0, sum = 0;
    if (__builtin_mul_overflow(n, micros, &delta) || __builtin_add_overflow(t.time_since_epoch().count(), delta, &sum))
      return out_of_range();
    return in_range(Micros(microseconds(sum)));
  }
  if (unit == "MONTHS" || unit == "YEARS" || unit == "DECADES" || unit == "CENTURIES") {
    // Calendar arithmetic in local time; the day is clamped (Jan 31 + 1 month = Feb 28/29).
    int64_t per = unit == "MONTHS" ? 1 : unit == "YEARS" ? 12 : unit == "DECADES" ? 120 : 1200;
    int64_t months = 0;
    if (__builtin_mul_overflow(n, per, &months) || months > 12 * 65536 || months < -12 * 65536) return out_of_range();
    Micros local = t + offset;
    auto day = floor<date::days>(local);
    auto tod = local - day;
    date::year_month_day ymd{day};
    int64_t total =
        static_cast<int64_t>(static_cast<int>(ymd.year())) * 12 + (static_cast<unsigned>(ymd.month()) - 1) + months;
    int64_t year = total >= 0 ? total / 12 : -((-total + 11) / 12);
    if (year < static_cast<int>(date::year::min()) || year > static_cast<int>(date::year::max())) return out_of_range();
    auto ym = date::year_month{ymd.year(), ymd.month()} + date::months(months);
    date::year_month_day_last last{ym.year(), date::month_day_last{ym.month()}};
    date::day d = std::min(ymd.day(), last.day());
    return in_range(Micros(date::sys_days{ym.year() / ym.month() / d}) + tod - offset);
  }
  return InvalidArgument("unknown unit '" + unit + "'")
      .WithHint("use SECONDS, MINUTES, HOURS, DAYS, WEEKS, MONTHS, YEARS (or MILLIS, MICROS, NANOS)");
}

// The input read with Kestra's `existingFormat` when given, else as
// ISO-8601 or epoch seconds; and the `locale` of month and day names.
struct DateInput {
  Instant time;
  const LocaleNames* names;
};

// `at` is the position of existingFormat (locale follows it) among the
// filter's positional arguments; keyword-only when npos.
Result<DateInput> ReadDateInput(const Value& in, Args& args, RenderState& st, std::string_view fn, size_t at) {
  const Value* existing = args.Arg(at, "existingFormat");
  const Value* locale = args.Arg(at == std::string::npos ? at : at + 1, "locale");
  DateInput out{{}, &kLocales[0]};
  if (locale) {
    if (!locale->is_string()) return ArgError(st, fn, "locale must be text such as 'fr_FR'");
    auto names = FindLocale(locale->AsString());
    if (!names.ok()) return ArgError(st, fn, names.status().ToString());
    out.names = *names;
  }
  if (existing && !existing->is_null()) {
    if (!existing->is_string()) return ArgError(st, fn, "existingFormat must be a date format");
    if (!in.is_string()) return ArgError(st, fn, "existingFormat reads text, got " + std::string(in.TypeName()));
    auto t = ParseWithPattern(in.AsString(), NamedFormat(existing->AsString()), *out.names);
    if (!t.ok()) return ArgError(st, fn, t.status().ToString());
    out.time = *t;
    return out;
  }
  ASSIGN_OR_RETURN(out.time, ToInstant(in, st, fn));
  return out;
}

Result<Value> Timestamp(const Value& in, Args& args, RenderState& st, std::string_view fn, int64_t per_second) {
  ASSIGN_OR_RETURN(DateInput input, ReadDateInput(in, args, st, fn, std::string::npos));
  Instant t = input.time;
  ASSIGN_OR_RETURN(std::string zone, StringArg(st, fn, args, 0, "timeZone", ""));
  if (!zone.empty() && !t.offset) {
    // A local date-time read in the given zone.
    auto o = ZoneOffset(zone, t.time, nullptr);
    if (!o.ok()) return ArgError(st, fn, o.status().ToString());
    t.time -= *o;
  }
  int64_t micros = t.time.time_since_epoch().count();
  if (per_second == 1000000000) {
    int64_t nanos = 0;
    if (__builtin_mul_overflow(micros, int64_t{1000}, &nanos))
      return ArgError(st, fn, "the date is too far from 1970 to count in nanoseconds");
    return Value(nanos);
  }
  return Value(micros / (1000000 / per_second) - ((micros % (1000000 / per_second)) < 0 ? 1 : 0));
}

}  // namespace

void AddDateFilters(Environment& env) {
  env.AddFilter("date", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(DateInput input, ReadDateInput(in, args, st, "date", 2));
    ASSIGN_OR_RETURN(std::string format, StringArg(st, "date", args, 0, "format", kIsoFormat));
    ASSIGN_OR_RETURN(std::string zone, StringArg(st, "date", args, 1, "timeZone", ""));
    return Render(st, "date", input.time, format, zone, *input.names);
  });
  env.AddFilter("dateAdd", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(DateInput input, ReadDateInput(in, args, st, "dateAdd", 4));
    Instant t = input.time;
    ASSIGN_OR_RETURN(int64_t amount, IntArg(st, "dateAdd", args, 0, "amount"));
    ASSIGN_OR_RETURN(std::string unit, StringArg(st, "dateAdd", args, 1, "unit"));
    ASSIGN_OR_RETURN(std::string format, StringArg(st, "dateAdd", args, 2, "format", kIsoFormat));
    ASSIGN_OR_RETURN(std::string zone, StringArg(st, "dateAdd", args, 3, "timeZone", ""));
    std::chrono::minutes offset = t.offset.value_or(std::chrono::minutes(0));
    if (!zone.empty()) {
      auto o = ZoneOffset(zone, t.time, nullptr);
      if (!o.ok()) return ArgError(st, "dateAdd", o.status().ToString());
      offset = *o;
    }
    auto moved = AddUnits(t.time, amount, unit, offset);
    if (!moved.ok()) return ArgError(st, "dateAdd", moved.status().ToString());
    t.time = *moved;
    return Render(st, "dateAdd", t, format, zone, *input.names);
  });
  env.AddFilter("timestamp",
                [](const Value& in, Args& a, RenderState& st) { return Timestamp(in, a, st, "timestamp", 1); });
  env.AddFilter("timestampMilli",
                [](const Value& in, Args& a, RenderState& st) { return Timestamp(in, a, st, "timestampMilli", 1000); });
  env.AddFilter("timestampMicro", [](const Value& in, Args& a, RenderState& st) {
    return Timestamp(in, a, st, "timestampMicro", 1000000);
  });
  env.AddFilter("timestampNano", [](const Value& in, Args& a, RenderState& st) {
    return Timestamp(in, a, st, "timestampNano", 1000000000);
  });
}

}  // namespace floe::tmpl::builtins
