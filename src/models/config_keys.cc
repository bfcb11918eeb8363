#include "models/config_keys.h"

#include <algorithm>

#include "core/strings.h"

namespace floe::models {
namespace {

std::vector<std::string> BuildKnownKeys() {
  std::vector<std::string> keys = {
      // Every node (dbt's NodeConfig and its subclasses).
      "enabled", "tags", "meta", "docs", "pre_hook", "post_hook", "database", "schema", "alias", "materialized",
      "persist_docs", "full_refresh", "quoting", "column_types", "incremental_strategy", "unique_key",
      "on_schema_change", "on_configuration_change", "grants", "packages", "contract", "group", "access", "sql_header",
      "event_time", "batch_size", "lookback", "begin", "concurrent_batches", "incremental_predicates", "docs",
      "copy_grants",
      // Seeds.
      "quote_columns", "delimiter",
      // Snapshots.
      "strategy", "updated_at", "check_cols", "target_schema", "target_database", "invalidate_hard_deletes",
      "hard_deletes", "snapshot_meta_column_names", "dbt_valid_to_current",
      // Data tests.
      "severity", "error_if", "warn_if", "fail_calc", "limit", "where", "store_failures", "store_failures_as",
      // Sources.
      "freshness", "loaded_at_field", "loaded_at_query",
      // dbt-duckdb: external materialization, plugins, partitioned writes.
      "location", "format", "options", "glue_register", "glue_database", "plugin", "partition_by",
      // floe's iceberg materialization (dbt-spark's name for table properties).
      "tblproperties"};
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

bool IsAppendKey(std::string_view key) { return key == "tags" || key == "pre_hook" || key == "post_hook"; }

bool IsUpdateKey(std::string_view key) {
  return key == "meta" || key == "docs" || key == "quoting" || key == "column_types" || key == "persist_docs" ||
         key == "contract";
}

tmpl::ValueList AsList(const tmpl::Value& v) {
  if (v.is_list()) return v.AsList();  // a copy: never append to a shared list
  if (v.is_null() || v.is_undefined()) return {};
  return {v};
}

bool Contains(const tmpl::ValueList& list, const tmpl::Value& v) {
  return std::any_of(list.begin(), list.end(), [&](const tmpl::Value& x) { return x.Equals(v); });
}

}  // namespace

const std::vector<std::string>& KnownConfigKeys() {
  static const std::vector<std::string> kKeys = BuildKnownKeys();
  return kKeys;
}

std::string NormalizeConfigKey(std::string_view key) {
  if (key == "pre-hook") return "pre_hook";
  if (key == "post-hook") return "post_hook";
  return std::string(key);
}

bool IsKnownConfigKey(std::string_view key) {
  const auto& keys = KnownConfigKeys();
  std::string normal = NormalizeConfigKey(key);
  return std::binary_search(keys.begin(), keys.end(), normal);
}

std::optional<std::string> SuggestConfigKey(std::string_view key) {
  auto matches = ClosestMatches(NormalizeConfigKey(key), KnownConfigKeys(), 1);
  if (matches.empty()) return std::nullopt;
  return matches.front();
}

bool IsMapValuedConfigKey(std::string_view key) {
  return key == "meta" || key == "docs" || key == "persist_docs" || key == "grants" || key == "contract" ||
         key == "quoting" || key == "column_types" || key == "freshness" || key == "snapshot_meta_column_names" ||
         key == "options";
}

void MergeConfigValue(tmpl::ValueMap& config, const std::string& key, const tmpl::Value& value) {
  tmpl::Value* existing = config.Find(key);
  if (existing == nullptr || existing->is_null()) {
    if (IsAppendKey(key)) {
      config.Set(key, tmpl::Value(AsList(value)));
    } else {
      config.Set(key, value);
    }
    return;
  }
  if (IsAppendKey(key)) {
    tmpl::ValueList merged = AsList(*existing);
    for (const auto& item : AsList(value)) {
      if (key != "tags" || !Contains(merged, item)) merged.push_back(item);
    }
    config.Set(key, tmpl::Value(std::move(merged)));
    return;
  }
  if ((IsUpdateKey(key) || key == "grants") && existing->is_map() && value.is_map()) {
    tmpl::ValueMap merged = existing->AsMap();  // a copy
    for (const auto& [k, v] : value.AsMap()) {
      const tmpl::Value* old = merged.Find(k);
      if (key == "grants" && old != nullptr) {
        // dbt's DictKeyAppend: grantees of the same privilege accumulate.
        tmpl::ValueList grantees = AsList(*old);
        for (const auto& g : AsList(v)) {
          if (!Contains(grantees, g)) grantees.push_back(g);
        }
        merged.Set(k, tmpl::Value(std::move(grantees)));
      } else {
        merged.Set(k, v);
      }
    }
    config.Set(key, tmpl::Value(std::move(merged)));
    return;
  }
  config.Set(key, value);
}

void MergeConfig(tmpl::ValueMap& config, const tmpl::Value& overrides) {
  if (!overrides.is_map()) return;
  for (const auto& [k, v] : overrides.AsMap()) MergeConfigValue(config, NormalizeConfigKey(k), v);
}

}  // namespace floe::models
