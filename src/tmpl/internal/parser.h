// Template source -> AST. Internal to tmpl.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tmpl/internal/ast.h"
#include "tmpl/template.h"

namespace floe::tmpl {

// A top-level {% macro %}, {% test %}, {% materialization %}, {% docs %} or
// {% snapshot %}, as the parser found it.
struct ParsedBlock {
  TemplateBlock block;    // without body and origin, which Template fills in
  size_t body_begin = 0;  // the body as offsets into the source
  size_t body_end = 0;
  const Node* macro = nullptr;  // the kMacro node the block defines
};

// Nodes are allocated in `arena`, which must outlive the returned tree.
// Top-level definition blocks are appended to *blocks when it is given.
Result<NodePtr> ParseTemplate(std::string_view source, const SourceOrigin& origin, const Environment& env,
                              NodeArena& arena, std::vector<ParsedBlock>* blocks = nullptr);

}  // namespace floe::tmpl
