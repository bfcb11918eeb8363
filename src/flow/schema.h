// A JSON Schema (draft-07) of the flow language: every flow key, input type,
// and task type with its properties, under floe's names and Kestra's. Editors'
// YAML language servers use it for completion and checking:
//
//   floe schema > floe.schema.json
//   # in a flow file:  # yaml-language-server: $schema=./floe.schema.json
#pragma once

#include "flow/registry.h"
#include "tmpl/value.h"

namespace floe::flow {

tmpl::Value FlowJsonSchema(const TaskRegistry& registry);

}  // namespace floe::flow
