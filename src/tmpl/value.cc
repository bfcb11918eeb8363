#include "tmpl/value.h"

#include <cmath>

namespace floe::tmpl {

size_t ValueMap::IndexOf(std::string_view key) const {
  if (entries_.size() <= kIndexThreshold) {
    for (size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].first == key) return i;
    return entries_.size();
  }
  auto it = index_.find(key);
  return it == index_.end() ? entries_.size() : it->second;
}

void ValueMap::Reindex() {
  index_.clear();
  if (entries_.size() <= kIndexThreshold) return;
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
}

const Value* ValueMap::Find(std::string_view key) const {
  size_t i = IndexOf(key);
  return i == entries_.size() ? nullptr : &entries_[i].second;
}

Value* ValueMap::Find(std::string_view key) {
  size_t i = IndexOf(key);
  return i == entries_.size() ? nullptr : &entries_[i].second;
}

void ValueMap::Set(std::string_view key, Value value) {
  size_t i = IndexOf(key);
  if (i != entries_.size()) {
    entries_[i].second = std::move(value);
    return;
  }
  entries_.emplace_back(std::string(key), std::move(value));
  if (entries_.size() == kIndexThreshold + 1) {
    Reindex();
  } else if (entries_.size() > kIndexThreshold) {
    index_.emplace(entries_.back().first, entries_.size() - 1);
  }
}

bool ValueMap::Erase(std::string_view key) {
  size_t i = IndexOf(key);
  if (i == entries_.size()) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
  Reindex();
  return true;
}

Value Value::MakeMap(std::initializer_list<ValueMap::Entry> entries) {
  ValueMap map;
  for (const auto& [k, v] : entries) map.Set(k, v);
  return Value(std::move(map));
}

Value Value::MakeCallable(std::string name, Callable fn) {
  Value v;
  v.data_ = std::make_shared<const NamedCallable>(NamedCallable{std::move(name), std::move(fn)});
  return v;
}

Value Value::Undefined(std::string what, std::string hint) {
  Value v;
  v.data_ = std::make_shared<const UndefinedInfo>(UndefinedInfo{std::move(what), std::move(hint)});
  return v;
}

const Value* Value::Get(std::string_view key) const { return is_map() ? AsMap().Find(key) : nullptr; }

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNull:
      return false;
    case Kind::kBool:
      return AsBool();
    case Kind::kInt:
      return AsInt() != 0;
    case Kind::kDouble:
      return AsDouble() != 0.0;
    case Kind::kString:
      return !AsString().empty();
    case Kind::kList:
      return !AsList().empty();
    case Kind::kMap:
      return !AsMap().empty();
    case Kind::kCallable:
      return true;
  }
  return false;
}

bool Value::Equals(const Value& other) const {
  if (is_number() && other.is_number()) {
    if (is_int() && other.is_int()) return AsInt() == other.AsInt();
    return AsDouble() == other.AsDouble();
  }
  if (kind() != other.kind()) return false;
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return AsBool() == other.AsBool();
    case Kind::kString:
      return AsString() == other.AsString();
    case Kind::kList: {
      const auto& a = AsList();
      const auto& b = other.AsList();
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!a[i].Equals(b[i])) return false;
      return true;
    }
    case Kind::kMap: {
      const auto& a = AsMap();
      const auto& b = other.AsMap();
      if (a.size() != b.size()) return false;
      for (const auto& [k, v] : a) {
        const Value* o = b.Find(k);
        if (!o || !v.Equals(*o)) return false;
      }
      return true;
    }
    case Kind::kCallable:
      return std::get<CallablePtr>(data_) == std::get<CallablePtr>(other.data_);
    default:
      return false;
  }
}

std::string_view Value::TypeName() const {
  switch (kind()) {
    case Kind::kUndefined:
      return "undefined";
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kDouble:
      return "float";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "list";
    case Kind::kMap:
      return "map";
    case Kind::kCallable:
      return "function";
  }
  return "?";
}

const Value* CallArgs::Arg(size_t i, std::string_view name) const {
  if (i < positional.size()) return &positional[i];
  for (size_t k = 0; k < keyword.size(); ++k) {
    if (keyword[k].first != name) continue;
    keyword_taken.resize(keyword.size());
    keyword_taken[k] = true;
    return &keyword[k].second;
  }
  return nullptr;
}

const std::string* CallArgs::UntakenKeyword() const {
  if (all_keywords_taken) return nullptr;
  for (size_t k = 0; k < keyword.size(); ++k)
    if (k >= keyword_taken.size() || !keyword_taken[k]) return &keyword[k].first;
  return nullptr;
}

}  // namespace floe::tmpl
