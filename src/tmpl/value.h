// Value: the dynamic type that templates compute with, and that floe uses for
// inputs, outputs and rendered task properties.
//
// Kinds: undefined (a name that was not found), null, bool, int, double,
// string, list, map (insertion-ordered), callable. Copies are cheap: strings,
// lists and maps are shared. Lists and maps are reference types, as in Jinja:
// `{% do items.append(x) %}` changes every holder of that list.
//
//   Value row = Value::MakeMap({{"id", 1}, {"name", "ada"}});
//   row.Get("name")->AsString();   // "ada"
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"

namespace floe::tmpl {

class Value;
struct CallArgs;

// Insertion-ordered string-keyed map. Small maps (most of them: rows, loop
// variables, outputs) are searched linearly; a hash index is built once a map
// grows past kIndexThreshold entries.
class ValueMap {
 public:
  using Entry = std::pair<std::string, Value>;

  // Defined after Value (which must be complete for them).
  size_t size() const;
  bool empty() const;
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>::const_iterator begin() const;
  std::vector<Entry>::const_iterator end() const;

  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Inserts or replaces; a replaced key keeps its position. Replacing does
  // not allocate.
  void Set(std::string_view key, Value value);
  bool Erase(std::string_view key);

  // How the map prints as text, when set: dbt's Relation prints as
  // "db"."schema"."table" while its fields stay attributes. Used wherever a
  // value becomes text ({{ }}, `~`, the string filter, map keys) in both
  // dialects; JSON output and equality ignore it. Copies of the map keep it.
  void set_display(std::string text) { display_ = std::make_shared<const std::string>(std::move(text)); }
  // The display text, or nullptr when the map prints as a dict.
  const std::string* display() const { return display_.get(); }

 private:
  static constexpr size_t kIndexThreshold = 12;
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  size_t IndexOf(std::string_view key) const;  // entries_.size() when absent
  void Reindex();

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t, KeyHash, std::equal_to<>> index_;  // empty while small
  std::shared_ptr<const std::string> display_;                               // null unless set_display()
};

using ValueList = std::vector<Value>;
using Callable = std::function<Result<Value>(CallArgs&)>;

class Value {
 public:
  enum class Kind { kUndefined, kNull, kBool, kInt, kDouble, kString, kList, kMap, kCallable };

  Value() : data_(Null{}) {}
  Value(std::nullptr_t) : data_(Null{}) {}                                            // NOLINT
  Value(bool b) : data_(b) {}                                                         // NOLINT
  Value(int i) : data_(static_cast<int64_t>(i)) {}                                    // NOLINT
  Value(int64_t i) : data_(i) {}                                                      // NOLINT
  Value(double d) : data_(d) {}                                                       // NOLINT
  Value(const char* s) : Value(std::string(s)) {}                                     // NOLINT
  Value(std::string_view s) : Value(std::string(s)) {}                                // NOLINT
  Value(std::string s) : data_(std::make_shared<const std::string>(std::move(s))) {}  // NOLINT
  Value(ValueList list) : data_(std::make_shared<ValueList>(std::move(list))) {}      // NOLINT
  Value(ValueMap map) : data_(std::make_shared<ValueMap>(std::move(map))) {}          // NOLINT

  static Value MakeMap(std::initializer_list<ValueMap::Entry> entries);
  static Value MakeCallable(std::string name, Callable fn);
  // `what` names the missing thing for error messages ("inputs.name").
  static Value Undefined(std::string what, std::string hint = "");

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_double() const { return kind() == Kind::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_map() const { return kind() == Kind::kMap; }
  bool is_callable() const { return kind() == Kind::kCallable; }

  // Accessors assume the kind (checked with assert in debug builds).
  bool AsBool() const { return std::get<bool>(data_); }
  int64_t AsInt() const { return std::get<int64_t>(data_); }
  double AsDouble() const { return is_int() ? static_cast<double>(AsInt()) : std::get<double>(data_); }
  const std::string& AsString() const { return *std::get<StringPtr>(data_); }
  const ValueList& AsList() const { return *std::get<ListPtr>(data_); }
  ValueList& MutableList() const { return *std::get<ListPtr>(data_); }
  const ValueMap& AsMap() const { return *std::get<MapPtr>(data_); }
  ValueMap& MutableMap() const { return *std::get<MapPtr>(data_); }
  const std::string& UndefinedName() const { return std::get<UndefinedPtr>(data_)->what; }
  const std::string& UndefinedHint() const { return std::get<UndefinedPtr>(data_)->hint; }
  const std::string& CallableName() const { return std::get<CallablePtr>(data_)->name; }
  const Callable& AsCallable() const { return std::get<CallablePtr>(data_)->fn; }

  // Map lookup; nullptr when not a map or the key is absent.
  const Value* Get(std::string_view key) const;

  // Python/Jinja truthiness: empty strings, lists and maps, 0, null and
  // undefined are false.
  bool Truthy() const;
  // Deep equality; 1 == 1.0.
  bool Equals(const Value& other) const;
  // "null", "bool", "int", "float", "string", "list", "map", "function", "undefined".
  std::string_view TypeName() const;

 private:
  struct Null {};
  struct UndefinedInfo {
    std::string what;
    std::string hint;
  };
  struct NamedCallable {
    std::string name;
    Callable fn;
  };
  // Rare kinds live behind pointers so a Value stays two words and a tag.
  using UndefinedPtr = std::shared_ptr<const UndefinedInfo>;
  using StringPtr = std::shared_ptr<const std::string>;
  using ListPtr = std::shared_ptr<ValueList>;
  using MapPtr = std::shared_ptr<ValueMap>;
  using CallablePtr = std::shared_ptr<const NamedCallable>;

  // Order matches Kind.
  std::variant<UndefinedPtr, Null, bool, int64_t, double, StringPtr, ListPtr, MapPtr, CallablePtr> data_;
};

// Arguments of a filter, function, test or macro call.
struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // Positional i, else keyword `name` (which counts as taken), else nullptr.
  const Value* Arg(size_t i, std::string_view name) const;
  // A callee that takes any keyword (namespace(), dict(), dbt's config())
  // says so; the others' keywords are all asked for by name.
  void TakeAllKeywords() const { all_keywords_taken = true; }
  // The first keyword argument the callee never asked for: an argument it
  // does not take (an error, never silently ignored). nullptr when none.
  const std::string* UntakenKeyword() const;

  mutable std::vector<bool> keyword_taken;  // by index into `keyword`
  mutable bool all_keywords_taken = false;
};

inline size_t ValueMap::size() const { return entries_.size(); }
inline bool ValueMap::empty() const { return entries_.empty(); }
inline std::vector<ValueMap::Entry>::const_iterator ValueMap::begin() const { return entries_.begin(); }
inline std::vector<ValueMap::Entry>::const_iterator ValueMap::end() const { return entries_.end(); }

}  // namespace floe::tmpl
