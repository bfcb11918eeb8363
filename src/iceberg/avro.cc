#include "iceberg/avro.h"

#include <zlib.h>

#include <cstring>
#include <limits>
#include <random>

#include "tmpl/json.h"

namespace floe::iceberg::avro {
namespace {

constexpr int kMaxDepth = 64;
constexpr char kMagic[] = {'O', 'b', 'j', 1};

Status Truncated(std::string_view what) { return InvalidArgument("truncated: cannot read " + std::string(what)); }

Result<SchemaPtr> ParseNode(const tmpl::Value& v, std::map<std::string, SchemaPtr>& named, int depth);

std::optional<int> IntAttribute(const tmpl::Value& v, std::string_view key) {
  const tmpl::Value* a = v.is_map() ? v.Get(key) : nullptr;
  if (a && a->is_int()) return static_cast<int>(a->AsInt());
  if (a && a->is_string()) {
    char* end = nullptr;
    long n = std::strtol(a->AsString().c_str(), &end, 10);
    if (*end == '\0' && !a->AsString().empty()) return static_cast<int>(n);
  }
  return std::nullopt;
}

Result<SchemaPtr> ParsePrimitive(const std::string& name, const std::map<std::string, SchemaPtr>& named) {
  static const std::map<std::string, Schema::Type> kTypes = {
      {"null", Schema::Type::kNull},   {"boolean", Schema::Type::kBoolean}, {"int", Schema::Type::kInt},
      {"long", Schema::Type::kLong},   {"float", Schema::Type::kFloat},     {"double", Schema::Type::kDouble},
      {"bytes", Schema::Type::kBytes}, {"string", Schema::Type::kString}};
  if (auto it = kTypes.find(name); it != kTypes.end()) {
    auto s = std::make_shared<Schema>();
    s->type = it->second;
    s->json = tmpl::Value(name);
    return SchemaPtr(s);
  }
  if (auto it = named.find(name); it != named.end()) return it->second;
  return InvalidArgument("unknown Avro type '" + name + "'");
}

Result<SchemaPtr> ParseNode(const tmpl::Value& v, std::map<std::string, SchemaPtr>& named, int depth) {
  if (depth > kMaxDepth) return InvalidArgument("Avro schema nested too deeply");
  if (v.is_string()) return ParsePrimitive(v.AsString(), named);
  if (v.is_list()) {
    auto s = std::make_shared<Schema>();
    s->type = Schema::Type::kUnion;
    s->json = v;
    for (const auto& b : v.AsList()) {
      ASSIGN_OR_RETURN(SchemaPtr branch, ParseNode(b, named, depth + 1));
      if (branch->type == Schema::Type::kUnion) return InvalidArgument("a union directly inside a union");
      s->branches.push_back(std::move(branch));
    }
    if (s->branches.empty()) return InvalidArgument("an empty union");
    return SchemaPtr(s);
  }
  if (!v.is_map()) return InvalidArgument("an Avro schema must be a name, a list or an object");
  const tmpl::Value* type = v.Get("type");
  if (!type) return InvalidArgument("an Avro schema object needs a 'type'");
  if (!type->is_string()) return ParseNode(*type, named, depth + 1);
  const std::string& t = type->AsString();
  auto s = std::make_shared<Schema>();
  s->json = v;
  if (const tmpl::Value* logical = v.Get("logicalType"); logical && logical->is_string())
    s->logical_type = logical->AsString();
  auto name_of = [&]() -> std::string {
    const tmpl::Value* n = v.Get("name");
    return n && n->is_string() ? n->AsString() : "";
  };
  if (t == "record" || t == "error") {
    s->type = Schema::Type::kRecord;
    s->name = name_of();
    if (s->name.empty()) return InvalidArgument("a record needs a name");
    named[s->name] = s;  // visible to its own fields (recursive types)
    const tmpl::Value* fields = v.Get("fields");
    if (!fields || !fields->is_list()) return InvalidArgument("record '" + s->name + "' needs a list of fields");
    for (const auto& f : fields->AsList()) {
      const tmpl::Value* fname = f.Get("name");
      const tmpl::Value* ftype = f.Get("type");
      if (!fname || !fname->is_string() || !ftype)
        return InvalidArgument("record '" + s->name + "': each field needs a name and a type");
      Field field{.name = fname->AsString(), .field_id = IntAttribute(f, "field-id")};
      auto parsed = ParseNode(*ftype, named, depth + 1);
      if (!parsed.ok()) return Status(parsed.status()).WithContext("field '" + field.name + "'");
      field.schema = *parsed;
      if (const tmpl::Value* d = f.Get("default")) {
        field.has_default = true;
        field.default_value = *d;
      }
      s->fields.push_back(std::move(field));
    }
    return SchemaPtr(s);
  }
  if (t == "enum") {
    s->type = Schema::Type::kEnum;
    s->name = name_of();
    const tmpl::Value* symbols = v.Get("symbols");
    if (!symbols || !symbols->is_list()) return InvalidArgument("enum '" + s->name + "' needs symbols");
    for (const auto& sym : symbols->AsList())
      if (sym.is_string()) s->symbols.push_back(sym.AsString());
    named[s->name] = s;
    return SchemaPtr(s);
  }
  if (t == "fixed") {
    s->type = Schema::Type::kFixed;
    s->name = name_of();
    const tmpl::Value* size = v.Get("size");
    if (!size || !size->is_int() || size->AsInt() < 0 || size->AsInt() > (1 << 20))
      return InvalidArgument("fixed '" + s->name + "' needs a size");
    s->size = size->AsInt();
    if (!s->name.empty()) named[s->name] = s;
    return SchemaPtr(s);
  }
  if (t == "array") {
    s->type = Schema::Type::kArray;
    const tmpl::Value* items = v.Get("items");
    if (!items) return InvalidArgument("an array needs items");
    ASSIGN_OR_RETURN(s->items, ParseNode(*items, named, depth + 1));
    s->element_id = IntAttribute(v, "element-id");
    return SchemaPtr(s);
  }
  if (t == "map") {
    s->type = Schema::Type::kMap;
    const tmpl::Value* values = v.Get("values");
    if (!values) return InvalidArgument("a map needs values");
    ASSIGN_OR_RETURN(s->items, ParseNode(*values, named, depth + 1));
    return SchemaPtr(s);
  }
  // A primitive with attributes ({"type": "int", "logicalType": "date"}).
  ASSIGN_OR_RETURN(SchemaPtr primitive, ParsePrimitive(t, named));
  if (primitive->type == Schema::Type::kRecord || primitive->type == Schema::Type::kEnum ||
      primitive->type == Schema::Type::kFixed)
    return primitive;
  s->type = primitive->type;
  return SchemaPtr(s);
}

std::string_view TypeName(Schema::Type t) {
  static const char* kNames[] = {"null",   "boolean", "int",  "long",   "float", "double", "bytes",
                                 "string", "fixed",   "enum", "record", "array", "map",    "union"};
  return kNames[static_cast<int>(t)];
}

bool Accepts(const Schema& s, const tmpl::Value& v) {
  switch (s.type) {
    case Schema::Type::kNull:
      return v.is_null() || v.is_undefined();
    case Schema::Type::kBoolean:
      return v.is_bool();
    case Schema::Type::kInt:
    case Schema::Type::kLong:
      return v.is_int();
    case Schema::Type::kFloat:
    case Schema::Type::kDouble:
      return v.is_number();
    case Schema::Type::kBytes:
    case Schema::Type::kString:
    case Schema::Type::kFixed:
    case Schema::Type::kEnum:
      return v.is_string();
    case Schema::Type::kRecord:
    case Schema::Type::kMap:
      return v.is_map();
    case Schema::Type::kArray:
      return v.is_list();
    case Schema::Type::kUnion:
      return false;
  }
  return false;
}

void WriteFixed(const void* p, size_t n, std::string& out) { out.append(static_cast<const char*>(p), n); }

Status EncodeAt(const Schema& s, const tmpl::Value& v, std::string& out, const std::string& path, int depth) {
  if (depth > kMaxDepth) return InvalidArgument(path + ": nested too deeply");
  auto mismatch = [&]() {
    return InvalidArgument(path + ": expected " + std::string(TypeName(s.type)) + ", got " + std::string(v.TypeName()));
  };
  switch (s.type) {
    case Schema::Type::kNull:
      return v.is_null() || v.is_undefined() ? Status::Ok() : mismatch();
    case Schema::Type::kBoolean:
      if (!v.is_bool()) return mismatch();
      out.push_back(v.AsBool() ? 1 : 0);
      return Status::Ok();
    case Schema::Type::kInt:
      if (!v.is_int() || v.AsInt() < INT32_MIN || v.AsInt() > INT32_MAX) return mismatch();
      WriteLong(v.AsInt(), out);
      return Status::Ok();
    case Schema::Type::kLong:
      if (!v.is_int()) return mismatch();
      WriteLong(v.AsInt(), out);
      return Status::Ok();
    case Schema::Type::kFloat: {
      if (!v.is_number()) return mismatch();
      float f = static_cast<float>(v.AsDouble());
      WriteFixed(&f, 4, out);  // little-endian hosts only (x86-64, arm64)
      return Status::Ok();
    }
    case Schema::Type::kDouble: {
      if (!v.is_number()) return mismatch();
      double d = v.AsDouble();
      WriteFixed(&d, 8, out);
      return Status::Ok();
    }
    case Schema::Type::kBytes:
    case Schema::Type::kString:
      if (!v.is_string()) return mismatch();
      WriteLong(static_cast<int64_t>(v.AsString().size()), out);
      out += v.AsString();
      return Status::Ok();
    case Schema::Type::kFixed:
      if (!v.is_string()) return mismatch();
      if (static_cast<int64_t>(v.AsString().size()) != s.size)
        return InvalidArgument(path + ": fixed(" + std::to_string(s.size) + ") given " +
                               std::to_string(v.AsString().size()) + " bytes");
      out += v.AsString();
      return Status::Ok();
    case Schema::Type::kEnum: {
      if (!v.is_string()) return mismatch();
      for (size_t i = 0; i < s.symbols.size(); ++i)
        if (s.symbols[i] == v.AsString()) {
          WriteLong(static_cast<int64_t>(i), out);
          return Status::Ok();
        }
      return InvalidArgument(path + ": '" + v.AsString() + "' is not a symbol of enum " + s.name);
    }
    case Schema::Type::kRecord:
      if (!v.is_map() && !(v.is_list() && v.AsList().size() == s.fields.size())) return mismatch();
      for (size_t i = 0; i < s.fields.size(); ++i) {
        const Field& f = s.fields[i];
        const tmpl::Value* fv = v.is_list() ? &v.AsList()[i] : v.Get(f.name);
        tmpl::Value missing = f.has_default ? f.default_value : tmpl::Value();
        RETURN_IF_ERROR(EncodeAt(*f.schema, fv ? *fv : missing, out, path + "." + f.name, depth + 1));
      }
      return Status::Ok();
    case Schema::Type::kArray: {
      if (!v.is_list()) return mismatch();
      const auto& items = v.AsList();
      if (!items.empty()) {
        WriteLong(static_cast<int64_t>(items.size()), out);
        for (size_t i = 0; i < items.size(); ++i)
          RETURN_IF_ERROR(EncodeAt(*s.items, items[i], out, path + "[" + std::to_string(i) + "]", depth + 1));
      }
      out.push_back(0);
      return Status::Ok();
    }
    case Schema::Type::kMap: {
      if (!v.is_map()) return mismatch();
      const auto& entries = v.AsMap();
      if (entries.size() > 0) {
        WriteLong(static_cast<int64_t>(entries.size()), out);
        for (const auto& [k, item] : entries) {
          WriteLong(static_cast<int64_t>(k.size()), out);
          out += k;
          RETURN_IF_ERROR(EncodeAt(*s.items, item, out, path + "." + k, depth + 1));
        }
      }
      out.push_back(0);
      return Status::Ok();
    }
    case Schema::Type::kUnion:
      for (size_t i = 0; i < s.branches.size(); ++i) {
        if (!Accepts(*s.branches[i], v)) continue;
        WriteLong(static_cast<int64_t>(i), out);
        return EncodeAt(*s.branches[i], v, out, path, depth + 1);
      }
      return InvalidArgument(path + ": no branch of the union takes a " + std::string(v.TypeName()));
  }
  return Internal("unknown Avro type");
}

Result<std::string_view> Take(std::string_view& data, int64_t n, std::string_view what) {
  if (n < 0 || static_cast<uint64_t>(n) > data.size()) return Truncated(what);
  std::string_view out = data.substr(0, static_cast<size_t>(n));
  data.remove_prefix(static_cast<size_t>(n));
  return out;
}

Result<tmpl::Value> DecodeAt(const Schema& s, std::string_view& data, int depth) {
  if (depth > kMaxDepth) return InvalidArgument("value nested too deeply");
  switch (s.type) {
    case Schema::Type::kNull:
      return tmpl::Value();
    case Schema::Type::kBoolean: {
      ASSIGN_OR_RETURN(std::string_view b, Take(data, 1, "a boolean"));
      return tmpl::Value(b[0] != 0);
    }
    case Schema::Type::kInt:
    case Schema::Type::kLong: {
      ASSIGN_OR_RETURN(int64_t n, ReadLong(data));
      return tmpl::Value(n);
    }
    case Schema::Type::kFloat: {
      ASSIGN_OR_RETURN(std::string_view b, Take(data, 4, "a float"));
      float f;
      std::memcpy(&f, b.data(), 4);
      return tmpl::Value(static_cast<double>(f));
    }
    case Schema::Type::kDouble: {
      ASSIGN_OR_RETURN(std::string_view b, Take(data, 8, "a double"));
      double d;
      std::memcpy(&d, b.data(), 8);
      return tmpl::Value(d);
    }
    case Schema::Type::kBytes:
    case Schema::Type::kString: {
      ASSIGN_OR_RETURN(int64_t n, ReadLong(data));
      ASSIGN_OR_RETURN(std::string_view b, Take(data, n, s.type == Schema::Type::kString ? "a string" : "bytes"));
      return tmpl::Value(std::string(b));
    }
    case Schema::Type::kFixed: {
      ASSIGN_OR_RETURN(std::string_view b, Take(data, s.size, "a fixed"));
      return tmpl::Value(std::string(b));
    }
    case Schema::Type::kEnum: {
      ASSIGN_OR_RETURN(int64_t i, ReadLong(data));
      if (i < 0 || static_cast<size_t>(i) >= s.symbols.size())
        return InvalidArgument("enum " + s.name + ": no symbol " + std::to_string(i));
      return tmpl::Value(s.symbols[static_cast<size_t>(i)]);
    }
    case Schema::Type::kRecord: {
      tmpl::ValueList fields;
      fields.reserve(s.fields.size());
      for (const auto& f : s.fields) {
        auto fv = DecodeAt(*f.schema, data, depth + 1);
        if (!fv.ok()) return Status(fv.status()).WithContext("field '" + f.name + "'");
        fields.push_back(std::move(*fv));
      }
      return tmpl::Value(std::move(fields));
    }
    case Schema::Type::kArray:
    case Schema::Type::kMap: {
      tmpl::ValueList list;
      tmpl::ValueMap map;
      while (true) {
        ASSIGN_OR_RETURN(int64_t count, ReadBlockCount(data));
        if (count == 0) break;
        // Each item takes at least a byte, except nulls: a count beyond the
        // data left is a damaged file, not a reason to allocate.
        if (count > static_cast<int64_t>(data.size()) + 1 && s.items->type != Schema::Type::kNull)
          return Truncated("a block of " + std::to_string(count) + " items");
        for (int64_t i = 0; i < count; ++i) {
          std::string key;
          if (s.type == Schema::Type::kMap) {
            ASSIGN_OR_RETURN(int64_t n, ReadLong(data));
            ASSIGN_OR_RETURN(std::string_view k, Take(data, n, "a map key"));
            key = std::string(k);
          }
          ASSIGN_OR_RETURN(tmpl::Value item, DecodeAt(*s.items, data, depth + 1));
          if (s.type == Schema::Type::kMap) {
            map.Set(key, std::move(item));
          } else {
            list.push_back(std::move(item));
          }
        }
      }
      return s.type == Schema::Type::kMap ? tmpl::Value(std::move(map)) : tmpl::Value(std::move(list));
    }
    case Schema::Type::kUnion: {
      ASSIGN_OR_RETURN(int64_t i, ReadLong(data));
      if (i < 0 || static_cast<size_t>(i) >= s.branches.size())
        return InvalidArgument("a union has no branch " + std::to_string(i));
      return DecodeAt(*s.branches[static_cast<size_t>(i)], data, depth + 1);
    }
  }
  return Internal("unknown Avro type");
}

Result<std::string> Inflate(std::string_view in) {
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return Internal("zlib inflateInit2 failed");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buffer[1 << 16];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return InvalidArgument("a deflate block does not inflate (zlib " + std::to_string(rc) + ")");
    }
    out.append(buffer, sizeof buffer - z.avail_out);
  } while (rc != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return Truncated("a deflate block");
  return out;
}

Result<std::string> Deflate(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Internal("zlib deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Internal("zlib deflate failed");
  out.resize(z.total_out);
  return out;
}

// Snappy's raw format (the block, without framing), then Avro's 4-byte
// big-endian CRC32 of the uncompressed data.
Result<std::string> Unsnappy(std::string_view in) {
  if (in.size() < 4) return Truncated("a snappy block");
  std::string_view crc_bytes = in.substr(in.size() - 4);
  in.remove_suffix(4);
  uint64_t length = 0;
  for (int shift = 0;; shift += 7) {
    if (in.empty() || shift > 35) return InvalidArgument("a snappy block has a bad length");
    uint8_t b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    length |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (length > (1u << 30)) return InvalidArgument("a snappy block claims " + std::to_string(length) + " bytes");
  std::string out;
  out.reserve(length);
  auto le = [&](size_t n, uint32_t& v) -> bool {
    if (in.size() < n) return false;
    v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
    in.remove_prefix(n);
    return true;
  };
  while (!in.empty()) {
    uint8_t tag = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    uint32_t len = 0, offset = 0;
    switch (tag & 3) {
      case 0: {
        len = tag >> 2;
        if (len >= 60 && !le(len - 59, len)) return Truncated("a snappy literal length");
        ++len;
        if (in.size() < len) return Truncated("a snappy literal");
        out.append(in.data(), len);
        in.remove_prefix(len);
        continue;
      }
      case 1:
        len = ((tag >> 2) & 7) + 4;
        if (in.empty()) return Truncated("a snappy copy");
        offset = ((tag >> 5) << 8) | static_cast<uint8_t>(in[0]);
        in.remove_prefix(1);
        break;
      case 2:
        len = (tag >> 2) + 1;
        if (!le(2, offset)) return Truncated("a snappy copy");
        break;
      default:
        len = (tag >> 2) + 1;
        if (!le(4, offset)) return Truncated("a snappy copy");
        break;
    }
    if (offset == 0 || offset > out.size()) return InvalidArgument("a snappy copy reaches before the block");
    size_t from = out.size() - offset;
    for (uint32_t i = 0; i < len; ++i) out.push_back(out[from + i]);  // copies may overlap
    if (out.size() > length) return InvalidArgument("a snappy block is longer than it says");
  }
  if (out.size() != length) return InvalidArgument("a snappy block is shorter than it says");
  uint32_t want = 0;
  for (char c : crc_bytes) want = (want << 8) | static_cast<uint8_t>(c);
  uint32_t got =
      static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  if (got != want) return InvalidArgument("a snappy block fails its CRC32 check");
  return out;
}

}  // namespace

const Field* Schema::FindField(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

int Schema::FieldIndex(std::string_view n) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == n) return static_cast<int>(i);
  return -1;
}

int Schema::FieldIndexById(int id) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].field_id == id) return static_cast<int>(i);
  return -1;
}

const Field* Schema::FindFieldById(int id) const {
  for (const auto& f : fields)
    if (f.field_id == id) return &f;
  return nullptr;
}

SchemaPtr Schema::NonNullBranch() const {
  if (type != Type::kUnion || branches.size() != 2) return nullptr;
  if (branches[0]->type == Type::kNull) return branches[1];
  if (branches[1]->type == Type::kNull) return branches[0];
  return nullptr;
}

void WriteLong(int64_t v, std::string& out) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<char>(z));
}

Result<int64_t> ReadLong(std::string_view& data) {
  uint64_t z = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (data.empty()) return Truncated("a number");
    uint8_t b = static_cast<uint8_t>(data[0]);
    data.remove_prefix(1);
    z |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  return InvalidArgument("a number longer than 10 bytes");
}

Result<SchemaPtr> ParseSchema(std::string_view json) {
  auto parsed = tmpl::ParseJson(std::string(json));
  if (!parsed.ok()) return Status(parsed.status()).WithContext("Avro schema");
  std::map<std::string, SchemaPtr> named;
  auto s = ParseNode(*parsed, named, 0);
  if (!s.ok()) return Status(s.status()).WithContext("Avro schema");
  return s;
}

Status Encode(const Schema& schema, const tmpl::Value& value, std::string& out) {
  return EncodeAt(schema, value, out, schema.name.empty() ? "value" : schema.name, 0);
}

Result<tmpl::Value> Decode(const Schema& schema, std::string_view& data) { return DecodeAt(schema, data, 0); }

Result<int64_t> ReadBlockCount(std::string_view& data) {
  ASSIGN_OR_RETURN(int64_t count, ReadLong(data));
  if (count >= 0) return count;
  if (count == std::numeric_limits<int64_t>::min()) return InvalidArgument("a block count out of range");
  ASSIGN_OR_RETURN(int64_t block_bytes, ReadLong(data));
  (void)block_bytes;
  return -count;
}

Result<ContainerFile> ReadContainer(std::string_view bytes, const std::string& name) {
  std::vector<tmpl::Value> records;
  ASSIGN_OR_RETURN(ContainerFile file,
                   ReadContainerWith(bytes, name, [&](const Schema& schema, std::string_view& data) -> Status {
                     ASSIGN_OR_RETURN(tmpl::Value record, Decode(schema, data));
                     records.push_back(std::move(record));
                     return Status::Ok();
                   }));
  file.records = std::move(records);
  return file;
}

Result<ContainerFile> ReadContainerWith(std::string_view bytes, const std::string& name, const RecordReader& read) {
  std::string_view data = bytes;
  auto at = [&](Status s) {
    return Status(s).WithContext("Avro file " + name + " at byte " + std::to_string(bytes.size() - data.size()));
  };
  if (data.size() < 4 || std::memcmp(data.data(), kMagic, 4) != 0)
    return InvalidArgument("Avro file " + name + ": not an Avro object container file (no 'Obj\\1' magic)");
  data.remove_prefix(4);
  ContainerFile file;
  std::map<std::string, std::string> header;
  while (true) {
    auto count = ReadBlockCount(data);
    if (!count.ok()) return at(count.status());
    if (*count == 0) break;
    int64_t n = *count;
    for (int64_t i = 0; i < n; ++i) {
      std::string parts[2];
      for (auto& part : parts) {
        auto len = ReadLong(data);
        if (!len.ok()) return at(len.status());
        auto text = Take(data, *len, "the header");
        if (!text.ok()) return at(text.status());
        part = std::string(*text);
      }
      header[parts[0]] = parts[1];
    }
  }
  auto sync = Take(data, 16, "the sync marker");
  if (!sync.ok()) return at(sync.status());
  auto schema_it = header.find("avro.schema");
  if (schema_it == header.end()) return InvalidArgument("Avro file " + name + ": no avro.schema in its header");
  file.schema_json = schema_it->second;
  auto schema = ParseSchema(file.schema_json);
  if (!schema.ok()) return Status(schema.status()).WithContext("Avro file " + name);
  file.schema = *schema;
  std::string codec = header.count("avro.codec") ? header["avro.codec"] : "null";
  if (codec != "null" && codec != "deflate" && codec != "snappy")
    return InvalidArgument("Avro file " + name + ": codec '" + codec + "' is not supported (null, deflate, snappy)");
  for (const auto& [k, v] : header)
    if (!k.starts_with("avro.")) file.metadata[k] = v;
  int64_t records = 0;
  while (!data.empty()) {
    auto count = ReadLong(data);
    if (!count.ok()) return at(count.status());
    auto size = ReadLong(data);
    if (!size.ok()) return at(size.status());
    if (*count < 0) return at(InvalidArgument("a block with a negative object count"));
    auto block = Take(data, *size, "a data block");
    if (!block.ok()) return at(block.status());
    auto marker = Take(data, 16, "a block's sync marker");
    if (!marker.ok()) return at(marker.status());
    if (*marker != *sync) return at(InvalidArgument("a block's sync marker does not match the header's"));
    std::string plain;
    if (codec == "deflate") {
      auto inflated = Inflate(*block);
      if (!inflated.ok()) return at(inflated.status());
      plain = std::move(*inflated);
    } else if (codec == "snappy") {
      auto unsnapped = Unsnappy(*block);
      if (!unsnapped.ok()) return at(unsnapped.status());
      plain = std::move(*unsnapped);
    } else {
      plain = std::string(*block);
    }
    std::string_view objects = plain;
    for (int64_t i = 0; i < *count; ++i, ++records) {
      Status s = read(*file.schema, objects);
      if (!s.ok()) return std::move(s).WithContext("Avro file " + name + ": record " + std::to_string(records));
    }
    if (!objects.empty()) return at(InvalidArgument("a data block has bytes after its last record"));
  }
  return file;
}

Result<std::string> WriteContainer(const std::string& schema_json, const std::map<std::string, std::string>& metadata,
                                   const std::vector<tmpl::Value>& records, Codec codec) {
  ASSIGN_OR_RETURN(SchemaPtr schema, ParseSchema(schema_json));
  std::string out(kMagic, 4);
  std::map<std::string, std::string> header = metadata;
  header["avro.schema"] = schema_json;
  header["avro.codec"] = codec == Codec::kDeflate ? "deflate" : codec == Codec::kSnappy ? "snappy" : "null";
  if (codec == Codec::kSnappy) return Status(StatusCode::kUnimplemented, "floe reads snappy Avro but writes deflate");
  WriteLong(static_cast<int64_t>(header.size()), out);
  for (const auto& [k, v] : header) {
    WriteLong(static_cast<int64_t>(k.size()), out);
    out += k;
    WriteLong(static_cast<int64_t>(v.size()), out);
    out += v;
  }
  out.push_back(0);
  std::string sync(16, '\0');
  std::random_device rd;
  for (auto& c : sync) c = static_cast<char>(rd() & 0xff);
  out += sync;
  if (records.empty()) return out;
  std::string block;
  for (size_t i = 0; i < records.size(); ++i) {
    Status s = Encode(*schema, records[i], block);
    if (!s.ok()) return std::move(s).WithContext("record " + std::to_string(i));
  }
  if (codec == Codec::kDeflate) {
    ASSIGN_OR_RETURN(block, Deflate(block));
  }
  WriteLong(static_cast<int64_t>(records.size()), out);
  WriteLong(static_cast<int64_t>(block.size()), out);
  out += block;
  out += sync;
  return out;
}

}  // namespace floe::iceberg::avro
