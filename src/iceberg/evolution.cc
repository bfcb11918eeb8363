#include "iceberg/evolution.h"

#include <algorithm>

namespace floe::iceberg {
namespace {

using K = Type::Kind;

std::string Names(const Schema& s) {
  std::string out;
  for (const auto& f : s.fields) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

Result<size_t> IndexOf(const Schema& s, const std::string& column) {
  for (size_t i = 0; i < s.fields.size(); ++i)
    if (s.fields[i].name == column) return i;
  return NotFound("no column '" + column + "' (the columns: " + Names(s) + ")");
}

bool CanWiden(const Type& from, const Type& to) {
  if (from.kind == K::kInt && to.kind == K::kLong) return true;
  if (from.kind == K::kFloat && to.kind == K::kDouble) return true;
  return from.kind == K::kDecimal && to.kind == K::kDecimal && from.scale == to.scale && to.precision >= from.precision;
}

}  // namespace

Status EvolveSchema(TableMetadata& m, const std::vector<SchemaChange>& changes) {
  const Schema* current = m.CurrentSchema();
  if (!current) return FailedPrecondition("the table has no current schema");
  Schema next = *current;
  const PartitionSpec* spec = m.DefaultSpec();
  for (const auto& c : changes) {
    const std::string what = "column '" + c.column + "'";
    switch (c.kind) {
      case SchemaChange::kAdd: {
        if (c.column.empty()) return InvalidArgument("a new column needs a name");
        if (IndexOf(next, c.column).ok()) return Status(StatusCode::kAlreadyExists, what + " exists already");
        auto type = ParsePrimitiveType(c.type);
        if (!type.ok()) return Status(type.status()).WithContext(what);
        // Optional: rows written before it read as NULL.
        next.fields.push_back({.id = ++m.last_column_id, .name = c.column, .type = *type, .doc = c.doc});
        break;
      }
      case SchemaChange::kDrop: {
        ASSIGN_OR_RETURN(size_t i, IndexOf(next, c.column));
        int id = next.fields[i].id;
        if (spec && std::any_of(spec->fields.begin(), spec->fields.end(),
                                [&](const PartitionField& f) { return f.source_id == id; }))
          return FailedPrecondition(what + " partitions the table; change the partitioning before dropping it");
        if (std::count(next.identifier_field_ids.begin(), next.identifier_field_ids.end(), id))
          return FailedPrecondition(what + " is an identifier column of the table");
        next.fields.erase(next.fields.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
      case SchemaChange::kRename: {
        ASSIGN_OR_RETURN(size_t i, IndexOf(next, c.column));
        if (c.name.empty()) return InvalidArgument(what + ": the new name is empty");
        if (IndexOf(next, c.name).ok())
          return Status(StatusCode::kAlreadyExists, "column '" + c.name + "' exists already");
        next.fields[i].name = c.name;
        break;
      }
      case SchemaChange::kWiden: {
        ASSIGN_OR_RETURN(size_t i, IndexOf(next, c.column));
        auto type = ParsePrimitiveType(c.type);
        if (!type.ok()) return Status(type.status()).WithContext(what);
        if (!CanWiden(*next.fields[i].type, **type))
          return InvalidArgument(what + " is " + next.fields[i].type->ToString() + ", which cannot widen to " +
                                 (*type)->ToString() + " (int to long, float to double, a decimal's precision up)");
        next.fields[i].type = *type;
        break;
      }
      case SchemaChange::kMoveFirst:
      case SchemaChange::kMoveAfter: {
        ASSIGN_OR_RETURN(size_t i, IndexOf(next, c.column));
        NestedField moved = next.fields[i];
        next.fields.erase(next.fields.begin() + static_cast<std::ptrdiff_t>(i));
        size_t at = 0;
        if (c.kind == SchemaChange::kMoveAfter) {
          auto after = IndexOf(next, c.name);
          if (!after.ok()) return Status(after.status()).WithContext("moving " + what);
          at = *after + 1;
        }
        next.fields.insert(next.fields.begin() + static_cast<std::ptrdiff_t>(at), std::move(moved));
        break;
      }
    }
  }
  int max_id = 0;
  for (const auto& s : m.schemas) max_id = std::max(max_id, s.schema_id);
  next.schema_id = max_id + 1;
  m.current_schema_id = next.schema_id;
  m.schemas.push_back(std::move(next));
  return Status::Ok();
}

Status EvolveSpec(TableMetadata& m, PartitionSpec spec) {
  const Schema* schema = m.CurrentSchema();
  if (!schema) return FailedPrecondition("the table has no current schema");
  int max_spec = 0;
  for (const auto& s : m.specs) max_spec = std::max(max_spec, s.spec_id);
  for (auto& f : spec.fields) {
    f.field_id = 0;
    for (const auto& old : m.specs)
      for (const auto& of : old.fields)
        if (of.source_id == f.source_id && of.transform.ToString() == f.transform.ToString()) f.field_id = of.field_id;
    if (!f.field_id) f.field_id = ++m.last_partition_id;
  }
  ASSIGN_OR_RETURN(TypePtr type, PartitionType(spec, *schema));  // checks the transforms apply
  (void)type;
  for (const auto& old : m.specs) {
    bool same = old.fields.size() == spec.fields.size();
    for (size_t i = 0; same && i < spec.fields.size(); ++i)
      same = old.fields[i].field_id == spec.fields[i].field_id && old.fields[i].name == spec.fields[i].name;
    if (same) {
      m.default_spec_id = old.spec_id;  // back to a spec the table had
      return Status::Ok();
    }
  }
  spec.spec_id = max_spec + 1;
  m.default_spec_id = spec.spec_id;
  m.specs.push_back(std::move(spec));
  return Status::Ok();
}

}  // namespace floe::iceberg
