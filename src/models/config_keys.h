// The config keys dbt Core 1.8/1.9 and dbt-duckdb know, in one place: the
// project loader checks dbt_project.yml and property files against them, and
// compile checks `{{ config(...) }}` calls. Also how two configs merge.
//
//   if (!IsKnownConfigKey(key)) warn("unknown config '" + key + "'" + suggestion);
//   std::optional<std::string> s = SuggestConfigKey("materalized");  // "materialized"
//   MergeConfigValue(config, "tags", Value("nightly"));              // appends
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tmpl/value.h"

namespace floe::models {

// Every known key, normalised (pre_hook, not pre-hook), sorted.
const std::vector<std::string>& KnownConfigKeys();

// True for a known key, written either way (`pre-hook` or `pre_hook`).
bool IsKnownConfigKey(std::string_view key);

// The nearest known key to a misspelled one, or nullopt when none is close.
std::optional<std::string> SuggestConfigKey(std::string_view key);

// dbt's aliases: "pre-hook" -> "pre_hook", "post-hook" -> "post_hook";
// anything else unchanged.
std::string NormalizeConfigKey(std::string_view key);

// Keys whose value is a map (meta, docs, persist_docs, grants, ...): in a
// dbt_project.yml config tree such a key is a config even without `+`.
bool IsMapValuedConfigKey(std::string_view key);

// Merges `value` into `config[key]` as dbt merges a more specific config
// into a less specific one: tags, pre_hook and post_hook append (a string
// counts as a one-item list; tags are kept unique), meta, docs, quoting,
// column_types, persist_docs and contract merge key by key, grants append
// per privilege, everything else replaces. Never mutates a list or map that
// `config` or `value` already shares: merged containers are fresh copies.
// `key` must already be normalised.
void MergeConfigValue(tmpl::ValueMap& config, const std::string& key, const tmpl::Value& value);

// Merges every entry of `overrides` (a map) into `config` with MergeConfigValue.
void MergeConfig(tmpl::ValueMap& config, const tmpl::Value& overrides);

}  // namespace floe::models
