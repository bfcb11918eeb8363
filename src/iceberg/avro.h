// Avro, as Iceberg uses it: schemas (with Iceberg's field-id, element-id,
// key-id/value-id attributes kept), the binary encoding, and object
// container files with the null, deflate and snappy codecs. Values are
// tmpl::Values: a record is read as a list of its fields' values in field
// order (no name per value: manifests hold thousands of records) and
// written from such a list or from a map by field name; bytes and fixed
// are strings holding the raw bytes, a union is its branch's value.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::iceberg::avro {

struct Schema;
using SchemaPtr = std::shared_ptr<const Schema>;

struct Field {
  std::string name;
  SchemaPtr schema;
  std::optional<int> field_id;  // Iceberg's "field-id"
  bool has_default = false;
  tmpl::Value default_value;
};

struct Schema {
  enum class Type {
    kNull,
    kBoolean,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kBytes,
    kString,
    kFixed,
    kEnum,
    kRecord,
    kArray,
    kMap,
    kUnion
  };
  Type type = Type::kNull;
  std::string name;                  // record, fixed, enum
  std::string logical_type;          // "map" (Iceberg's int-keyed maps), "date", "decimal", ...
  int64_t size = 0;                  // fixed
  std::vector<Field> fields;         // record
  SchemaPtr items;                   // array items, map values
  std::vector<SchemaPtr> branches;   // union
  std::vector<std::string> symbols;  // enum
  std::optional<int> element_id;     // array: Iceberg's "element-id"
  tmpl::Value json;                  // the schema as written (its attributes)

  const Field* FindField(std::string_view name) const;
  const Field* FindFieldById(int id) const;
  // The position of a field, or -1.
  int FieldIndex(std::string_view name) const;
  int FieldIndexById(int id) const;
  // A union of null and one type: that type; else nullptr.
  SchemaPtr NonNullBranch() const;
};

// Parses a schema from its JSON text; named types may be referred to by name
// after their definition.
Result<SchemaPtr> ParseSchema(std::string_view json);

// The binary encoding of `value` as `schema` (appended to `out`); an error
// names the field path where the value does not fit.
Status Encode(const Schema& schema, const tmpl::Value& value, std::string& out);
// Decodes one value; `data` advances past it.
Result<tmpl::Value> Decode(const Schema& schema, std::string_view& data);

enum class Codec { kNull, kDeflate, kSnappy };

struct ContainerFile {
  SchemaPtr schema;
  std::string schema_json;
  std::map<std::string, std::string> metadata;  // every header entry but avro.*
  std::vector<tmpl::Value> records;
};

// Reads a whole object container file; errors name `name` and the byte
// offset where it broke.
Result<ContainerFile> ReadContainer(std::string_view bytes, const std::string& name);
// The same, handing each record's bytes to `read` (which must consume
// exactly one record) instead of decoding it into `records`: for readers
// that decode straight into their own types (manifests).
using RecordReader = std::function<Status(const Schema& schema, std::string_view& data)>;
Result<ContainerFile> ReadContainerWith(std::string_view bytes, const std::string& name, const RecordReader& read);
// Writes one: the schema's JSON text, extra header entries, the records.
Result<std::string> WriteContainer(const std::string& schema_json, const std::map<std::string, std::string>& metadata,
                                   const std::vector<tmpl::Value>& records, Codec codec = Codec::kDeflate);

// The varint primitives (zig-zag), exposed for tests.
void WriteLong(int64_t v, std::string& out);
Result<int64_t> ReadLong(std::string_view& data);
// The item count of an array, map or header block: a negative count is
// followed by the block's size in bytes, which is skipped. 0 ends them.
Result<int64_t> ReadBlockCount(std::string_view& data);

}  // namespace floe::iceberg::avro
