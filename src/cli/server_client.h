// A client of a running `floe server`'s REST API, for the CLI's --server
// mode: the same commands, acting on the server instead of the local home.
//
//   ASSIGN_OR_RETURN(ServerClient client, ServerClient::Connect(server_flag));   // or $FLOE_SERVER
//   ASSIGN_OR_RETURN(state::Execution e, client.GetExecution("01JD"));          // a unique id prefix
//
// Credentials: $FLOE_TOKEN as a bearer token, or user:password in the URL
// (http://admin:pw@host:8080) for basic auth. Errors carry the server's
// message and the HTTP status.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "state/model.h"
#include "tmpl/value.h"

namespace floe::cli {

class ServerClient {
 public:
  // The server named by `flag`, else $FLOE_SERVER; nullopt when neither is set.
  static Result<std::optional<ServerClient>> FromFlagOrEnvironment(const std::string& flag);
  explicit ServerClient(std::string base_url, std::string token = "");

  struct Response {
    int status = 0;
    std::string body;
    std::string content_type;
  };
  // One request; a transport failure is an error, any HTTP status is a Response.
  Result<Response> Send(const std::string& method, const std::string& path, const std::string& body = "",
                        const std::string& content_type = "") const;
  // The same, with a status of 400 or more turned into an error carrying the server's message.
  Result<Response> Call(const std::string& method, const std::string& path, const std::string& body = "",
                        const std::string& content_type = "") const;
  Result<tmpl::Value> Json(const std::string& method, const std::string& path, const std::string& body = "",
                           const std::string& content_type = "") const;

  // A part of a multipart/form-data body: a field, or a file read from disk.
  struct FormField {
    std::string name;
    std::string value;  // a field's text
    std::string file;   // or a file's path
  };
  Result<tmpl::Value> PostForm(const std::string& path, const std::vector<FormField>& fields) const;

  // Reads server-sent events until `on_event` returns false or the stream ends.
  struct Event {
    std::string id, event, data;
  };
  Status Stream(const std::string& path, const std::function<bool(const Event&)>& on_event) const;

  // The execution with that id, or the only one whose id starts with it.
  Result<state::Execution> GetExecution(const std::string& id_or_prefix) const;

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string token_;
};

// The API's JSON shapes back into floe's model, for the CLI's renderers.
state::Execution ExecutionFromJson(const tmpl::Value& json);
state::LogEntry LogFromJson(const tmpl::Value& json);

// "a b/c" -> "a%20b%2Fc": one path segment or query value.
std::string UrlEncode(std::string_view s);

}  // namespace floe::cli
