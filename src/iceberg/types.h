// Iceberg's schemas: types, fields with ids, and their JSON form (the
// table metadata's "schemas") and Avro form (for manifests' partition
// records), as the table spec writes them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::iceberg {

struct Type;
using TypePtr = std::shared_ptr<const Type>;

struct NestedField {
  int id = 0;
  std::string name;
  bool required = false;
  TypePtr type;
  std::string doc;
};

struct Type {
  enum class Kind {
    kBoolean,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kDecimal,
    kDate,
    kTime,
    kTimestamp,
    kTimestampTz,
    kString,
    kUuid,
    kFixed,
    kBinary,
    kStruct,
    kList,
    kMap
  };
  Kind kind = Kind::kInt;
  int precision = 0, scale = 0;     // decimal
  int length = 0;                   // fixed
  std::vector<NestedField> fields;  // struct
  // list: element; map: key, value.
  int element_id = 0, key_id = 0, value_id = 0;
  bool element_required = false, value_required = false;
  TypePtr element, key, value;

  bool is_primitive() const { return kind != Kind::kStruct && kind != Kind::kList && kind != Kind::kMap; }
  // "long", "decimal(9,2)", "fixed[16]", "struct", ...
  std::string ToString() const;
  static TypePtr Primitive(Kind kind);
};

// A table schema: a struct with a schema-id and identifier fields.
struct Schema {
  int schema_id = 0;
  std::vector<NestedField> fields;
  std::vector<int> identifier_field_ids;

  // Every field, nested ones included, by id; nullptr when there is none.
  const NestedField* FindField(int id) const;
  const NestedField* FindField(const std::string& name) const;  // a top-level field
  int HighestFieldId() const;
};

// Parses a primitive type's name ("long", "decimal(9, 2)", "fixed[16]");
// v3-only types are a clear error.
Result<TypePtr> ParsePrimitiveType(const std::string& name);
// The bytes of a decimal(precision, s) in Avro's fixed form.
int DecimalBytes(int precision);
Result<Schema> SchemaFromJson(const tmpl::Value& json);
tmpl::Value SchemaToJson(const Schema& schema);
Result<TypePtr> TypeFromJson(const tmpl::Value& json);
tmpl::Value TypeToJson(const Type& type);

// The Avro schema (as JSON) of a value of `type`, optional when `optional`:
// Iceberg's mapping (date as int/date, timestamp as long/timestamp-micros,
// decimal as fixed, ...). `name` names records and fixed types.
tmpl::Value AvroType(const Type& type, bool optional, const std::string& name);

}  // namespace floe::iceberg
