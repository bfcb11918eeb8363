// ResolveInputs: typed, validated flow inputs from what a user passed.
#include <cerrno>
#include <climits>
#include <cmath>
#include <regex>

#include "core/duration.h"
#include "core/strings.h"
#include "core/time.h"
#include "flow/flow.h"
#include "tmpl/json.h"

namespace floe::flow {
namespace {

bool IsDigits(std::string_view s, size_t from, size_t n) {
  if (from + n > s.size()) return false;
  for (size_t i = from; i < from + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

bool ValidDate(std::string_view s) {
  if (s.size() != 10 || !IsDigits(s, 0, 4) || s[4] != '-' || !IsDigits(s, 5, 2) || s[7] != '-' || !IsDigits(s, 8, 2))
    return false;
  int month = std::stoi(std::string(s.substr(5, 2)));
  int day = std::stoi(std::string(s.substr(8, 2)));
  int year = std::stoi(std::string(s.substr(0, 4)));
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

bool ValidDateTime(std::string_view s) {
  if (s.size() < 19 || !ValidDate(s.substr(0, 10)) || (s[10] != 'T' && s[10] != ' ')) return false;
  if (!IsDigits(s, 11, 2) || s[13] != ':' || !IsDigits(s, 14, 2) || s[16] != ':' || !IsDigits(s, 17, 2)) return false;
  if (std::stoi(std::string(s.substr(11, 2))) > 23 || std::stoi(std::string(s.substr(14, 2))) > 59 ||
      std::stoi(std::string(s.substr(17, 2))) > 60)
    return false;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return false;
  }
  if (i == s.size()) return true;
  if (s[i] == 'Z' && i + 1 == s.size()) return true;
  if ((s[i] == '+' || s[i] == '-') && s.size() == i + 6 && IsDigits(s, i + 1, 2) && s[i + 3] == ':' &&
      IsDigits(s, i + 4, 2))
    return true;
  return false;
}

bool ValidTime(std::string_view s) {
  if (s.size() < 5 || !IsDigits(s, 0, 2) || s[2] != ':' || !IsDigits(s, 3, 2)) return false;
  if (std::stoi(std::string(s.substr(0, 2))) > 23 || std::stoi(std::string(s.substr(3, 2))) > 59) return false;
  if (s.size() == 5) return true;
  if (s[5] != ':' || !IsDigits(s, 6, 2) || std::stoi(std::string(s.substr(6, 2))) > 60) return false;
  if (s.size() == 8) return true;
  if (s[8] != '.' || s.size() == 9) return false;
  return IsDigits(s, 9, s.size() - 9);
}

// A list given as a list, as JSON text of one, or as comma-separated text.
std::vector<tmpl::Value> ListOf(const tmpl::Value& given) {
  if (given.is_list()) return given.AsList();
  std::string text = given.is_string() ? given.AsString() : tmpl::ToJson(given);
  if (auto parsed = tmpl::ParseJson(text); parsed.ok() && parsed->is_list()) return parsed->AsList();
  std::vector<tmpl::Value> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    out.push_back(tmpl::Value(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Status NotAChoice(const Input& in, const std::string& text) {
  std::string choices;
  for (const auto& v : in.values) choices += (choices.empty() ? "" : ", ") + v;
  Status s = InvalidArgument("input '" + in.id + "' (" + std::string(InputTypeName(in.type)) + "): '" + text +
                             "' is not one of " + choices);
  std::string hint = DidYouMean(text, in.values);
  return hint.empty() ? s : std::move(s).WithHint(hint);
}

// When a valid DATE, DATETIME (its offset applied; none is UTC) or TIME (on
// 1970-01-01) value falls.
Timestamp OrderKey(InputType type, std::string_view v) {
  auto t = ParseTimestamp(type == InputType::kTime ? "1970-01-01T" + std::string(v) : std::string(v));
  return t.ok() ? *t : Timestamp{};  // values reaching here were validated
}

// Kestra's after/before on DATE, DATETIME and TIME inputs, both exclusive.
template <typename Bad>
Status CheckOrder(const Input& in, const std::string& text, Bad& bad) {
  Timestamp at = OrderKey(in.type, text);
  if (in.after && !(at > OrderKey(in.type, *in.after))) return bad("'" + text + "' is not after " + *in.after);
  if (in.before && !(at < OrderKey(in.type, *in.before))) return bad("'" + text + "' is not before " + *in.before);
  return Status::Ok();
}

Result<tmpl::Value> Convert(const Input& in, const tmpl::Value& given, std::string_view kind = "input") {
  auto bad = [&](std::string why) -> Status {
    return InvalidArgument(std::string(kind) + " '" + in.id + "' (" + std::string(InputTypeName(in.type)) +
                           "): " + why);
  };
  std::string text = given.is_string() ? given.AsString() : tmpl::ToJson(given);
  switch (in.type) {
    case InputType::kString: {
      if (!given.is_string() && !given.is_number() && !given.is_bool()) return bad("expected text");
      if (in.validator) {
        try {
          if (!std::regex_match(text, std::regex(*in.validator)))
            return bad("'" + text + "' does not match the validator " + *in.validator);
        } catch (const std::regex_error& e) {
          return bad("the validator '" + *in.validator + "' is not a valid regular expression: " + e.what());
        }
      }
      return tmpl::Value(text);
    }
    case InputType::kInt:
    case InputType::kFloat: {
      tmpl::Value number;
      if (given.is_number()) {
        number = given;
      } else {
        char* end = nullptr;
        errno = 0;
        if (in.type == InputType::kInt) {
          long long v = std::strtoll(text.c_str(), &end, 10);
          if (text.empty() || end != text.c_str() + text.size()) return bad("'" + text + "' is not an integer");
          if (errno == ERANGE) {
            return bad(text + " is out of range for an INT input (" + std::to_string(INT64_MIN) + " to " +
                       std::to_string(INT64_MAX) + ")");
          }
          number = tmpl::Value(static_cast<int64_t>(v));
        } else {
          double v = std::strtod(text.c_str(), &end);
          if (text.empty() || end != text.c_str() + text.size()) return bad("'" + text + "' is not a number");
          if (errno == ERANGE && std::isinf(v)) return bad(text + " is out of range for a FLOAT input");
          number = tmpl::Value(v);
        }
      }
      if (in.type == InputType::kInt && !number.is_int()) return bad("'" + text + "' is not an integer");
      if (in.type == InputType::kFloat && number.is_int()) number = tmpl::Value(static_cast<double>(number.AsInt()));
      if (in.min && number.AsDouble() < *in.min)
        return bad(text + " is below the minimum " + tmpl::FormatDouble(*in.min));
      if (in.max && number.AsDouble() > *in.max)
        return bad(text + " is above the maximum " + tmpl::FormatDouble(*in.max));
      return number;
    }
    case InputType::kBoolean:
      if (given.is_bool()) return given;
      if (text == "true" || text == "false") return tmpl::Value(text == "true");
      return bad("'" + text + "' is not true or false");
    case InputType::kDate:
      if (!ValidDate(text)) return bad("'" + text + "' is not a date like 2026-01-31");
      RETURN_IF_ERROR(CheckOrder(in, text, bad));
      return tmpl::Value(text);
    case InputType::kDateTime:
      if (!ValidDateTime(text)) return bad("'" + text + "' is not a date-time like 2026-01-31T08:00:00Z");
      RETURN_IF_ERROR(CheckOrder(in, text, bad));
      return tmpl::Value(text);
    case InputType::kDuration: {
      auto d = ParseDuration(text);
      if (!d.ok()) return bad(d.status().message());
      if (in.min_duration && *d < *in.min_duration)
        return bad(text + " is shorter than the minimum " + FormatDuration(*in.min_duration));
      if (in.max_duration && *d > *in.max_duration)
        return bad(text + " is longer than the maximum " + FormatDuration(*in.max_duration));
      return tmpl::Value(text);
    }
    case InputType::kJson: {
      if (!given.is_string()) return given;
      auto v = tmpl::ParseJson(text);
      if (!v.ok()) return bad(v.status().message());
      return v;
    }
    case InputType::kFile: {
      if (!given.is_string() || text.empty()) return bad("expected a file path");
      bool allowed = in.extensions.empty();
      for (const auto& ext : in.extensions) allowed = allowed || text.ends_with(ext);
      if (!allowed) {
        std::string list;
        for (const auto& ext : in.extensions) list += (list.empty() ? "" : ", ") + ext;
        return bad("'" + text + "' does not end with an allowed extension (" + list + ")");
      }
      return tmpl::Value(text);
    }
    case InputType::kSelect:
      if (!in.allow_custom_value && std::find(in.values.begin(), in.values.end(), text) == in.values.end())
        return NotAChoice(in, text);
      return tmpl::Value(text);
    case InputType::kMultiselect: {
      tmpl::ValueList chosen;
      for (const auto& item : ListOf(given)) {
        std::string choice = item.is_string() ? item.AsString() : tmpl::ToJson(item);
        if (!in.allow_custom_value && std::find(in.values.begin(), in.values.end(), choice) == in.values.end())
          return NotAChoice(in, choice);
        chosen.push_back(tmpl::Value(choice));
      }
      return tmpl::Value(std::move(chosen));
    }
    case InputType::kArray: {
      Input item{.id = in.id + "[]", .type = in.item_type.value_or(InputType::kString)};
      tmpl::ValueList items;
      for (const auto& v : ListOf(given)) {
        ASSIGN_OR_RETURN(tmpl::Value converted, Convert(item, v));
        items.push_back(std::move(converted));
      }
      return tmpl::Value(std::move(items));
    }
    case InputType::kTime:
      if (!ValidTime(text)) return bad("'" + text + "' is not a time like 08:30 or 08:30:15");
      RETURN_IF_ERROR(CheckOrder(in, text, bad));
      return tmpl::Value(text);
    case InputType::kYaml: {
      if (!given.is_string()) return given;
      std::vector<Status> ignored;
      auto doc = ParseYaml(text, "input " + in.id, FlowTemplateEnvironment(), &ignored);
      if (!doc.ok()) return bad(doc.status().message());
      return doc->ToValue();
    }
    case InputType::kUri: {
      static const std::regex kUriPattern("^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]+$");
      if (!std::regex_match(text, kUriPattern)) return bad("'" + text + "' is not a URI like https://host/path");
      return tmpl::Value(text);
    }
    case InputType::kEmail: {
      static const std::regex kEmailPattern("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
      if (!std::regex_match(text, kEmailPattern)) return bad("'" + text + "' is not an email address");
      return tmpl::Value(text);
    }
    case InputType::kSecret:
      if (!given.is_string() && !given.is_number()) return bad("expected text");
      if (in.validator) {
        // The value is a secret: the error never shows it.
        try {
          if (!std::regex_match(text, std::regex(*in.validator)))
            return bad("the value does not match the validator " + *in.validator);
        } catch (const std::regex_error& e) {
          return bad("the validator '" + *in.validator + "' is not a valid regular expression: " + e.what());
        }
      }
      return tmpl::Value(text);
  }
  return bad("unsupported type");
}

}  // namespace

Result<tmpl::Value> ConvertOutput(const FlowOutput& out, const tmpl::Value& rendered) {
  std::optional<InputType> type = ParseInputType(out.type);
  // FILE outputs are URIs as given; an unknown type was reported at load.
  if (!type || *type == InputType::kFile) return rendered;
  Input as_input;
  as_input.id = out.id;
  as_input.type = *type;
  return Convert(as_input, rendered, "output");
}

namespace {

// A SELECT/MULTISELECT input with its choices rendered from its expression:
// a list (or the JSON text of one) of values.
Result<Input> WithChoices(const Input& in, const tmpl::Value& inputs, const tmpl::RenderHost* host) {
  Input resolved = in;
  if (!in.values_expression || !host) return resolved;
  auto where = [&](std::string message) {
    return InvalidArgument("input '" + in.id + "': expression " + std::move(message))
        .WithLocation(in.values_expression->location);
  };
  auto rendered = RenderNode(*in.values_expression, tmpl::Value::MakeMap({{"inputs", inputs}}), host);
  if (!rendered.ok()) return where(rendered.status().message());
  tmpl::Value list = *rendered;
  if (list.is_string()) {
    auto parsed = tmpl::ParseJson(list.AsString());
    if (!parsed.ok() || !parsed->is_list()) return where("must give a list of choices, not '" + list.AsString() + "'");
    list = *parsed;
  }
  if (!list.is_list()) return where("must give a list of choices");
  resolved.values.clear();
  for (const auto& v : list.AsList()) resolved.values.push_back(v.is_string() ? v.AsString() : tmpl::ToJson(v));
  return resolved;
}

}  // namespace

Result<tmpl::Value> ResolveInputs(const Flow& flow, const std::map<std::string, tmpl::Value>& given,
                                  const tmpl::RenderHost* host) {
  std::vector<std::string> declared;
  for (const auto& in : flow.inputs) declared.push_back(in.id);
  for (const auto& [name, value] : given) {
    if (std::find(declared.begin(), declared.end(), name) == declared.end()) {
      Status s = InvalidArgument("flow '" + flow.id + "' has no input '" + name + "'");
      std::string hint = DidYouMean(name, declared);
      return std::move(s).WithHint(hint.empty() ? (declared.empty() ? "it declares no inputs"
                                                                    : "it declares: " +
                                                                          [&] {
                                                                            std::string all;
                                                                            for (const auto& d : declared)
                                                                              all += (all.empty() ? "" : ", ") + d;
                                                                            return all;
                                                                          }())
                                                : hint);
    }
  }
  tmpl::ValueMap out;
  for (const auto& in : flow.inputs) {
    auto it = given.find(in.id);
    if (in.depends_on_condition) {
      // Kestra's dependsOn: without its condition, the input is not asked for.
      tmpl::Value context = tmpl::Value::MakeMap({{"inputs", tmpl::Value(out)}});
      auto holds = RenderNode(*in.depends_on_condition, context, host);
      if (!holds.ok()) return Status(holds.status()).WithContext("input '" + in.id + "': dependsOn condition");
      if (!holds->Truthy() || (holds->is_string() && (holds->AsString() == "false" || holds->AsString() == "0"))) {
        if (it != given.end())
          return InvalidArgument("input '" + in.id + "' is given, but its dependsOn condition does not hold");
        continue;
      }
    }
    if (in.values_expression && !host) {
      // Its choices are known only with a host: take the value as given.
      if (it != given.end())
        out.Set(in.id, it->second);
      else if (in.defaults)
        out.Set(in.id, *in.defaults);
      continue;
    }
    ASSIGN_OR_RETURN(Input choosing, WithChoices(in, tmpl::Value(out), host));
    if (it != given.end()) {
      ASSIGN_OR_RETURN(tmpl::Value v, Convert(choosing, it->second));
      out.Set(in.id, std::move(v));
    } else if (in.defaults) {
      ASSIGN_OR_RETURN(tmpl::Value v, Convert(choosing, *in.defaults));
      out.Set(in.id, std::move(v));
    } else if (choosing.auto_select_first && !choosing.values.empty()) {
      tmpl::Value first(choosing.values.front());
      if (in.type == InputType::kMultiselect) first = tmpl::Value(tmpl::ValueList{first});
      ASSIGN_OR_RETURN(tmpl::Value v, Convert(choosing, first));
      out.Set(in.id, std::move(v));
    } else if (in.required) {
      return InvalidArgument("missing required input '" + in.id + "' (" + std::string(InputTypeName(in.type)) + ")")
          .WithHint("pass it with --input " + in.id + "=VALUE");
    } else {
      out.Set(in.id, tmpl::Value());
    }
  }
  return tmpl::Value(std::move(out));
}

}  // namespace floe::flow
