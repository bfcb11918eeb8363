// Template source -> AST. Internal to tmpl.
#pragma once

#include <memory>
#include <string_view>

#include "core/status.h"
#include "tmpl/internal/ast.h"
#include "tmpl/template.h"

namespace floe::tmpl {

Result<std::unique_ptr<Node>> ParseTemplate(std::string_view source, const SourceOrigin& origin, bool trim_blocks);

}  // namespace floe::tmpl
