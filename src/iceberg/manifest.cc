#include "iceberg/manifest.h"

#include <type_traits>

#include "iceberg/avro.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using tmpl::Value;

// A field of an Avro record schema, with Iceberg's field id.
Value AvroField(const std::string& name, Value type, int id, bool optional = false) {
  tmpl::ValueMap f;
  f.Set("name", Value(name));
  f.Set("type", optional ? Value(tmpl::ValueList{Value("null"), std::move(type)}) : std::move(type));
  if (optional) f.Set("default", Value());
  f.Set("field-id", Value(int64_t{id}));
  return Value(std::move(f));
}

// Iceberg's int-keyed map: an array of {key, value} records.
Value IntMap(int key_id, int value_id, const char* value_type) {
  return Value::MakeMap(
      {{"type", Value("array")},
       {"logicalType", Value("map")},
       {"items",
        Value::MakeMap({{"type", Value("record")},
                        {"name", Value("k" + std::to_string(key_id) + "_v" + std::to_string(value_id))},
                        {"fields", Value(tmpl::ValueList{AvroField("key", Value("int"), key_id),
                                                         AvroField("value", Value(value_type), value_id)})}})}});
}

Value Array(const char* items, int element_id) {
  return Value::MakeMap(
      {{"type", Value("array")}, {"items", Value(items)}, {"element-id", Value(int64_t{element_id})}});
}

Value Record(const std::string& name, tmpl::ValueList fields) {
  return Value::MakeMap({{"type", Value("record")}, {"name", Value(name)}, {"fields", Value(std::move(fields))}});
}

template <typename T>
Value MapToAvro(const std::map<int, T>& m) {
  tmpl::ValueList items;
  for (const auto& [k, v] : m) items.push_back(Value::MakeMap({{"key", Value(int64_t{k})}, {"value", Value(v)}}));
  return Value(std::move(items));
}

// Reads a field by its Iceberg field id (files name some fields differently:
// added_files_count / added_data_files_count); nullptr when absent or null.
const Value* ById(const avro::Schema& record, const Value& value, int id) {
  int i = record.FieldIndexById(id);
  if (i < 0 || !value.is_list() || static_cast<size_t>(i) >= value.AsList().size()) return nullptr;
  const Value* v = &value.AsList()[static_cast<size_t>(i)];
  return !v->is_null() ? v : nullptr;
}

// The record schema behind a field (through an optional union).
const avro::Schema* RecordOf(const avro::Schema& record, int id) {
  const avro::Field* f = record.FindFieldById(id);
  if (!f) return nullptr;
  const avro::Schema* s = f->schema.get();
  if (s->type == avro::Schema::Type::kUnion) s = s->NonNullBranch().get();
  return s && s->type == avro::Schema::Type::kRecord ? s : nullptr;
}

Result<int64_t> Required(const avro::Schema& record, const Value& value, int id, const std::string& what) {
  const Value* v = ById(record, value, id);
  if (!v || !v->is_int()) return InvalidArgument("no " + what + " (field " + std::to_string(id) + ")");
  return v->AsInt();
}

int64_t Or(const avro::Schema& record, const Value& value, int id, int64_t fallback) {
  const Value* v = ById(record, value, id);
  return v && v->is_int() ? v->AsInt() : fallback;
}

template <typename T>
std::map<int, T> MapFromAvro(const Value* v) {
  std::map<int, T> out;
  if (!v || !v->is_list()) return out;
  for (const auto& item : v->AsList()) {
    // Iceberg's map records: key, then value.
    if (!item.is_list() || item.AsList().size() != 2) continue;
    const Value* k = &item.AsList()[0];
    const Value* val = &item.AsList()[1];
    if (!k->is_int()) continue;
    if constexpr (std::is_same_v<T, int64_t>) {
      if (val->is_int()) out[static_cast<int>(k->AsInt())] = val->AsInt();
    } else {
      if (val->is_string()) out[static_cast<int>(k->AsInt())] = val->AsString();
    }
  }
  return out;
}

// A partition value as Avro holds it: decimals (unscaled in floe) as the
// big-endian two's complement bytes of their fixed type.
Value AvroPartitionValue(const Type& type, const Value& v) {
  if (type.kind != Type::Kind::kDecimal || !v.is_int()) return v;
  std::string bytes(static_cast<size_t>(DecimalBytes(type.precision)), '\0');
  uint64_t unscaled = static_cast<uint64_t>(v.AsInt());
  for (size_t i = bytes.size(); i-- > 0;) {
    bytes[i] = static_cast<char>(unscaled & 0xff);
    unscaled = v.AsInt() < 0 ? (unscaled >> 8) | 0xff00000000000000ULL : unscaled >> 8;
  }
  return Value(std::move(bytes));
}

// The reverse, for fixed decimals of up to 8 bytes (18 digits).
Value PartitionValueFromAvro(const avro::Schema& s, Value v) {
  if (s.logical_type != "decimal" || !v.is_string() || v.AsString().empty() || v.AsString().size() > 8) return v;
  const std::string& b = v.AsString();
  int64_t unscaled = (static_cast<uint8_t>(b[0]) & 0x80) ? -1 : 0;
  for (char c : b) unscaled = static_cast<int64_t>((static_cast<uint64_t>(unscaled) << 8) | static_cast<uint8_t>(c));
  return Value(unscaled);
}

std::string FormatName(std::string f) {
  for (char& c : f) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return f;
}

}  // namespace

Result<std::string> ManifestEntryAvroSchema(const PartitionSpec& spec, const Schema& schema) {
  ASSIGN_OR_RETURN(TypePtr partition, PartitionType(spec, schema));
  tmpl::ValueList file{
      AvroField("content", Value("int"), 134),
      AvroField("file_path", Value("string"), 100),
      AvroField("file_format", Value("string"), 101),
      AvroField("partition", AvroType(*partition, false, "r102"), 102),
      AvroField("record_count", Value("long"), 103),
      AvroField("file_size_in_bytes", Value("long"), 104),
      AvroField("column_sizes", IntMap(117, 118, "long"), 108, true),
      AvroField("value_counts", IntMap(119, 120, "long"), 109, true),
      AvroField("null_value_counts", IntMap(121, 122, "long"), 110, true),
      AvroField("nan_value_counts", IntMap(138, 139, "long"), 137, true),
      AvroField("lower_bounds", IntMap(126, 127, "bytes"), 125, true),
      AvroField("upper_bounds", IntMap(129, 130, "bytes"), 128, true),
      AvroField("key_metadata", Value("bytes"), 131, true),
      AvroField("split_offsets", Array("long", 133), 132, true),
      AvroField("equality_ids", Array("int", 136), 135, true),
      AvroField("sort_order_id", Value("int"), 140, true),
  };
  tmpl::ValueList entry{
      AvroField("status", Value("int"), 0),
      AvroField("snapshot_id", Value("long"), 1, true),
      AvroField("sequence_number", Value("long"), 3, true),
      AvroField("file_sequence_number", Value("long"), 4, true),
      AvroField("data_file", Record("r2", std::move(file)), 2),
  };
  return tmpl::ToJson(Record("manifest_entry", std::move(entry)));
}

std::string ManifestFileAvroSchema() {
  tmpl::ValueList summary{
      AvroField("contains_null", Value("boolean"), 509),
      AvroField("contains_nan", Value("boolean"), 518, true),
      AvroField("lower_bound", Value("bytes"), 510, true),
      AvroField("upper_bound", Value("bytes"), 511, true),
  };
  Value partitions = Value::MakeMap(
      {{"type", Value("array")}, {"items", Record("r508", std::move(summary))}, {"element-id", Value(int64_t{508})}});
  tmpl::ValueList fields{
      AvroField("manifest_path", Value("string"), 500),     AvroField("manifest_length", Value("long"), 501),
      AvroField("partition_spec_id", Value("int"), 502),    AvroField("content", Value("int"), 517),
      AvroField("sequence_number", Value("long"), 515),     AvroField("min_sequence_number", Value("long"), 516),
      AvroField("added_snapshot_id", Value("long"), 503),   AvroField("added_files_count", Value("int"), 504),
      AvroField("existing_files_count", Value("int"), 505), AvroField("deleted_files_count", Value("int"), 506),
      AvroField("added_rows_count", Value("long"), 512),    AvroField("existing_rows_count", Value("long"), 513),
      AvroField("deleted_rows_count", Value("long"), 514),  AvroField("partitions", std::move(partitions), 507, true),
      AvroField("key_metadata", Value("bytes"), 519, true),
  };
  return tmpl::ToJson(Record("manifest_file", std::move(fields)));
}

Result<std::string> WriteManifest(const Manifest& m) {
  if (m.format_version != 2) return InvalidArgument("floe writes format v2 manifests only");
  ASSIGN_OR_RETURN(std::string schema_json, ManifestEntryAvroSchema(m.spec, m.schema));
  ASSIGN_OR_RETURN(TypePtr partition_type, PartitionType(m.spec, m.schema));
  std::vector<Value> records;
  records.reserve(m.entries.size());
  for (const auto& e : m.entries) {
    const DataFile& f = e.file;
    if (f.partition.size() != m.spec.fields.size())
      return InvalidArgument("data file " + f.file_path + " has " + std::to_string(f.partition.size()) +
                             " partition values; spec " + std::to_string(m.spec.spec_id) + " has " +
                             std::to_string(m.spec.fields.size()) + " fields");
    tmpl::ValueMap partition;
    for (size_t i = 0; i < m.spec.fields.size(); ++i)
      partition.Set(m.spec.fields[i].name, AvroPartitionValue(*partition_type->fields[i].type, f.partition[i]));
    tmpl::ValueMap file;
    file.Set("content", Value(int64_t{static_cast<int>(f.content)}));
    file.Set("file_path", Value(f.file_path));
    file.Set("file_format", Value(FormatName(f.file_format)));
    file.Set("partition", Value(std::move(partition)));
    file.Set("record_count", Value(f.record_count));
    file.Set("file_size_in_bytes", Value(f.file_size_in_bytes));
    auto optional_map = [&](const char* name, const auto& map) {
      file.Set(name, map.empty() ? Value() : MapToAvro(map));
    };
    optional_map("column_sizes", f.column_sizes);
    optional_map("value_counts", f.value_counts);
    optional_map("null_value_counts", f.null_value_counts);
    optional_map("nan_value_counts", f.nan_value_counts);
    optional_map("lower_bounds", f.lower_bounds);
    optional_map("upper_bounds", f.upper_bounds);
    file.Set("key_metadata", Value());
    tmpl::ValueList offsets, ids;
    for (int64_t o : f.split_offsets) offsets.push_back(Value(o));
    for (int id : f.equality_ids) ids.push_back(Value(int64_t{id}));
    file.Set("split_offsets", offsets.empty() ? Value() : Value(std::move(offsets)));
    file.Set("equality_ids", ids.empty() ? Value() : Value(std::move(ids)));
    file.Set("sort_order_id", f.sort_order_id ? Value(int64_t{*f.sort_order_id}) : Value());
    auto opt = [](const std::optional<int64_t>& v) { return v ? Value(*v) : Value(); };
    records.push_back(Value::MakeMap({{"status", Value(int64_t{static_cast<int>(e.status)})},
                                      {"snapshot_id", opt(e.snapshot_id)},
                                      {"sequence_number", opt(e.sequence_number)},
                                      {"file_sequence_number", opt(e.file_sequence_number)},
                                      {"data_file", Value(std::move(file))}}));
  }
  std::map<std::string, std::string> metadata{
      {"schema", tmpl::ToJson(SchemaToJson(m.schema))},
      {"schema-id", std::to_string(m.schema.schema_id)},
      {"partition-spec", tmpl::ToJson(PartitionFieldsToJson(m.spec.fields))},
      {"partition-spec-id", std::to_string(m.spec.spec_id)},
      {"format-version", "2"},
      {"content", m.deletes ? "deletes" : "data"},
  };
  return avro::WriteContainer(schema_json, metadata, records);
}

namespace {

using SchemaType = avro::Schema::Type;

// Manifest entries decoded straight from their Avro bytes into
// ManifestEntry, fields found by Iceberg field id (so v1 files and writers
// that name or order fields differently read the same); fields floe does not
// keep are skipped. Thousands of entries per manifest: no generic values.
class EntryDecoder {
 public:
  Status Decode(const avro::Schema& entry, std::string_view& data, ManifestEntry& e) {
    if (entry.type != SchemaType::kRecord) return InvalidArgument("an entry is not a record");
    bool has_status = false, has_file = false;
    for (const auto& f : entry.fields) {
      ASSIGN_OR_RETURN(const avro::Schema* s, Branch(*f.schema, data));
      if (!s) continue;
      switch (f.field_id.value_or(-1)) {
        case 0: {
          ASSIGN_OR_RETURN(int64_t status, Long(*s, data, "status"));
          if (status < 0 || status > 2) return InvalidArgument("status " + std::to_string(status));
          e.status = static_cast<EntryStatus>(status);
          has_status = true;
          break;
        }
        case 1: {
          ASSIGN_OR_RETURN(e.snapshot_id, Long(*s, data, "snapshot_id"));
          break;
        }
        case 3: {
          ASSIGN_OR_RETURN(e.sequence_number, Long(*s, data, "sequence_number"));
          break;
        }
        case 4: {
          ASSIGN_OR_RETURN(e.file_sequence_number, Long(*s, data, "file_sequence_number"));
          break;
        }
        case 2: {
          RETURN_IF_ERROR(DataFileFields(*s, data, e.file));
          has_file = true;
          break;
        }
        default:
          RETURN_IF_ERROR(Skip(*s, data));
      }
    }
    if (!has_status) return InvalidArgument("no status (field 0)");
    if (!has_file) return InvalidArgument("no data_file (field 2)");
    return Status::Ok();
  }

 private:
  // A union's branch after reading its index; nullptr for its null branch.
  static Result<const avro::Schema*> Branch(const avro::Schema& s, std::string_view& data) {
    if (s.type != SchemaType::kUnion) return &s;
    ASSIGN_OR_RETURN(int64_t i, avro::ReadLong(data));
    if (i < 0 || static_cast<size_t>(i) >= s.branches.size())
      return InvalidArgument("a union has no branch " + std::to_string(i));
    const avro::Schema* b = s.branches[static_cast<size_t>(i)].get();
    return b->type == SchemaType::kNull ? nullptr : b;
  }
  static Result<int64_t> Long(const avro::Schema& s, std::string_view& data, const char* what) {
    if (s.type != SchemaType::kInt && s.type != SchemaType::kLong)
      return InvalidArgument(std::string(what) + " is not an int or long");
    return avro::ReadLong(data);
  }
  static Result<std::string_view> Bytes(const avro::Schema& s, std::string_view& data, const char* what) {
    if (s.type != SchemaType::kBytes && s.type != SchemaType::kString && s.type != SchemaType::kFixed)
      return InvalidArgument(std::string(what) + " is not bytes or a string");
    int64_t n = s.size;
    if (s.type != SchemaType::kFixed) {
      ASSIGN_OR_RETURN(n, avro::ReadLong(data));
    }
    if (n < 0 || static_cast<size_t>(n) > data.size())
      return InvalidArgument(std::string(what) + ": the data ends inside it");
    std::string_view out = data.substr(0, static_cast<size_t>(n));
    data.remove_prefix(static_cast<size_t>(n));
    return out;
  }
  static Status Skip(const avro::Schema& s, std::string_view& data) { return avro::Decode(s, data).status(); }

  // Each item of an array (its blocks, as Avro writes them).
  template <typename Fn>
  static Status Items(const avro::Schema& array, std::string_view& data, const Fn& each) {
    if (array.type != SchemaType::kArray) return Skip(array, data);
    while (true) {
      ASSIGN_OR_RETURN(int64_t count, avro::ReadBlockCount(data));
      if (count == 0) return Status::Ok();
      if (count > static_cast<int64_t>(data.size()) + 1)
        return InvalidArgument("a block of " + std::to_string(count) + " items runs past the data");
      for (int64_t i = 0; i < count; ++i) RETURN_IF_ERROR(each(*array.items, data));
    }
  }

  // Iceberg's int-keyed maps: arrays of {key, value} records.
  template <typename T>
  static Status IntMap(const avro::Schema& s, std::string_view& data, std::map<int, T>& out) {
    return Items(s, data, [&](const avro::Schema& item, std::string_view& d) -> Status {
      if (item.type != SchemaType::kRecord) return Skip(item, d);
      std::optional<int64_t> key;
      std::optional<T> value;
      for (const auto& f : item.fields) {
        ASSIGN_OR_RETURN(const avro::Schema* fs, Branch(*f.schema, d));
        if (!fs) continue;
        if (f.name == "key") {
          ASSIGN_OR_RETURN(key, Long(*fs, d, "a map key"));
        } else if (f.name == "value") {
          if constexpr (std::is_same_v<T, int64_t>) {
            ASSIGN_OR_RETURN(value, Long(*fs, d, "a map value"));
          } else {
            ASSIGN_OR_RETURN(std::string_view b, Bytes(*fs, d, "a map value"));
            value = std::string(b);
          }
        } else {
          RETURN_IF_ERROR(Skip(*fs, d));
        }
      }
      if (key && value) out[static_cast<int>(*key)] = std::move(*value);
      return Status::Ok();
    });
  }

  static Status DataFileFields(const avro::Schema& s, std::string_view& data, DataFile& d) {
    if (s.type != SchemaType::kRecord) return InvalidArgument("data_file is not a record");
    bool has_path = false, has_count = false, has_size = false;
    for (const auto& f : s.fields) {
      ASSIGN_OR_RETURN(const avro::Schema* fs, Branch(*f.schema, data));
      if (!fs) continue;
      switch (f.field_id.value_or(-1)) {
        case 134: {
          ASSIGN_OR_RETURN(int64_t content, Long(*fs, data, "content"));
          if (content < 0 || content > 2) return InvalidArgument("content " + std::to_string(content));
          d.content = static_cast<FileContent>(content);
          break;
        }
        case 100: {
          ASSIGN_OR_RETURN(std::string_view path, Bytes(*fs, data, "file_path"));
          d.file_path = std::string(path);
          has_path = true;
          break;
        }
        case 101: {
          if (fs->type == SchemaType::kEnum) {
            ASSIGN_OR_RETURN(int64_t i, avro::ReadLong(data));
            if (i >= 0 && static_cast<size_t>(i) < fs->symbols.size())
              d.file_format = fs->symbols[static_cast<size_t>(i)];
          } else {
            ASSIGN_OR_RETURN(std::string_view format, Bytes(*fs, data, "file_format"));
            d.file_format = std::string(format);
          }
          break;
        }
        case 102: {
          // The partition tuple in the record's field order; ReadManifest
          // puts it in the spec's.
          if (fs->type != SchemaType::kRecord) return InvalidArgument("partition is not a record");
          for (const auto& pf : fs->fields) {
            ASSIGN_OR_RETURN(tmpl::Value v, avro::Decode(*pf.schema, data));
            const avro::Schema* value_schema = pf.schema.get();
            for (const auto& branch : pf.schema->branches)  // an optional value: its non-null branch
              if (branch->type != avro::Schema::Type::kNull) value_schema = branch.get();
            d.partition.push_back(PartitionValueFromAvro(*value_schema, std::move(v)));
          }
          break;
        }
        case 103: {
          ASSIGN_OR_RETURN(d.record_count, Long(*fs, data, "record_count"));
          has_count = true;
          break;
        }
        case 104: {
          ASSIGN_OR_RETURN(d.file_size_in_bytes, Long(*fs, data, "file_size_in_bytes"));
          has_size = true;
          break;
        }
        case 108: {
          RETURN_IF_ERROR(IntMap(*fs, data, d.column_sizes));
          break;
        }
        case 109: {
          RETURN_IF_ERROR(IntMap(*fs, data, d.value_counts));
          break;
        }
        case 110: {
          RETURN_IF_ERROR(IntMap(*fs, data, d.null_value_counts));
          break;
        }
        case 137: {
          RETURN_IF_ERROR(IntMap(*fs, data, d.nan_value_counts));
          break;
        }
        case 125: {
          RETURN_IF_ERROR(IntMap(*fs, data, d.lower_bounds));
          break;
        }
        case 128: {
          RETURN_IF_ERROR(IntMap(*fs, data, d.upper_bounds));
          break;
        }
        case 132: {
          RETURN_IF_ERROR(Items(*fs, data, [&](const avro::Schema& item, std::string_view& dd) -> Status {
            ASSIGN_OR_RETURN(int64_t o, Long(item, dd, "a split offset"));
            d.split_offsets.push_back(o);
            return Status::Ok();
          }));
          break;
        }
        case 135: {
          RETURN_IF_ERROR(Items(*fs, data, [&](const avro::Schema& item, std::string_view& dd) -> Status {
            ASSIGN_OR_RETURN(int64_t id, Long(item, dd, "an equality id"));
            d.equality_ids.push_back(static_cast<int>(id));
            return Status::Ok();
          }));
          break;
        }
        case 140: {
          ASSIGN_OR_RETURN(int64_t order, Long(*fs, data, "sort_order_id"));
          d.sort_order_id = static_cast<int>(order);
          break;
        }
        default:
          RETURN_IF_ERROR(Skip(*fs, data));
      }
    }
    if (!has_path) return InvalidArgument("no file_path (field 100)");
    if (!has_count) return InvalidArgument("no record_count (field 103)");
    if (!has_size) return InvalidArgument("no file_size_in_bytes (field 104)");
    return Status::Ok();
  }
};

}  // namespace

Result<Manifest> ReadManifest(std::string_view bytes, const std::string& name) {
  Manifest m;
  EntryDecoder decoder;
  auto read = [&](const avro::Schema& entry, std::string_view& data) -> Status {
    ManifestEntry e;
    Status s = decoder.Decode(entry, data, e);
    if (!s.ok()) return std::move(s).WithContext("entry " + std::to_string(m.entries.size()));
    m.entries.push_back(std::move(e));
    return Status::Ok();
  };
  auto file = avro::ReadContainerWith(bytes, name, read);
  if (!file.ok()) {
    Status s = file.status();
    return s.message().find("manifest " + name) == std::string::npos ? std::move(s).WithContext("manifest " + name) : s;
  }
  auto bad = [&](const std::string& why) { return InvalidArgument("manifest " + name + ": " + why); };
  auto meta = [&](const char* key) -> const std::string* {
    auto it = file->metadata.find(key);
    return it == file->metadata.end() ? nullptr : &it->second;
  };
  if (const std::string* v = meta("format-version")) {
    m.format_version = std::atoi(v->c_str());
    if (m.format_version < 1 || m.format_version > 2)
      return bad("format version " + *v + " (floe reads versions 1 and 2)");
  } else {
    m.format_version = 1;
  }
  if (const std::string* content = meta("content")) m.deletes = *content == "deletes" || *content == "delete";
  const std::string* schema_text = meta("schema");
  if (!schema_text) return bad("no 'schema' in its metadata");
  auto schema_json = tmpl::ParseJson(*schema_text);
  if (!schema_json.ok()) return bad("its 'schema' is not JSON");
  auto schema = SchemaFromJson(*schema_json);
  if (!schema.ok()) return Status(schema.status()).WithContext("manifest " + name);
  m.schema = std::move(*schema);
  if (const std::string* spec_text = meta("partition-spec")) {
    auto fields_json = tmpl::ParseJson(*spec_text);
    if (!fields_json.ok()) return bad("its 'partition-spec' is not JSON");
    auto fields = PartitionFieldsFromJson(*fields_json);
    if (!fields.ok()) return Status(fields.status()).WithContext("manifest " + name);
    m.spec.fields = std::move(*fields);
  }
  if (const std::string* id = meta("partition-spec-id")) m.spec.spec_id = std::atoi(id->c_str());

  // Partition values in the spec's order (by field id, else by name).
  const avro::Schema* data_file = RecordOf(*file->schema, 2);
  if (!data_file) return bad("its entries have no data_file (field 2)");
  const avro::Schema* partition = RecordOf(*data_file, 102);
  std::vector<int> order;  // spec field -> record field, -1 when absent
  bool identity = partition && partition->fields.size() == m.spec.fields.size();
  for (size_t i = 0; i < m.spec.fields.size(); ++i) {
    int at = partition ? partition->FieldIndexById(m.spec.fields[i].field_id) : -1;
    if (at < 0 && partition) at = partition->FieldIndex(m.spec.fields[i].name);
    order.push_back(at);
    identity = identity && at == static_cast<int>(i);
  }
  for (auto& e : m.entries) {
    if (m.format_version == 1) e.sequence_number = e.file_sequence_number = 0;
    if (identity) continue;
    std::vector<Value> by_spec;
    for (int at : order)
      by_spec.push_back(at >= 0 && static_cast<size_t>(at) < e.file.partition.size()
                            ? e.file.partition[static_cast<size_t>(at)]
                            : Value());
    e.file.partition = std::move(by_spec);
  }
  return m;
}

Result<std::string> WriteManifestList(const ManifestList& list) {
  if (list.format_version != 2) return InvalidArgument("floe writes format v2 manifest lists only");
  std::vector<Value> records;
  for (const auto& mf : list.manifests) {
    Value partitions;
    if (mf.partitions) {
      tmpl::ValueList summaries;
      for (const auto& s : *mf.partitions)
        summaries.push_back(Value::MakeMap({{"contains_null", Value(s.contains_null)},
                                            {"contains_nan", s.contains_nan ? Value(*s.contains_nan) : Value()},
                                            {"lower_bound", s.lower_bound ? Value(*s.lower_bound) : Value()},
                                            {"upper_bound", s.upper_bound ? Value(*s.upper_bound) : Value()}}));
      partitions = Value(std::move(summaries));
    }
    records.push_back(Value::MakeMap({{"manifest_path", Value(mf.manifest_path)},
                                      {"manifest_length", Value(mf.manifest_length)},
                                      {"partition_spec_id", Value(int64_t{mf.partition_spec_id})},
                                      {"content", Value(int64_t{mf.deletes ? 1 : 0})},
                                      {"sequence_number", Value(mf.sequence_number)},
                                      {"min_sequence_number", Value(mf.min_sequence_number)},
                                      {"added_snapshot_id", Value(mf.added_snapshot_id)},
                                      {"added_files_count", Value(int64_t{mf.added_files_count})},
                                      {"existing_files_count", Value(int64_t{mf.existing_files_count})},
                                      {"deleted_files_count", Value(int64_t{mf.deleted_files_count})},
                                      {"added_rows_count", Value(mf.added_rows_count)},
                                      {"existing_rows_count", Value(mf.existing_rows_count)},
                                      {"deleted_rows_count", Value(mf.deleted_rows_count)},
                                      {"partitions", partitions},
                                      {"key_metadata", Value()}}));
  }
  std::map<std::string, std::string> metadata{
      {"snapshot-id", std::to_string(list.snapshot_id)},
      {"parent-snapshot-id", list.parent_snapshot_id ? std::to_string(*list.parent_snapshot_id) : "null"},
      {"sequence-number", std::to_string(list.sequence_number)},
      {"format-version", "2"},
  };
  return avro::WriteContainer(ManifestFileAvroSchema(), metadata, records);
}

Result<ManifestList> ReadManifestList(std::string_view bytes, const std::string& name) {
  ASSIGN_OR_RETURN(avro::ContainerFile file, avro::ReadContainer(bytes, name));
  ManifestList list;
  auto meta_long = [&](const char* key) -> std::optional<int64_t> {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end() || it->second == "null") return std::nullopt;
    return std::atoll(it->second.c_str());
  };
  list.snapshot_id = meta_long("snapshot-id").value_or(0);
  list.parent_snapshot_id = meta_long("parent-snapshot-id");
  list.sequence_number = meta_long("sequence-number").value_or(0);
  list.format_version = static_cast<int>(meta_long("format-version").value_or(1));
  if (list.format_version < 1 || list.format_version > 2)
    return InvalidArgument("manifest list " + name + ": format version " + std::to_string(list.format_version) +
                           " (floe reads versions 1 and 2)");
  const avro::Schema& s = *file.schema;
  const avro::Schema* summary = nullptr;
  if (const avro::Field* p = s.FindFieldById(507)) {
    const avro::Schema* array = p->schema.get();
    if (array->type == avro::Schema::Type::kUnion) array = array->NonNullBranch().get();
    if (array && array->type == avro::Schema::Type::kArray && array->items->type == avro::Schema::Type::kRecord)
      summary = array->items.get();
  }
  for (size_t i = 0; i < file.records.size(); ++i) {
    const Value& r = file.records[i];
    auto where = [&](const Status& st) {
      return Status(st).WithContext("manifest list " + name + ": manifest " + std::to_string(i));
    };
    ManifestFile mf;
    const Value* path = ById(s, r, 500);
    if (!path || !path->is_string()) return where(InvalidArgument("no manifest_path"));
    mf.manifest_path = path->AsString();
    for (auto [id, out, what] : {std::tuple{501, &mf.manifest_length, "manifest_length"},
                                 std::tuple{503, &mf.added_snapshot_id, "added_snapshot_id"}}) {
      auto v = Required(s, r, id, what);
      if (!v.ok()) return where(v.status());
      *out = *v;
    }
    auto spec = Required(s, r, 502, "partition_spec_id");
    if (!spec.ok()) return where(spec.status());
    mf.partition_spec_id = static_cast<int>(*spec);
    mf.deletes = Or(s, r, 517, 0) == 1;
    mf.sequence_number = Or(s, r, 515, 0);
    mf.min_sequence_number = Or(s, r, 516, 0);
    mf.added_files_count = static_cast<int32_t>(Or(s, r, 504, 0));
    mf.existing_files_count = static_cast<int32_t>(Or(s, r, 505, 0));
    mf.deleted_files_count = static_cast<int32_t>(Or(s, r, 506, 0));
    mf.added_rows_count = Or(s, r, 512, 0);
    mf.existing_rows_count = Or(s, r, 513, 0);
    mf.deleted_rows_count = Or(s, r, 514, 0);
    if (const Value* parts = ById(s, r, 507); parts && parts->is_list() && summary) {
      std::vector<FieldSummary> summaries;
      for (const auto& p : parts->AsList()) {
        FieldSummary fs;
        if (const Value* v = ById(*summary, p, 509); v && v->is_bool()) fs.contains_null = v->AsBool();
        if (const Value* v = ById(*summary, p, 518); v && v->is_bool()) fs.contains_nan = v->AsBool();
        if (const Value* v = ById(*summary, p, 510); v && v->is_string()) fs.lower_bound = v->AsString();
        if (const Value* v = ById(*summary, p, 511); v && v->is_string()) fs.upper_bound = v->AsString();
        summaries.push_back(std::move(fs));
      }
      mf.partitions = std::move(summaries);
    }
    list.manifests.push_back(std::move(mf));
  }
  return list;
}

void InheritFrom(const ManifestFile& manifest, std::vector<ManifestEntry>& entries) {
  for (auto& e : entries) {
    if (e.status != EntryStatus::kAdded) continue;
    if (!e.snapshot_id) e.snapshot_id = manifest.added_snapshot_id;
    if (!e.sequence_number) e.sequence_number = manifest.sequence_number;
    if (!e.file_sequence_number) e.file_sequence_number = manifest.sequence_number;
  }
}

}  // namespace floe::iceberg
