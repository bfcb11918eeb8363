#include "tmpl/json.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/strings.h"

namespace floe::tmpl {
namespace {

void Write(std::string& out, const Value& v, int indent, int level, bool spaced) {
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNull:
    case Value::Kind::kCallable:
      out += "null";
      break;
    case Value::Kind::kBool:
      out += v.AsBool() ? "true" : "false";
      break;
    case Value::Kind::kInt:
      out += std::to_string(v.AsInt());
      break;
    case Value::Kind::kDouble: {
      double d = v.AsDouble();
      out += std::isfinite(d) ? FormatDouble(d) : "null";
      break;
    }
    case Value::Kind::kString:
      AppendJsonQuoted(out, v.AsString());
      break;
    case Value::Kind::kList: {
      const auto& list = v.AsList();
      out += '[';
      for (size_t i = 0; i < list.size(); ++i) {
        if (i) out += spaced && indent < 0 ? ", " : ",";
        newline(level + 1);
        Write(out, list[i], indent, level + 1, spaced);
      }
      if (!list.empty()) newline(level);
      out += ']';
      break;
    }
    case Value::Kind::kMap: {
      const auto& map = v.AsMap();
      out += '{';
      bool first = true;
      for (const auto& [k, item] : map) {
        if (!first) out += spaced && indent < 0 ? ", " : ",";
        first = false;
        newline(level + 1);
        AppendJsonQuoted(out, k);
        out += indent < 0 && !spaced ? ":" : ": ";
        Write(out, item, indent, level + 1, spaced);
      }
      if (!map.empty()) newline(level);
      out += '}';
      break;
    }
  }
}

Value FromNlohmann(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      ValueList list;
      list.reserve(j.size());
      for (const auto& item : j) list.push_back(FromNlohmann(item));
      return Value(std::move(list));
    }
    case nlohmann::ordered_json::value_t::object: {
      ValueMap map;
      for (const auto& [k, item] : j.items()) map.Set(k, FromNlohmann(item));
      return Value(std::move(map));
    }
    default:
      return Value();
  }
}

}  // namespace

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  // Python's repr: the shortest digits that read back, in fixed notation for
  // exponents from -4 to 15 and scientific otherwise ("1e+20", "1e-07").
  char buf[64];
  auto [sci_end, ec1] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, sci_end);
  int exponent = std::atoi(sci.c_str() + sci.find('e') + 1);
  if (exponent < -4 || exponent >= 16) {
    // to_chars writes at least two exponent digits, as Python does.
    return sci;
  }
  auto [end, ec2] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  std::string s(buf, end);
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

std::string ToJson(const Value& v, int indent, bool python_spacing) {
  std::string out;
  Write(out, v, indent, 0, python_spacing);
  return out;
}

Result<Value> ParseJson(std::string_view text) {
  try {
    return FromNlohmann(nlohmann::ordered_json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    auto pos = what.find("] ");
    return InvalidArgument("invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
}

}  // namespace floe::tmpl
