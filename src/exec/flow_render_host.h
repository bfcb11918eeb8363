// What flow templates can reach while a task's properties render: read() of
// execution files and local files, and secret() from the environment (as
// Kestra does: SECRET_<NAME>, base64-encoded). Internal to exec.
#pragma once

#include "storage/internal_storage.h"
#include "tmpl/template.h"

namespace floe::exec {

class FlowRenderHost final : public tmpl::RenderHost {
 public:
  explicit FlowRenderHost(const storage::InternalStorage& storage) : storage_(storage) {}

  // floe:// URIs from the execution's storage, file:// URIs and plain paths.
  Result<std::string> ReadFile(std::string_view uri) const override;
  // $SECRET_<NAME>, base64-decoded.
  Result<std::string> Secret(std::string_view name) const override;

 private:
  const storage::InternalStorage& storage_;
};

}  // namespace floe::exec
