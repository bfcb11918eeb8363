#include "exec/flow_render_host.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/strings.h"
#include "flow/flow.h"
#include "tmpl/json.h"

namespace floe::exec {
namespace {

Result<std::string> ReadWhole(const std::filesystem::path& path, std::string_view shown) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read '" + std::string(shown) + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

Result<std::string> FlowRenderHost::ReadFile(std::string_view uri) const {
  if (storage::InternalStorage::IsStorageUri(uri)) return s_.storage->Read(uri);
  if (uri.starts_with("s3://") && s_.object_stores) {
    ASSIGN_OR_RETURN(storage::ObjectLocation at, s_.object_stores->Open(uri));
    return at.store->Get(at.key);
  }
  ASSIGN_OR_RETURN(std::filesystem::path path, s_.files.Resolve(uri));
  return ReadWhole(path, uri);
}

Result<std::string> LookupSecret(std::string_view name, const std::filesystem::path& secrets_file) {
  std::string var = "SECRET_" + std::string(name);
  if (const char* value = std::getenv(var.c_str())) {
    auto decoded = Base64Decode(value);
    if (!decoded.ok()) return InvalidArgument(var + " is not valid base64: " + decoded.status().message());
    return *decoded;
  }
  std::error_code ec;
  if (!secrets_file.empty() && std::filesystem::exists(secrets_file, ec)) {
    ASSIGN_OR_RETURN(std::string text, ReadWhole(secrets_file, secrets_file.string()));
    // Values are taken as written: template syntax in a secret is not rendered.
    std::vector<Status> ignored_template_errors;
    ASSIGN_OR_RETURN(flow::YamlNode doc, flow::ParseYaml(text, secrets_file.string(), flow::FlowTemplateEnvironment(),
                                                         &ignored_template_errors));
    if (!doc.is_map() && !doc.is_null())
      return InvalidArgument("the secrets file must be a YAML map of NAME: value").WithLocation(doc.location);
    if (const flow::YamlNode* v = doc.Find(name)) {
      if (!v->is_scalar())
        return InvalidArgument("secret '" + std::string(name) + "' must be text").WithLocation(v->location);
      return v->scalar;
    }
  }
  return NotFound("secret '" + std::string(name) + "' is not set")
      .WithHint("set " + var + " to its base64-encoded value, or add '" + std::string(name) + ": <value>' to " +
                (secrets_file.empty() ? std::string("the secrets file") : secrets_file.string()));
}

Result<std::string> FlowRenderHost::Secret(std::string_view name) const {
  ASSIGN_OR_RETURN(std::string value, LookupSecret(name, s_.secrets_file));
  if (s_.mask) s_.mask->Add(value);
  return value;
}

Result<tmpl::Value> FlowRenderHost::KvGet(std::string_view key, std::string_view ns) const {
  if (!s_.store) return FailedPrecondition("kv() is not available here");
  std::string space = ns.empty() ? s_.namespace_ : std::string(ns);
  ASSIGN_OR_RETURN(std::optional<state::KvEntry> entry, s_.store->KvGet(space, std::string(key), s_.clock->Now()));
  if (!entry) return NotFound("no KV entry '" + std::string(key) + "' in namespace '" + space + "'");
  return tmpl::ParseJson(entry->value_json);
}

Result<tmpl::Value> FlowRenderHost::ErrorLogs() const {
  if (!s_.store || s_.execution_id.empty()) return FailedPrecondition("errorLogs() is not available here");
  constexpr size_t kMaxLines = 25;  // as Kestra
  tmpl::ValueList lines;
  ASSIGN_OR_RETURN(std::vector<state::LogEntry> errors,
                   s_.store->GetLogs(s_.execution_id, 0, static_cast<int>(kMaxLines), LogLevel::kError));
  for (const auto& l : errors)
    lines.push_back(tmpl::Value::MakeMap({{"executionId", tmpl::Value(l.execution_id)},
                                          {"namespace", tmpl::Value(s_.namespace_)},
                                          {"taskId", tmpl::Value(l.task_id)},
                                          {"taskRunId", tmpl::Value(l.task_run_id)},
                                          {"timestamp", tmpl::Value(FormatTimestamp(l.at))},
                                          {"level", tmpl::Value(std::string(LogLevelName(l.level)))},
                                          {"message", tmpl::Value(l.message)}}));
  return tmpl::Value(std::move(lines));
}

Result<int64_t> FlowRenderHost::FileSize(std::string_view uri) const {
  if (storage::InternalStorage::IsStorageUri(uri)) return s_.storage->Size(uri);
  if (uri.starts_with("s3://") && s_.object_stores) {
    ASSIGN_OR_RETURN(storage::ObjectLocation at, s_.object_stores->Open(uri));
    ASSIGN_OR_RETURN(storage::ObjectInfo info, at.store->Head(at.key));
    return info.size;
  }
  ASSIGN_OR_RETURN(std::filesystem::path path, s_.files.Resolve(uri));
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return IoError("cannot read the size of '" + std::string(uri) + "': " + ec.message());
  return static_cast<int64_t>(size);
}

Result<std::string> FlowRenderHost::NamespaceFileUri(std::string_view path) const {
  if (path.starts_with("/") || path.find("://") != std::string_view::npos)
    return InvalidArgument("fileURI('" + std::string(path) + "'): give a path relative to the namespace's files");
  ASSIGN_OR_RETURN(std::filesystem::path file, s_.files.Resolve(path));
  return "file://" + file.string();
}

}  // namespace floe::exec
