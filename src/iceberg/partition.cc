#include "iceberg/partition.h"

namespace floe::iceberg {
namespace {

using K = Type::Kind;

bool OneOf(K k, std::initializer_list<K> kinds) {
  for (K x : kinds)
    if (x == k) return true;
  return false;
}

}  // namespace

std::string Transform::ToString() const {
  switch (kind) {
    case Kind::kIdentity:
      return "identity";
    case Kind::kBucket:
      return "bucket[" + std::to_string(param) + "]";
    case Kind::kTruncate:
      return "truncate[" + std::to_string(param) + "]";
    case Kind::kYear:
      return "year";
    case Kind::kMonth:
      return "month";
    case Kind::kDay:
      return "day";
    case Kind::kHour:
      return "hour";
    case Kind::kVoid:
      return "void";
  }
  return "?";
}

Result<Transform> ParseTransform(const std::string& text) {
  Transform t;
  static const std::pair<const char*, Transform::Kind> kPlain[] = {
      {"identity", Transform::Kind::kIdentity}, {"year", Transform::Kind::kYear}, {"month", Transform::Kind::kMonth},
      {"day", Transform::Kind::kDay},           {"hour", Transform::Kind::kHour}, {"void", Transform::Kind::kVoid}};
  for (const auto& [name, kind] : kPlain)
    if (text == name) {
      t.kind = kind;
      return t;
    }
  for (auto [prefix, kind] :
       {std::pair{"bucket[", Transform::Kind::kBucket}, std::pair{"truncate[", Transform::Kind::kTruncate}}) {
    std::string p = prefix;
    if (!text.starts_with(p) || !text.ends_with("]")) continue;
    std::string digits = text.substr(p.size(), text.size() - p.size() - 1);
    char* end = nullptr;
    long n = std::strtol(digits.c_str(), &end, 10);
    if (digits.empty() || *end != '\0' || n < 1 || n > INT32_MAX)
      return InvalidArgument("transform '" + text + "' needs a positive whole number");
    t.kind = kind;
    t.param = static_cast<int>(n);
    return t;
  }
  return InvalidArgument("unknown partition transform '" + text +
                         "' (identity, bucket[N], truncate[W], year, month, day, hour, void)");
}

bool PartitionSpec::unpartitioned() const {
  for (const auto& f : fields)
    if (f.transform.kind != Transform::Kind::kVoid) return false;
  return true;
}

Result<std::vector<PartitionField>> PartitionFieldsFromJson(const tmpl::Value& json) {
  if (!json.is_list()) return InvalidArgument("partition fields must be a list");
  std::vector<PartitionField> fields;
  int next_id = 1000;
  for (const auto& f : json.AsList()) {
    if (!f.is_map()) return InvalidArgument("a partition field must be an object");
    PartitionField field;
    const tmpl::Value* source = f.Get("source-id");
    const tmpl::Value* name = f.Get("name");
    const tmpl::Value* transform = f.Get("transform");
    if (!name || !name->is_string()) return InvalidArgument("a partition field needs a name");
    field.name = name->AsString();
    std::string where = "partition field '" + field.name + "'";
    if (f.Get("source-ids")) return InvalidArgument(where + ": source-ids is format v3");
    if (!source || !source->is_int()) return InvalidArgument(where + ": 'source-id' must be an integer");
    if (!transform || !transform->is_string()) return InvalidArgument(where + ": needs a transform");
    field.source_id = static_cast<int>(source->AsInt());
    auto t = ParseTransform(transform->AsString());
    if (!t.ok()) return Status(t.status()).WithContext(where);
    field.transform = *t;
    if (const tmpl::Value* id = f.Get("field-id")) {
      if (!id->is_int()) return InvalidArgument(where + ": 'field-id' must be an integer");
      field.field_id = static_cast<int>(id->AsInt());
    } else {
      field.field_id = next_id;  // v1: ids assigned in order
    }
    next_id = std::max(next_id, field.field_id) + 1;
    fields.push_back(std::move(field));
  }
  return fields;
}

Result<PartitionSpec> PartitionSpecFromJson(const tmpl::Value& json) {
  if (!json.is_map()) return InvalidArgument("a partition spec must be an object");
  PartitionSpec spec;
  const tmpl::Value* id = json.Get("spec-id");
  if (!id || !id->is_int()) return InvalidArgument("a partition spec needs a 'spec-id'");
  spec.spec_id = static_cast<int>(id->AsInt());
  const tmpl::Value* fields = json.Get("fields");
  if (!fields) return InvalidArgument("partition spec " + std::to_string(spec.spec_id) + " has no fields list");
  auto parsed = PartitionFieldsFromJson(*fields);
  if (!parsed.ok()) return Status(parsed.status()).WithContext("partition spec " + std::to_string(spec.spec_id));
  spec.fields = std::move(*parsed);
  return spec;
}

tmpl::Value PartitionFieldsToJson(const std::vector<PartitionField>& fields) {
  tmpl::ValueList out;
  for (const auto& f : fields)
    out.push_back(tmpl::Value::MakeMap({{"name", tmpl::Value(f.name)},
                                        {"transform", tmpl::Value(f.transform.ToString())},
                                        {"source-id", tmpl::Value(int64_t{f.source_id})},
                                        {"field-id", tmpl::Value(int64_t{f.field_id})}}));
  return tmpl::Value(std::move(out));
}

tmpl::Value PartitionSpecToJson(const PartitionSpec& spec) {
  return tmpl::Value::MakeMap(
      {{"spec-id", tmpl::Value(int64_t{spec.spec_id})}, {"fields", PartitionFieldsToJson(spec.fields)}});
}

Result<TypePtr> TransformResultType(const Transform& t, const Type& source) {
  auto refuse = [&]() {
    return InvalidArgument("transform " + t.ToString() + " does not apply to a " + source.ToString() + " column");
  };
  if (!source.is_primitive()) return refuse();
  switch (t.kind) {
    case Transform::Kind::kIdentity:
    case Transform::Kind::kVoid:
      return std::make_shared<const Type>(source);
    case Transform::Kind::kBucket:
      if (!OneOf(source.kind, {K::kInt, K::kLong, K::kDecimal, K::kDate, K::kTime, K::kTimestamp, K::kTimestampTz,
                               K::kString, K::kUuid, K::kFixed, K::kBinary}))
        return refuse();
      return Type::Primitive(K::kInt);
    case Transform::Kind::kTruncate:
      if (!OneOf(source.kind, {K::kInt, K::kLong, K::kDecimal, K::kString, K::kBinary})) return refuse();
      return std::make_shared<const Type>(source);
    case Transform::Kind::kYear:
    case Transform::Kind::kMonth:
      if (!OneOf(source.kind, {K::kDate, K::kTimestamp, K::kTimestampTz})) return refuse();
      return Type::Primitive(K::kInt);
    case Transform::Kind::kDay:
      if (!OneOf(source.kind, {K::kDate, K::kTimestamp, K::kTimestampTz})) return refuse();
      return Type::Primitive(K::kDate);
    case Transform::Kind::kHour:
      if (!OneOf(source.kind, {K::kTimestamp, K::kTimestampTz})) return refuse();
      return Type::Primitive(K::kInt);
  }
  return refuse();
}

Result<TypePtr> PartitionType(const PartitionSpec& spec, const Schema& schema) {
  auto t = std::make_shared<Type>();
  t->kind = K::kStruct;
  for (const auto& f : spec.fields) {
    const NestedField* source = schema.FindField(f.source_id);
    if (!source)
      return InvalidArgument("partition field '" + f.name + "': source column " + std::to_string(f.source_id) +
                             " is not in schema " + std::to_string(schema.schema_id));
    auto result = TransformResultType(f.transform, *source->type);
    if (!result.ok()) return Status(result.status()).WithContext("partition field '" + f.name + "'");
    t->fields.push_back({.id = f.field_id, .name = f.name, .required = false, .type = *result});
  }
  return TypePtr(t);
}

}  // namespace floe::iceberg
