// Template source -> AST. Internal to tmpl.
#pragma once

#include <memory>
#include <string_view>

#include "core/status.h"
#include "tmpl/internal/ast.h"
#include "tmpl/template.h"

namespace floe::tmpl {

// Nodes are allocated in `arena`, which must outlive the returned tree.
Result<NodePtr> ParseTemplate(std::string_view source, const SourceOrigin& origin, bool trim_blocks, NodeArena& arena);

}  // namespace floe::tmpl
