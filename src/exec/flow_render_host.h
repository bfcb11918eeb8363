// What flow templates can reach while properties render: read() of execution
// files, s3:// objects and the local files LocalFileAccess allows; secret() from the environment (as Kestra does:
// SECRET_<NAME>, base64-encoded) or from the home's secrets file; kv() from
// the namespace KV store. Every secret read is remembered by the execution's
// SecretMask. Thread-safe. Internal to exec.
#pragma once

#include <filesystem>
#include <string>

#include "core/time.h"
#include "exec/local_file_access.h"
#include "exec/secret_mask.h"
#include "state/store.h"
#include "storage/internal_storage.h"
#include "storage/object_stores.h"
#include "tmpl/template.h"

namespace floe::exec {

class FlowRenderHost final : public tmpl::RenderHost {
 public:
  struct Services {
    const storage::InternalStorage* storage = nullptr;
    storage::ObjectStores* object_stores = nullptr;  // s3:// URIs
    state::Store* store = nullptr;                   // for kv(); none: kv() fails clearly
    std::filesystem::path secrets_file;              // YAML map NAME: value; may not exist
    LocalFileAccess files;                           // the local files read() may reach
    SecretMask* mask = nullptr;                      // secrets read are added here
    std::string namespace_;                          // kv()'s default namespace
    std::string execution_id;                        // whose logs errorLogs() reads
    const Clock* clock = &SystemClock();
  };

  explicit FlowRenderHost(Services services) : s_(std::move(services)) {}

  // floe:// URIs from the execution's storage, s3:// objects, the namespace's
  // files (a relative path) and local files in allowed folders (an absolute
  // path or file:// URI); see LocalFileAccess.
  Result<std::string> ReadFile(std::string_view uri) const override;
  // $SECRET_<NAME> (base64), else the secrets file.
  Result<std::string> Secret(std::string_view name) const override;
  // The value stored with kv.Set (JSON-typed); NotFound when absent or expired.
  Result<tmpl::Value> KvGet(std::string_view key, std::string_view ns) const override;
  // The execution's first 25 ERROR lines, as Kestra's errorLogs() gives them.
  Result<tmpl::Value> ErrorLogs() const override;
  // floe:// files, s3:// objects, namespace files and allowed local files.
  Result<int64_t> FileSize(std::string_view uri) const override;
  // file:// URI of an existing namespace file (Kestra gives kestra:///...;
  // floe's tasks and read() take this one).
  Result<std::string> NamespaceFileUri(std::string_view path) const override;

 private:
  Services s_;
};

// Reads a secret the way templates do, without masking (for tasks that take
// secrets by name). Exposed for tests.
Result<std::string> LookupSecret(std::string_view name, const std::filesystem::path& secrets_file);

}  // namespace floe::exec
