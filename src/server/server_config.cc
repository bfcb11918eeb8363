#include "server/server_config.h"

#include <charconv>
#include <cstdlib>

#include "flow/flow.h"
#include "flow/yaml_node.h"

namespace floe::server {
namespace {

Result<int> ParseInt(std::string_view text, int min, int max) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < min || n > max)
    return InvalidArgument("'" + std::string(text) + "' is not a whole number from " + std::to_string(min) + " to " +
                           std::to_string(max));
  return n;
}

// ISO 8601: "PT30S".
Result<Duration> ParseGrace(std::string_view text) { return ParseDuration(text); }

}  // namespace

Status LoadServerConfigFile(const std::filesystem::path& file, ServerConfig* config) {
  ASSIGN_OR_RETURN(std::string text, flow::ReadFlowFile(file));
  std::vector<Status> template_errors;
  ASSIGN_OR_RETURN(flow::YamlNode doc,
                   flow::ParseYaml(text, file.string(), flow::FlowTemplateEnvironment(), &template_errors));
  if (doc.is_null()) return Status::Ok();
  if (!doc.is_map())
    return InvalidArgument("the server configuration must be a map with a 'server' key").WithLocation(doc.location);
  for (const auto& top : doc.entries) {
    if (top.key != "server")
      return InvalidArgument("unknown key '" + top.key + "' (the configuration has one key: 'server')")
          .WithLocation(top.key_location);
    if (top.value.is_null()) continue;
    if (!top.value.is_map())
      return InvalidArgument("'server' must be a map, not a " + std::string(top.value.KindName()))
          .WithLocation(top.value.location);
    for (const auto& e : top.value.entries) {
      const flow::YamlNode& v = e.value;
      auto at = [&](Status s) { return std::move(s).WithContext("server." + e.key).WithLocation(v.location); };
      if (!v.is_scalar()) return at(InvalidArgument("expected a scalar, not a " + std::string(v.KindName())));
      if (e.key == "host") {
        config->host = v.scalar;
      } else if (e.key == "port") {
        auto n = ParseInt(v.scalar, 0, 65535);
        if (!n.ok()) return at(n.status());
        config->port = *n;
      } else if (e.key == "workers" || e.key == "maxRunning") {
        auto n = ParseInt(v.scalar, 1, 100000);
        if (!n.ok()) return at(n.status());
        (e.key == "workers" ? config->workers : config->max_running) = *n;
      } else if (e.key == "flowsDir") {
        std::filesystem::path dir = v.scalar;
        config->flows_dir = dir.is_relative() ? file.parent_path() / dir : dir;
      } else if (e.key == "shutdownGrace" || e.key == "watchInterval") {
        auto d = ParseGrace(v.scalar);
        if (!d.ok()) return at(d.status());
        (e.key == "shutdownGrace" ? config->shutdown_grace : config->watch_interval) = *d;
      } else {
        return InvalidArgument("unknown key 'server." + e.key +
                               "' (known: host, port, workers, maxRunning, flowsDir, shutdownGrace, watchInterval)")
            .WithLocation(e.key_location);
      }
    }
  }
  return Status::Ok();
}

Status ApplyServerEnvironment(ServerConfig* config) {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  auto wrap = [](const char* name, Status s) { return std::move(s).WithContext(std::string("$") + name); };
  if (std::string v = env("FLOE_SERVER_HOST"); !v.empty()) config->host = v;
  if (std::string v = env("FLOE_SERVER_PORT"); !v.empty()) {
    auto n = ParseInt(v, 0, 65535);
    if (!n.ok()) return wrap("FLOE_SERVER_PORT", n.status());
    config->port = *n;
  }
  if (std::string v = env("FLOE_SERVER_WORKERS"); !v.empty()) {
    auto n = ParseInt(v, 1, 100000);
    if (!n.ok()) return wrap("FLOE_SERVER_WORKERS", n.status());
    config->workers = *n;
  }
  if (std::string v = env("FLOE_SERVER_MAX_RUNNING"); !v.empty()) {
    auto n = ParseInt(v, 1, 100000);
    if (!n.ok()) return wrap("FLOE_SERVER_MAX_RUNNING", n.status());
    config->max_running = *n;
  }
  if (std::string v = env("FLOE_SERVER_FLOWS_DIR"); !v.empty()) config->flows_dir = v;
  if (std::string v = env("FLOE_SERVER_SHUTDOWN_GRACE"); !v.empty()) {
    auto d = ParseGrace(v);
    if (!d.ok()) return wrap("FLOE_SERVER_SHUTDOWN_GRACE", d.status());
    config->shutdown_grace = *d;
  }
  return Status::Ok();
}

}  // namespace floe::server
