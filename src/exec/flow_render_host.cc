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

}  // namespace floe::exec
