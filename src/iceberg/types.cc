#include "iceberg/types.h"

#include <cmath>
#include <map>

namespace floe::iceberg {
namespace {

const std::map<std::string, Type::Kind>& PrimitiveNames() {
  static const std::map<std::string, Type::Kind> kNames = {{"boolean", Type::Kind::kBoolean},
                                                           {"int", Type::Kind::kInt},
                                                           {"long", Type::Kind::kLong},
                                                           {"float", Type::Kind::kFloat},
                                                           {"double", Type::Kind::kDouble},
                                                           {"date", Type::Kind::kDate},
                                                           {"time", Type::Kind::kTime},
                                                           {"timestamp", Type::Kind::kTimestamp},
                                                           {"timestamptz", Type::Kind::kTimestampTz},
                                                           {"string", Type::Kind::kString},
                                                           {"uuid", Type::Kind::kUuid},
                                                           {"binary", Type::Kind::kBinary}};
  return kNames;
}

std::string Trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

Result<int> IntField(const tmpl::Value& json, const char* key, const std::string& where) {
  const tmpl::Value* v = json.Get(key);
  if (!v || !v->is_int()) return InvalidArgument(where + ": '" + key + "' must be an integer");
  return static_cast<int>(v->AsInt());
}

Result<std::vector<NestedField>> FieldsFromJson(const tmpl::Value& json, const std::string& where) {
  const tmpl::Value* fields = json.Get("fields");
  if (!fields || !fields->is_list()) return InvalidArgument(where + ": a struct needs a list of fields");
  std::vector<NestedField> out;
  for (const auto& f : fields->AsList()) {
    if (!f.is_map()) return InvalidArgument(where + ": each field must be an object");
    NestedField field;
    ASSIGN_OR_RETURN(field.id, IntField(f, "id", where + ": a field"));
    const tmpl::Value* name = f.Get("name");
    if (!name || !name->is_string())
      return InvalidArgument(where + ": field " + std::to_string(field.id) + " needs a name");
    field.name = name->AsString();
    std::string here = where + ": field '" + field.name + "'";
    const tmpl::Value* required = f.Get("required");
    if (!required || !required->is_bool()) return InvalidArgument(here + ": 'required' must be true or false");
    field.required = required->AsBool();
    const tmpl::Value* type = f.Get("type");
    if (!type) return InvalidArgument(here + ": no 'type'");
    auto parsed = TypeFromJson(*type);
    if (!parsed.ok()) return Status(parsed.status()).WithContext(here);
    field.type = *parsed;
    if (const tmpl::Value* doc = f.Get("doc"); doc && doc->is_string()) field.doc = doc->AsString();
    if (f.Get("initial-default") || f.Get("write-default"))
      return InvalidArgument(here + ": default values are format v3; floe reads v1 and v2 tables");
    out.push_back(std::move(field));
  }
  return out;
}

tmpl::Value FieldsToJson(const std::vector<NestedField>& fields) {
  tmpl::ValueList out;
  for (const auto& f : fields) {
    tmpl::ValueMap m;
    m.Set("id", tmpl::Value(int64_t{f.id}));
    m.Set("name", tmpl::Value(f.name));
    m.Set("required", tmpl::Value(f.required));
    m.Set("type", TypeToJson(*f.type));
    if (!f.doc.empty()) m.Set("doc", tmpl::Value(f.doc));
    out.push_back(tmpl::Value(std::move(m)));
  }
  return tmpl::Value(std::move(out));
}

const NestedField* FindIn(const std::vector<NestedField>& fields, int id) {
  for (const auto& f : fields) {
    if (f.id == id) return &f;
    const Type& t = *f.type;
    if (t.kind == Type::Kind::kStruct)
      if (const NestedField* inner = FindIn(t.fields, id)) return inner;
    // Lists' and maps' own element/key/value ids are not fields of the
    // schema's structs; their nested structs are.
    for (const TypePtr& nested : {t.element, t.key, t.value})
      if (nested && nested->kind == Type::Kind::kStruct)
        if (const NestedField* inner = FindIn(nested->fields, id)) return inner;
  }
  return nullptr;
}

int Highest(const Type& t) {
  int high = 0;
  for (const auto& f : t.fields) high = std::max({high, f.id, Highest(*f.type)});
  high = std::max({high, t.element_id, t.key_id, t.value_id});
  for (const TypePtr& nested : {t.element, t.key, t.value})
    if (nested) high = std::max(high, Highest(*nested));
  return high;
}

tmpl::Value Optional(tmpl::Value t) { return tmpl::Value(tmpl::ValueList{tmpl::Value("null"), std::move(t)}); }

}  // namespace

int DecimalBytes(int precision) { return static_cast<int>(std::ceil((precision * std::log2(10.0) + 1) / 8)); }

std::string Type::ToString() const {
  for (const auto& [name, k] : PrimitiveNames())
    if (k == kind) return name;
  switch (kind) {
    case Kind::kDecimal:
      return "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case Kind::kFixed:
      return "fixed[" + std::to_string(length) + "]";
    case Kind::kStruct:
      return "struct";
    case Kind::kList:
      return "list";
    case Kind::kMap:
      return "map";
    default:
      return "?";
  }
}

TypePtr Type::Primitive(Kind kind) {
  auto t = std::make_shared<Type>();
  t->kind = kind;
  return t;
}

const NestedField* Schema::FindField(int id) const { return FindIn(fields, id); }

const NestedField* Schema::FindField(const std::string& name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

int Schema::HighestFieldId() const {
  Type root;
  root.kind = Type::Kind::kStruct;
  root.fields = fields;
  return Highest(root);
}

Result<TypePtr> ParsePrimitiveType(const std::string& text) {
  std::string name = Trim(text);
  if (auto it = PrimitiveNames().find(name); it != PrimitiveNames().end()) return Type::Primitive(it->second);
  auto t = std::make_shared<Type>();
  if (name.starts_with("decimal(") && name.ends_with(")")) {
    std::string inside = name.substr(8, name.size() - 9);
    size_t comma = inside.find(',');
    if (comma != std::string::npos) {
      char* end1 = nullptr;
      char* end2 = nullptr;
      std::string p = Trim(inside.substr(0, comma)), s = Trim(inside.substr(comma + 1));
      long precision = std::strtol(p.c_str(), &end1, 10);
      long scale = std::strtol(s.c_str(), &end2, 10);
      if (!p.empty() && !s.empty() && *end1 == '\0' && *end2 == '\0' && precision >= 1 && precision <= 38 &&
          scale >= 0 && scale <= precision) {
        t->kind = Type::Kind::kDecimal;
        t->precision = static_cast<int>(precision);
        t->scale = static_cast<int>(scale);
        return TypePtr(t);
      }
    }
    return InvalidArgument("'" + name + "' is not a decimal(P,S) with 1 <= P <= 38 and 0 <= S <= P");
  }
  if (name.starts_with("fixed[") && name.ends_with("]")) {
    char* end = nullptr;
    std::string digits = name.substr(6, name.size() - 7);
    long length = std::strtol(digits.c_str(), &end, 10);
    if (!digits.empty() && *end == '\0' && length > 0 && length <= (1 << 20)) {
      t->kind = Type::Kind::kFixed;
      t->length = static_cast<int>(length);
      return TypePtr(t);
    }
    return InvalidArgument("'" + name + "' is not a fixed[L] with a positive length");
  }
  for (const char* v3 : {"unknown", "timestamp_ns", "timestamptz_ns", "variant", "geometry", "geography"})
    if (name == v3 || name.starts_with(std::string(v3) + "("))
      return InvalidArgument("type '" + name + "' is format v3; floe reads v1 and v2 tables");
  return InvalidArgument("unknown type '" + name + "'");
}

Result<TypePtr> TypeFromJson(const tmpl::Value& json) {
  if (json.is_string()) return ParsePrimitiveType(json.AsString());
  if (!json.is_map()) return InvalidArgument("a type must be a name or an object");
  const tmpl::Value* kind = json.Get("type");
  if (!kind || !kind->is_string()) return InvalidArgument("a nested type needs a 'type'");
  auto t = std::make_shared<Type>();
  const std::string& k = kind->AsString();
  if (k == "struct") {
    t->kind = Type::Kind::kStruct;
    ASSIGN_OR_RETURN(t->fields, FieldsFromJson(json, "struct"));
    return TypePtr(t);
  }
  auto child = [&](const char* key) -> Result<TypePtr> {
    const tmpl::Value* v = json.Get(key);
    if (!v) return InvalidArgument(k + ": no '" + key + "'");
    auto parsed = TypeFromJson(*v);
    if (!parsed.ok()) return Status(parsed.status()).WithContext(k + " " + key);
    return parsed;
  };
  auto flag = [&](const char* key) -> Result<bool> {
    const tmpl::Value* v = json.Get(key);
    if (!v || !v->is_bool()) return InvalidArgument(k + ": '" + key + "' must be true or false");
    return v->AsBool();
  };
  if (k == "list") {
    t->kind = Type::Kind::kList;
    ASSIGN_OR_RETURN(t->element_id, IntField(json, "element-id", "list"));
    ASSIGN_OR_RETURN(t->element_required, flag("element-required"));
    ASSIGN_OR_RETURN(t->element, child("element"));
    return TypePtr(t);
  }
  if (k == "map") {
    t->kind = Type::Kind::kMap;
    ASSIGN_OR_RETURN(t->key_id, IntField(json, "key-id", "map"));
    ASSIGN_OR_RETURN(t->value_id, IntField(json, "value-id", "map"));
    ASSIGN_OR_RETURN(t->value_required, flag("value-required"));
    ASSIGN_OR_RETURN(t->key, child("key"));
    ASSIGN_OR_RETURN(t->value, child("value"));
    return TypePtr(t);
  }
  return InvalidArgument("unknown nested type '" + k + "' (struct, list, map)");
}

tmpl::Value TypeToJson(const Type& t) {
  switch (t.kind) {
    case Type::Kind::kStruct:
      return tmpl::Value::MakeMap({{"type", tmpl::Value("struct")}, {"fields", FieldsToJson(t.fields)}});
    case Type::Kind::kList:
      return tmpl::Value::MakeMap({{"type", tmpl::Value("list")},
                                   {"element-id", tmpl::Value(int64_t{t.element_id})},
                                   {"element", TypeToJson(*t.element)},
                                   {"element-required", tmpl::Value(t.element_required)}});
    case Type::Kind::kMap:
      return tmpl::Value::MakeMap({{"type", tmpl::Value("map")},
                                   {"key-id", tmpl::Value(int64_t{t.key_id})},
                                   {"key", TypeToJson(*t.key)},
                                   {"value-id", tmpl::Value(int64_t{t.value_id})},
                                   {"value", TypeToJson(*t.value)},
                                   {"value-required", tmpl::Value(t.value_required)}});
    default:
      return tmpl::Value(t.ToString());
  }
}

Result<Schema> SchemaFromJson(const tmpl::Value& json) {
  if (!json.is_map()) return InvalidArgument("a schema must be an object");
  const tmpl::Value* type = json.Get("type");
  if (type && (!type->is_string() || type->AsString() != "struct")) return InvalidArgument("a schema must be a struct");
  Schema schema;
  if (const tmpl::Value* id = json.Get("schema-id")) {
    if (!id->is_int()) return InvalidArgument("'schema-id' must be an integer");
    schema.schema_id = static_cast<int>(id->AsInt());
  }
  std::string where = "schema " + std::to_string(schema.schema_id);
  ASSIGN_OR_RETURN(schema.fields, FieldsFromJson(json, where));
  if (const tmpl::Value* ids = json.Get("identifier-field-ids"); ids && ids->is_list())
    for (const auto& id : ids->AsList())
      if (id.is_int()) schema.identifier_field_ids.push_back(static_cast<int>(id.AsInt()));
  return schema;
}

tmpl::Value SchemaToJson(const Schema& schema) {
  tmpl::ValueMap m;
  m.Set("type", tmpl::Value("struct"));
  m.Set("schema-id", tmpl::Value(int64_t{schema.schema_id}));
  if (!schema.identifier_field_ids.empty()) {
    tmpl::ValueList ids;
    for (int id : schema.identifier_field_ids) ids.push_back(tmpl::Value(int64_t{id}));
    m.Set("identifier-field-ids", tmpl::Value(std::move(ids)));
  }
  m.Set("fields", FieldsToJson(schema.fields));
  return tmpl::Value(std::move(m));
}

tmpl::Value AvroType(const Type& t, bool optional, const std::string& name) {
  auto logical = [](const char* base, const char* logical_type) {
    return tmpl::Value::MakeMap({{"type", tmpl::Value(base)}, {"logicalType", tmpl::Value(logical_type)}});
  };
  tmpl::Value out;
  switch (t.kind) {
    case Type::Kind::kBoolean:
      out = tmpl::Value("boolean");
      break;
    case Type::Kind::kInt:
      out = tmpl::Value("int");
      break;
    case Type::Kind::kLong:
      out = tmpl::Value("long");
      break;
    case Type::Kind::kFloat:
      out = tmpl::Value("float");
      break;
    case Type::Kind::kDouble:
      out = tmpl::Value("double");
      break;
    case Type::Kind::kString:
      out = tmpl::Value("string");
      break;
    case Type::Kind::kBinary:
      out = tmpl::Value("bytes");
      break;
    case Type::Kind::kDate:
      out = logical("int", "date");
      break;
    case Type::Kind::kTime:
      out = logical("long", "time-micros");
      break;
    case Type::Kind::kTimestamp:
    case Type::Kind::kTimestampTz:
      out = logical("long", "timestamp-micros");
      out.MutableMap().Set("adjust-to-utc", tmpl::Value(t.kind == Type::Kind::kTimestampTz));
      break;
    case Type::Kind::kUuid:
      out = tmpl::Value::MakeMap({{"type", tmpl::Value("fixed")},
                                  {"name", tmpl::Value("uuid_fixed")},
                                  {"size", tmpl::Value(int64_t{16})},
                                  {"logicalType", tmpl::Value("uuid")}});
      break;
    case Type::Kind::kFixed:
      out = tmpl::Value::MakeMap({{"type", tmpl::Value("fixed")},
                                  {"name", tmpl::Value("fixed_" + std::to_string(t.length))},
                                  {"size", tmpl::Value(int64_t{t.length})}});
      break;
    case Type::Kind::kDecimal:
      out = tmpl::Value::MakeMap(
          {{"type", tmpl::Value("fixed")},
           {"name", tmpl::Value("decimal_" + std::to_string(t.precision) + "_" + std::to_string(t.scale))},
           {"size", tmpl::Value(int64_t{DecimalBytes(t.precision)})},
           {"logicalType", tmpl::Value("decimal")},
           {"precision", tmpl::Value(int64_t{t.precision})},
           {"scale", tmpl::Value(int64_t{t.scale})}});
      break;
    case Type::Kind::kStruct: {
      tmpl::ValueList fields;
      for (const auto& f : t.fields) {
        tmpl::ValueMap field;
        field.Set("name", tmpl::Value(f.name));
        field.Set("type", AvroType(*f.type, !f.required, "r" + std::to_string(f.id)));
        if (!f.required) field.Set("default", tmpl::Value());
        field.Set("field-id", tmpl::Value(int64_t{f.id}));
        fields.push_back(tmpl::Value(std::move(field)));
      }
      out = tmpl::Value::MakeMap(
          {{"type", tmpl::Value("record")}, {"name", tmpl::Value(name)}, {"fields", tmpl::Value(std::move(fields))}});
      break;
    }
    case Type::Kind::kList:
      out = tmpl::Value::MakeMap(
          {{"type", tmpl::Value("array")},
           {"items", AvroType(*t.element, !t.element_required, "r" + std::to_string(t.element_id))},
           {"element-id", tmpl::Value(int64_t{t.element_id})}});
      break;
    case Type::Kind::kMap: {
      std::string record = "k" + std::to_string(t.key_id) + "_v" + std::to_string(t.value_id);
      tmpl::ValueMap value_field;
      value_field.Set("name", tmpl::Value("value"));
      value_field.Set("type", AvroType(*t.value, !t.value_required, "r" + std::to_string(t.value_id)));
      if (!t.value_required) value_field.Set("default", tmpl::Value());
      value_field.Set("field-id", tmpl::Value(int64_t{t.value_id}));
      out = tmpl::Value::MakeMap(
          {{"type", tmpl::Value("array")},
           {"logicalType", tmpl::Value("map")},
           {"items",
            tmpl::Value::MakeMap(
                {{"type", tmpl::Value("record")},
                 {"name", tmpl::Value(record)},
                 {"fields", tmpl::Value(tmpl::ValueList{
                                tmpl::Value::MakeMap({{"name", tmpl::Value("key")},
                                                      {"type", AvroType(*t.key, false, "r" + std::to_string(t.key_id))},
                                                      {"field-id", tmpl::Value(int64_t{t.key_id})}}),
                                tmpl::Value(std::move(value_field))})}})}});
      break;
    }
  }
  return optional ? Optional(std::move(out)) : out;
}

}  // namespace floe::iceberg
