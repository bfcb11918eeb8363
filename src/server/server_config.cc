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

Result<std::vector<std::string>> StringList(const flow::YamlNode& v, const std::string& where) {
  if (!v.is_sequence()) return InvalidArgument(where + " must be a list").WithLocation(v.location);
  std::vector<std::string> out;
  for (const auto& item : v.items) {
    if (!item.is_scalar()) return InvalidArgument(where + " holds text items only").WithLocation(item.location);
    out.push_back(item.scalar);
  }
  return out;
}

// Kestra's basicAuth: username, password (here its hash), openUrls, realm;
// `enabled: false` turns it off.
Status ReadBasicAuth(const flow::YamlNode& v, AuthConfig* auth) {
  if (!v.is_map()) return InvalidArgument("server.basicAuth must be a map").WithLocation(v.location);
  bool enabled = true;
  std::string username, password;
  for (const auto& e : v.entries) {
    auto scalar = [&]() -> Result<std::string> {
      if (!e.value.is_scalar())
        return InvalidArgument("server.basicAuth." + e.key + " must be a scalar").WithLocation(e.value.location);
      return e.value.scalar;
    };
    if (e.key == "username") {
      ASSIGN_OR_RETURN(username, scalar());
    } else if (e.key == "password") {
      ASSIGN_OR_RETURN(password, scalar());
      Status bad = CheckSecretHash(password);
      if (!bad.ok())
        return InvalidArgument("server.basicAuth.password must be the password's hash, not the password itself: " +
                               bad.message())
            .WithLocation(e.value.location)
            .WithHint("run `floe server hash-password` and paste what it prints");
    } else if (e.key == "enabled") {
      ASSIGN_OR_RETURN(std::string b, scalar());
      if (b != "true" && b != "false")
        return InvalidArgument("server.basicAuth.enabled is true or false").WithLocation(e.value.location);
      enabled = b == "true";
    } else if (e.key == "openUrls" || e.key == "open-urls") {
      ASSIGN_OR_RETURN(auth->open_urls, StringList(e.value, "server.basicAuth.openUrls"));
    } else if (e.key == "realm") {
      ASSIGN_OR_RETURN(auth->realm, scalar());
    } else {
      return InvalidArgument("unknown key 'server.basicAuth." + e.key +
                             "' (known: enabled, username, password, openUrls, realm)")
          .WithLocation(e.key_location);
    }
  }
  if (!enabled) return Status::Ok();
  if (username.empty() || password.empty())
    return InvalidArgument("server.basicAuth needs a username and a password hash").WithLocation(v.location);
  auth->username = username;
  auth->password_hash = password;
  return Status::Ok();
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

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
      if (e.key == "basicAuth" || e.key == "basic-auth") {
        RETURN_IF_ERROR(ReadBasicAuth(v, &config->auth));
        continue;
      }
      if (e.key == "tokens") {
        ASSIGN_OR_RETURN(config->auth.token_hashes, StringList(v, "server.tokens"));
        for (size_t i = 0; i < config->auth.token_hashes.size(); ++i) {
          Status bad = CheckSecretHash(config->auth.token_hashes[i]);
          if (!bad.ok())
            return std::move(bad)
                .WithContext("server.tokens[" + std::to_string(i) + "]")
                .WithLocation(v.items[i].location);
        }
        continue;
      }
      if (e.key == "cors") {
        if (!v.is_map()) return at(InvalidArgument("expected a map with allowedOrigins"));
        for (const auto& c : v.entries) {
          if (c.key != "allowedOrigins")
            return InvalidArgument("unknown key 'server.cors." + c.key + "' (known: allowedOrigins)")
                .WithLocation(c.key_location);
          ASSIGN_OR_RETURN(config->cors_origins, StringList(c.value, "server.cors.allowedOrigins"));
        }
        continue;
      }
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
      } else if (e.key == "shutdownGrace" || e.key == "watchInterval" || e.key == "requestTimeout") {
        auto d = ParseGrace(v.scalar);
        if (!d.ok()) return at(d.status());
        (e.key == "shutdownGrace"   ? config->shutdown_grace
         : e.key == "watchInterval" ? config->watch_interval
                                    : config->request_timeout) = *d;
      } else if (e.key == "maxBodyBytes") {
        auto n = ParseInt(v.scalar, 1024, 1 << 30);
        if (!n.ok()) return at(n.status());
        config->max_body_bytes = static_cast<size_t>(*n);
      } else if (e.key == "healthOpen" || e.key == "allowUnauthenticated") {
        if (v.scalar != "true" && v.scalar != "false") return at(InvalidArgument("expected true or false"));
        (e.key == "healthOpen" ? config->auth.health_open : config->allow_unauthenticated) = v.scalar == "true";
      } else {
        return InvalidArgument("unknown key 'server." + e.key +
                               "' (known: host, port, workers, maxRunning, flowsDir, shutdownGrace, watchInterval, "
                               "basicAuth, tokens, healthOpen, allowUnauthenticated, cors, maxBodyBytes, "
                               "requestTimeout)")
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
  if (std::string v = env("FLOE_SERVER_USERNAME"); !v.empty()) config->auth.username = v;
  if (std::string v = env("FLOE_SERVER_PASSWORD_HASH"); !v.empty()) {
    if (Status bad = CheckSecretHash(v); !bad.ok()) return wrap("FLOE_SERVER_PASSWORD_HASH", bad);
    config->auth.password_hash = v;
  }
  if (!config->auth.username.empty() && config->auth.password_hash.empty())
    return InvalidArgument("$FLOE_SERVER_USERNAME is set without a password: set $FLOE_SERVER_PASSWORD_HASH too");
  if (std::string v = env("FLOE_SERVER_TOKEN_HASHES"); !v.empty()) {
    config->auth.token_hashes.clear();
    for (size_t start = 0; start <= v.size();) {
      size_t end = v.find(',', start);
      std::string hash = v.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (Status bad = CheckSecretHash(hash); !bad.ok()) return wrap("FLOE_SERVER_TOKEN_HASHES", bad);
      config->auth.token_hashes.push_back(hash);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  if (std::string v = env("FLOE_SERVER_SHUTDOWN_GRACE"); !v.empty()) {
    auto d = ParseGrace(v);
    if (!d.ok()) return wrap("FLOE_SERVER_SHUTDOWN_GRACE", d.status());
    config->shutdown_grace = *d;
  }
  return Status::Ok();
}

}  // namespace floe::server
