#include "flow/yaml_node.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>

namespace floe::flow {
namespace {

Status NestedTooDeeply(SourceLocation where);

class Converter {
 public:
  Converter(std::string_view text, const std::string& file, const tmpl::Environment& env, std::vector<Status>* errors)
      : text_(text), file_(file), env_(env), errors_(errors) {}

  Result<YamlNode> Convert(const YAML::Node& node, int depth = 0) {
    if (depth > kMaxYamlDepth) return NestedTooDeeply(Where(node.Mark()));
    // Aliases share one node in yaml-cpp's graph but are copied here: bound
    // what the copies add up to, so a kilobyte of nested aliases ("billion
    // laughs") is an error instead of gigabytes.
    if (++nodes_ > kMaxYamlNodes) {
      return InvalidArgument("YAML expands to more than " + std::to_string(kMaxYamlNodes) + " nodes")
          .WithLocation(Where(node.Mark()))
          .WithHint("anchors and aliases (&name, *name) repeat their content each time they are used");
    }
    YamlNode out;
    out.location = Where(node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = YamlNode::Kind::kNull;
        break;
      case YAML::NodeType::Scalar: {
        out.kind = YamlNode::Kind::kScalar;
        out.scalar = node.Scalar();
        scalar_bytes_ += out.scalar.size();
        if (scalar_bytes_ > kMaxYamlExpandedBytes) {
          return InvalidArgument("YAML expands to more than " + std::to_string(kMaxYamlExpandedBytes >> 20) +
                                 " MiB of text")
              .WithLocation(out.location)
              .WithHint("anchors and aliases (&name, *name) repeat their content each time they are used");
        }
        out.quoted = node.Tag() == "!";
        if (out.scalar.find("{{") != std::string::npos || out.scalar.find("{%") != std::string::npos ||
            out.scalar.find("{#") != std::string::npos) {
          Compile(out, node);
        }
        break;
      }
      case YAML::NodeType::Sequence: {
        out.kind = YamlNode::Kind::kSequence;
        for (const auto& item : node) {
          ASSIGN_OR_RETURN(YamlNode child, Convert(item, depth + 1));
          out.items.push_back(std::move(child));
        }
        break;
      }
      case YAML::NodeType::Map: {
        out.kind = YamlNode::Kind::kMap;
        std::set<std::string> seen;
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) {
            return InvalidArgument("map keys must be plain text").WithLocation(Where(kv.first.Mark()));
          }
          YamlNode::Entry entry;
          entry.key = kv.first.Scalar();
          entry.key_location = Where(kv.first.Mark());
          if (!seen.insert(entry.key).second) {
            errors_->push_back(InvalidArgument("duplicate key '" + entry.key + "'")
                                   .WithLocation(entry.key_location)
                                   .WithHint("each key may appear once in a map"));
            continue;
          }
          ASSIGN_OR_RETURN(entry.value, Convert(kv.second, depth + 1));
          out.entries.push_back(std::move(entry));
        }
        break;
      }
    }
    return out;
  }

 private:
  SourceLocation Where(const YAML::Mark& mark) const {
    if (mark.line < 0) return SourceLocation{file_, 0, 0};
    return SourceLocation{file_, mark.line + 1, mark.column + 1};
  }

  // Finds where the scalar's text begins in the file, so template errors
  // point at the right column: after an opening quote, or on the first
  // content line of a block scalar (| or >) with its indentation.
  tmpl::SourceOrigin OriginFor(const YAML::Node& node) const {
    tmpl::SourceOrigin origin;
    origin.file = file_;
    origin.name = file_;
    const YAML::Mark mark = node.Mark();
    origin.line = mark.line + 1;
    origin.column = mark.column + 1;
    if (mark.pos < 0 || static_cast<size_t>(mark.pos) >= text_.size()) return origin;
    char c = text_[static_cast<size_t>(mark.pos)];
    if (c == '"' || c == '\'') {
      origin.column += 1;
      origin.indent = mark.column;  // continuation lines of flow scalars: approximate
    } else if (c == '|' || c == '>') {
      size_t eol = text_.find('\n', static_cast<size_t>(mark.pos));
      if (eol != std::string_view::npos) {
        size_t p = eol + 1;
        // Skip blank lines before the content.
        while (p < text_.size()) {
          size_t e = text_.find('\n', p);
          std::string_view line = text_.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p);
          if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
            int indent = static_cast<int>(line.find_first_not_of(' '));
            origin.line += 1 + static_cast<int>(std::count(text_.begin() + eol + 1, text_.begin() + p, '\n'));
            origin.column = indent + 1;
            origin.indent = indent;
            break;
          }
          if (e == std::string_view::npos) break;
          p = e + 1;
        }
      }
    } else {
      origin.indent = mark.column;
    }
    return origin;
  }

  void Compile(YamlNode& out, const YAML::Node& node) {
    auto compiled = tmpl::Template::Compile(out.scalar, OriginFor(node), env_);
    if (!compiled.ok()) {
      errors_->push_back(compiled.status());
      return;
    }
    out.tmpl = std::move(*compiled);
  }

  std::string_view text_;
  const std::string& file_;
  const tmpl::Environment& env_;
  std::vector<Status>* errors_;
  size_t nodes_ = 0;
  size_t scalar_bytes_ = 0;
};

Status NestedTooDeeply(SourceLocation where) {
  return InvalidArgument("YAML nested too deeply (more than " + std::to_string(kMaxYamlDepth) + " levels)")
      .WithLocation(std::move(where));
}

Status InvalidYaml(const YAML::Exception& e, const std::string& file) {
  SourceLocation where{file, e.mark.line + 1, e.mark.column + 1};
  // yaml-cpp's own recursion guard says only "bad file".
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) return NestedTooDeeply(std::move(where));
  return InvalidArgument("invalid YAML: " + e.msg).WithLocation(std::move(where));
}

tmpl::Value ScalarValue(const YamlNode& n) {
  if (n.quoted) return tmpl::Value(n.scalar);
  const std::string& s = n.scalar;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return tmpl::Value();
  if (s == "true" || s == "True" || s == "TRUE") return tmpl::Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return tmpl::Value(false);
  if (!s.empty()) {
    char* end = nullptr;
    errno = 0;
    bool has_digit = std::any_of(s.begin(), s.end(), ::isdigit);
    if (has_digit && s.find_first_not_of("+-0123456789") == std::string::npos) {
      long long i = std::strtoll(s.c_str(), &end, 10);
      if (end == s.c_str() + s.size() && errno == 0) return tmpl::Value(static_cast<int64_t>(i));
    }
    if (has_digit && s.find_first_not_of("+-0123456789.eE") == std::string::npos) {
      double d = std::strtod(s.c_str(), &end);
      if (end == s.c_str() + s.size()) return tmpl::Value(d);
    }
    if (s == ".inf" || s == "+.inf") return tmpl::Value(HUGE_VAL);
    if (s == "-.inf") return tmpl::Value(-HUGE_VAL);
  }
  return tmpl::Value(s);
}

}  // namespace

const YamlNode* YamlNode::Find(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}

tmpl::Value YamlNode::ToValue() const {
  switch (kind) {
    case Kind::kNull:
      return tmpl::Value();
    case Kind::kScalar:
      return ScalarValue(*this);
    case Kind::kSequence: {
      tmpl::ValueList list;
      for (const auto& item : items) list.push_back(item.ToValue());
      return tmpl::Value(std::move(list));
    }
    case Kind::kMap: {
      tmpl::ValueMap map;
      for (const auto& e : entries) map.Set(e.key, e.value.ToValue());
      return tmpl::Value(std::move(map));
    }
  }
  return tmpl::Value();
}

std::string_view YamlNode::KindName() const {
  switch (kind) {
    case Kind::kNull:
      return "nothing";
    case Kind::kScalar:
      return "a value";
    case Kind::kSequence:
      return "a list";
    case Kind::kMap:
      return "a map";
  }
  return "?";
}

Result<YamlNode> ParseYaml(std::string_view text, const std::string& file, const tmpl::Environment& env,
                           std::vector<Status>* template_errors) {
  if (text.size() > kMaxYamlBytes) {
    return InvalidArgument("the YAML document is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                           std::to_string(kMaxYamlBytes >> 20) + " MiB")
        .WithLocation(SourceLocation{file, 1, 1});
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidYaml(e, file);
  }
  Converter converter(text, file, env, template_errors);
  try {
    return converter.Convert(root);
  } catch (const YAML::Exception& e) {
    return InvalidYaml(e, file);
  }
}

Result<tmpl::Value> RenderNode(const YamlNode& node, const tmpl::Value& variables, const tmpl::RenderHost* host) {
  switch (node.kind) {
    case YamlNode::Kind::kScalar:
      if (node.tmpl) return node.tmpl->Evaluate(variables, host);
      return node.ToValue();
    case YamlNode::Kind::kSequence: {
      tmpl::ValueList list;
      for (const auto& item : node.items) {
        ASSIGN_OR_RETURN(tmpl::Value v, RenderNode(item, variables, host));
        list.push_back(std::move(v));
      }
      return tmpl::Value(std::move(list));
    }
    case YamlNode::Kind::kMap: {
      tmpl::ValueMap map;
      for (const auto& e : node.entries) {
        ASSIGN_OR_RETURN(tmpl::Value v, RenderNode(e.value, variables, host));
        map.Set(e.key, std::move(v));
      }
      return tmpl::Value(std::move(map));
    }
    case YamlNode::Kind::kNull:
      return tmpl::Value();
  }
  return tmpl::Value();
}

}  // namespace floe::flow
