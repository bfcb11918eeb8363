#include "exec/flow_render_host.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace floe::exec {

Result<std::string> FlowRenderHost::ReadFile(std::string_view uri) const {
  std::filesystem::path path;
  if (storage::InternalStorage::IsStorageUri(uri)) {
    ASSIGN_OR_RETURN(path, storage_.LocalPath(uri));
  } else {
    std::string_view p = uri;
    if (p.starts_with("file://")) p.remove_prefix(7);
    path = std::string(p);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read '" + std::string(uri) + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<std::string> FlowRenderHost::Secret(std::string_view name) const {
  std::string var = "SECRET_" + std::string(name);
  const char* value = std::getenv(var.c_str());
  if (!value) {
    return NotFound("secret '" + std::string(name) + "' is not set")
        .WithHint("set " + var + " to its base64-encoded value");
  }
  auto decoded = Base64Decode(value);
  if (!decoded.ok()) return InvalidArgument(var + " is not valid base64: " + decoded.status().message());
  return *decoded;
}

}  // namespace floe::exec
