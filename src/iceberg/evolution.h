// Schema and partition evolution, as Iceberg defines them: every change is
// by field id, so no data file is rewritten. A new schema (or spec) is
// added to the metadata and made current; old snapshots keep reading with
// theirs.
//
//   tables.UpdateMetadata(ident, [&](TableMetadata& m) {
//     return EvolveSchema(m, {{.kind = SchemaChange::kRename, .column = "amt", .name = "amount"}});
//   });
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/metadata.h"

namespace floe::iceberg {

struct SchemaChange {
  enum Kind { kAdd, kDrop, kRename, kWiden, kMoveFirst, kMoveAfter };
  Kind kind = kAdd;
  std::string column;  // the column changed (kAdd: the new column's name)
  std::string name;    // kRename: the new name; kMoveAfter: the column to follow
  std::string type;    // kAdd: its type; kWiden: the wider type (long, double, decimal(P,S))
  std::string doc;     // kAdd
};

// Top-level columns only. Errors name the column and say why: an unknown
// column (with the existing ones), a name taken, a type that cannot widen,
// dropping a partition source or an identifier column.
Status EvolveSchema(TableMetadata& metadata, const std::vector<SchemaChange>& changes);

// Makes `spec` (fields with source ids and transforms, as ParsePartitionBy
// gives) the default spec: fields already known keep their ids, new ones
// get new ids. Data already written keeps its old spec.
Status EvolveSpec(TableMetadata& metadata, PartitionSpec spec);

}  // namespace floe::iceberg
