// How `floe server` is configured: defaults, then a YAML file (--config),
// then environment variables, then command-line flags, each overriding the
// one before.
//
//   # floe-server.yml
//   server:
//     host: 0.0.0.0
//     port: 8080
//     workers: 8
//     maxRunning: 64
//     flowsDir: ./flows
//     shutdownGrace: PT30S     # ISO 8601
//     basicAuth:               # Kestra's; the password as `floe server hash-password` prints it
//       username: admin@example.com
//       password: pbkdf2-sha256$120000$...
//       openUrls: [/api/v1/executions/webhook/]
//     tokens:                  # bearer tokens, hashed the same way
//       - pbkdf2-sha256$120000$...
//     healthOpen: true         # health and readiness without credentials
//     cors:
//       allowedOrigins: [https://ui.example.com]   # none by default: no CORS headers
//     maxBodyBytes: 10485760
//     requestTimeout: PT60S    # reading a request's body; writing an answer
//
// A server bound to an address other than loopback refuses to start without
// credentials, unless allowUnauthenticated: true says so on purpose.
//
//   ServerConfig config;
//   RETURN_IF_ERROR(LoadServerConfigFile("floe-server.yml", &config));
//   RETURN_IF_ERROR(ApplyServerEnvironment(&config));  // FLOE_SERVER_PORT=9090 ...
//   if (port_flag) config.port = *port_flag;
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "core/duration.h"
#include "core/status.h"
#include "server/auth.h"

namespace floe::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;                                     // 0: any free port (printed when listening)
  std::filesystem::path flows_dir;                     // empty: the home's flows folder
  int workers = 0;                                     // executor worker slots; 0: the executor's default
  int max_running = 0;                                 // executions at once; 0: the executor's default
  Duration shutdown_grace = std::chrono::seconds(30);  // SIGTERM: how long running executions may finish
  Duration watch_interval = std::chrono::seconds(2);   // how often the flows folder is looked at
  AuthConfig auth;
  bool allow_unauthenticated = false;  // on a non-loopback address without credentials
  std::vector<std::string> cors_origins;
  size_t max_body_bytes = 10 * 1024 * 1024;
  Duration request_timeout = std::chrono::seconds(60);
};

// Whether `host` is a loopback address (127.x.y.z, ::1, localhost).
bool IsLoopbackHost(const std::string& host);

// Reads the `server:` map of a YAML file into *config (keys left out keep
// their values). An unknown key, a value of the wrong type or a malformed
// duration is an error naming file:line:col. A relative flowsDir is taken
// relative to the file's folder.
Status LoadServerConfigFile(const std::filesystem::path& file, ServerConfig* config);

// Applies FLOE_SERVER_HOST, FLOE_SERVER_PORT, FLOE_SERVER_WORKERS,
// FLOE_SERVER_MAX_RUNNING, FLOE_SERVER_FLOWS_DIR, FLOE_SERVER_SHUTDOWN_GRACE,
// FLOE_SERVER_USERNAME with FLOE_SERVER_PASSWORD_HASH, and
// FLOE_SERVER_TOKEN_HASHES (comma-separated) when set and not empty; a malformed value is an
// error naming the variable.
Status ApplyServerEnvironment(ServerConfig* config);

}  // namespace floe::server
