// Iceberg partition specs: fields that derive a partition value from a
// source column by a transform (identity, bucket[N], truncate[W], year,
// month, day, hour, void), their JSON form and their result types.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/types.h"
#include "tmpl/value.h"

namespace floe::iceberg {

struct Transform {
  enum class Kind { kIdentity, kBucket, kTruncate, kYear, kMonth, kDay, kHour, kVoid };
  Kind kind = Kind::kIdentity;
  int param = 0;  // bucket's N, truncate's W

  std::string ToString() const;
};

// "bucket[16]", "day", ...; unknown ones are errors (a writer must not
// commit with one).
Result<Transform> ParseTransform(const std::string& text);

struct PartitionField {
  int source_id = 0;
  int field_id = 0;
  std::string name;
  Transform transform;
};

struct PartitionSpec {
  int spec_id = 0;
  std::vector<PartitionField> fields;

  bool unpartitioned() const;
};

// `fields` is the spec's field list (a v1 table's "partition-spec", a
// manifest's "partition-spec" metadata); v1 specs have no field ids: they
// get 1000, 1001, ... in order.
Result<PartitionSpec> PartitionSpecFromJson(const tmpl::Value& json);
Result<std::vector<PartitionField>> PartitionFieldsFromJson(const tmpl::Value& fields);
tmpl::Value PartitionSpecToJson(const PartitionSpec& spec);
tmpl::Value PartitionFieldsToJson(const std::vector<PartitionField>& fields);

// The type a transform gives for a source type; an error when the transform
// does not apply to it (bucket of a float, hour of a date, ...).
Result<TypePtr> TransformResultType(const Transform& t, const Type& source);
// The partition tuple's struct type (each field optional), for manifests.
Result<TypePtr> PartitionType(const PartitionSpec& spec, const Schema& schema);

}  // namespace floe::iceberg
