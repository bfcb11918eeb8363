// What trigger and condition parsing (triggers.cc) needs from the flow
// parser (flow.cc): a narrow interface rather than one 1,000-line class, so
// each file stays about one part of the flow model. Private to floe_flow.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flow/flow.h"

namespace floe::flow::internal {

class FlowParseHost {
 public:
  virtual ~FlowParseHost() = default;
  // Records an error at `where` (loading goes on, to report them all).
  virtual void AddError(const SourceLocation& where, std::string message, std::string hint) = 0;
  // Reports keys of `map` not in `known` (with suggestions); keys in
  // `not_yet` as Kestra keys floe does not run yet.
  virtual void CheckKeys(const YamlNode& map, const std::vector<std::string>& known, std::string_view what,
                         const std::vector<std::string>& not_yet) = 0;
  // The entry as a property of `task`'s type, type-checked; false (with an
  // error suggesting one of `common` or the type's properties) when unknown.
  virtual bool CheckTypedProperty(const YamlNode::Entry& e, const TaskSpec& task,
                                  const std::vector<std::string>& common) = 0;
  virtual void CheckRequiredProperties(const YamlNode& node, const TaskSpec& task) = 0;
  // Static type check of a value against a property schema (templates pass).
  virtual void CheckPropertyType(const PropertySpec& spec, const YamlNode& value) = 0;
  // The node with the flow's pluginDefaults for its type merged in.
  virtual YamlNode WithDefaults(const YamlNode& node) = 0;
  // Labels written as a map or a list of {key, value}.
  virtual std::vector<std::pair<std::string, std::string>> Labels(const YamlNode& node) = 0;
};

// Parses the flow's `triggers` list into flow.triggers, reporting every
// problem through `host`.
void ParseTriggers(const YamlNode& list, const TaskRegistry& registry, FlowParseHost& host, Flow& flow);

}  // namespace floe::flow::internal
