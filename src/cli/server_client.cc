#include "cli/server_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/id.h"
#include "tmpl/json.h"

namespace floe::cli {
namespace {

struct CurlHandle {
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  ~CurlHandle() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
  }
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::optional<Timestamp> TimeOf(const tmpl::Value* v) {
  if (!v || !v->is_string()) return std::nullopt;
  auto t = ParseTimestamp(v->AsString());
  return t.ok() ? std::optional<Timestamp>(*t) : std::nullopt;
}

std::string Text(const tmpl::Value& v, const char* key) {
  const tmpl::Value* f = v.is_map() ? v.Get(key) : nullptr;
  return f && f->is_string() ? f->AsString() : "";
}

std::vector<state::StateChange> History(const tmpl::Value* state) {
  std::vector<state::StateChange> out;
  const tmpl::Value* list = state && state->is_map() ? state->Get("histories") : nullptr;
  if (!list || !list->is_list()) return out;
  for (const auto& h : list->AsList()) {
    auto s = state::ParseState(Text(h, "state"));
    auto at = TimeOf(h.Get("date"));
    if (s && at) out.push_back({*s, *at});
  }
  return out;
}

state::State Current(const tmpl::Value* state) {
  const tmpl::Value* c = state && state->is_map() ? state->Get("current") : nullptr;
  auto s = c && c->is_string() ? state::ParseState(c->AsString()) : std::nullopt;
  return s.value_or(state::State::kCreated);
}

std::string JsonOf(const tmpl::Value* v, const char* fallback) {
  return v && !v->is_null() ? tmpl::ToJson(*v) : fallback;
}

}  // namespace

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Result<std::optional<ServerClient>> ServerClient::FromFlagOrEnvironment(const std::string& flag) {
  std::string url = flag;
  if (url.empty())
    if (const char* env = std::getenv("FLOE_SERVER")) url = env;
  if (url.empty()) return std::optional<ServerClient>();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return InvalidArgument("--server (or $FLOE_SERVER) is a URL like http://127.0.0.1:8080, not '" + url + "'");
  while (!url.empty() && url.back() == '/') url.pop_back();
  const char* token = std::getenv("FLOE_TOKEN");
  return std::optional<ServerClient>(ServerClient(url, token ? token : ""));
}

ServerClient::ServerClient(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {}

Result<ServerClient::Response> ServerClient::Send(const std::string& method, const std::string& path,
                                                  const std::string& body, const std::string& content_type) const {
  CurlHandle h;
  if (!h.curl) return Internal("libcurl could not start");
  Response r;
  std::string url = base_url_ + path;
  curl_easy_setopt(h.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h.curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);
  if (method == "HEAD") curl_easy_setopt(h.curl, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(h.curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h.curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (!content_type.empty()) h.headers = curl_slist_append(h.headers, ("Content-Type: " + content_type).c_str());
  if (!token_.empty()) h.headers = curl_slist_append(h.headers, ("Authorization: Bearer " + token_).c_str());
  h.headers = curl_slist_append(h.headers, "Expect:");
  curl_easy_setopt(h.curl, CURLOPT_HTTPHEADER, h.headers);
  CURLcode rc = curl_easy_perform(h.curl);
  if (rc != CURLE_OK)
    return Unavailable("cannot reach the floe server at " + base_url_ + ": " + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &status);
  r.status = static_cast<int>(status);
  char* type = nullptr;
  curl_easy_getinfo(h.curl, CURLINFO_CONTENT_TYPE, &type);
  if (type) r.content_type = type;
  return r;
}

Result<ServerClient::Response> ServerClient::Call(const std::string& method, const std::string& path,
                                                  const std::string& body, const std::string& content_type) const {
  ASSIGN_OR_RETURN(Response r, Send(method, path, body, content_type));
  if (r.status < 400) return r;
  std::string message = r.body;
  if (auto json = tmpl::ParseJson(r.body); json.ok() && json->is_map() && json->Get("message"))
    message = Text(*json, "message");
  StatusCode code = r.status == 404   ? StatusCode::kNotFound
                    : r.status == 409 ? StatusCode::kFailedPrecondition
                    : r.status < 500  ? StatusCode::kInvalidArgument
                                      : StatusCode::kUnavailable;
  return Status(code, message + " (HTTP " + std::to_string(r.status) + " from " + method + " " + path + ")");
}

Result<tmpl::Value> ServerClient::Json(const std::string& method, const std::string& path, const std::string& body,
                                       const std::string& content_type) const {
  ASSIGN_OR_RETURN(Response r, Call(method, path, body, content_type));
  if (r.body.empty()) return tmpl::Value();
  auto json = tmpl::ParseJson(r.body);
  if (!json.ok()) return Internal("the server's answer to " + method + " " + path + " is not JSON");
  return *json;
}

Result<tmpl::Value> ServerClient::PostForm(const std::string& path, const std::vector<FormField>& fields) const {
  std::string boundary = "floe-" + NewId();
  std::string body;
  for (const FormField& f : fields) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.name + "\"";
    if (!f.file.empty()) {
      std::ifstream in(f.file, std::ios::binary);
      if (!in) return NotFound("input '" + f.name + "' (FILE): no file at '" + f.file + "'");
      std::stringstream data;
      data << in.rdbuf();
      std::string name = std::filesystem::path(f.file).filename().string();
      body += "; filename=\"" + name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + data.str() + "\r\n";
    } else {
      body += "\r\n\r\n" + f.value + "\r\n";
    }
  }
  body += "--" + boundary + "--\r\n";
  return Json("POST", path, body, "multipart/form-data; boundary=" + boundary);
}

Status ServerClient::Stream(const std::string& path, const std::function<bool(const Event&)>& on_event) const {
  struct State {
    const std::function<bool(const Event&)>* on_event;
    std::string buffer;
    Event current;
    bool stop = false;
    int status = 0;
  } st{&on_event};
  CurlHandle h;
  std::string url = base_url_ + path;
  curl_easy_setopt(h.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.curl, CURLOPT_CONNECTTIMEOUT, 10L);
  h.headers = curl_slist_append(h.headers, "Accept: text/event-stream");
  if (!token_.empty()) h.headers = curl_slist_append(h.headers, ("Authorization: Bearer " + token_).c_str());
  curl_easy_setopt(h.curl, CURLOPT_HTTPHEADER, h.headers);
  auto write = +[](char* data, size_t size, size_t n, void* p) -> size_t {
    auto* s = static_cast<State*>(p);
    s->buffer.append(data, size * n);
    size_t nl;
    while ((nl = s->buffer.find('\n')) != std::string::npos) {
      std::string line = s->buffer.substr(0, nl);
      s->buffer.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (!s->current.data.empty() || !s->current.id.empty() || !s->current.event.empty()) {
          if (!s->current.data.empty() && s->current.data.back() == '\n') s->current.data.pop_back();
          if (!(*s->on_event)(s->current)) {
            s->stop = true;
            return 0;  // stops the transfer
          }
        }
        s->current = Event{};
      } else if (line[0] != ':') {
        size_t colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "data") s->current.data += value + "\n";
        if (field == "id") s->current.id = value;
        if (field == "event") s->current.event = value;
      }
    }
    return size * n;
  };
  curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, &st);
  CURLcode rc = curl_easy_perform(h.curl);
  long status = 0;
  curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 400) return Unavailable("the server answered HTTP " + std::to_string(status) + " to GET " + path);
  if (rc != CURLE_OK && !(st.stop && rc == CURLE_WRITE_ERROR))
    return Unavailable("the stream from " + base_url_ + " broke: " + curl_easy_strerror(rc));
  return Status::Ok();
}

Result<state::Execution> ServerClient::GetExecution(const std::string& id_or_prefix) const {
  ASSIGN_OR_RETURN(Response r, Send("GET", "/api/v1/executions/" + UrlEncode(id_or_prefix)));
  if (r.status == 404) {
    // A prefix: the one execution whose id starts with it.
    ASSIGN_OR_RETURN(tmpl::Value found, Json("GET", "/api/v1/executions/search?size=2&q=" + UrlEncode(id_or_prefix)));
    std::vector<std::string> ids;
    if (const tmpl::Value* results = found.Get("results"); results && results->is_list())
      for (const auto& e : results->AsList())
        if (Text(e, "id").rfind(id_or_prefix, 0) == 0) ids.push_back(Text(e, "id"));
    if (ids.empty()) return NotFound("no execution '" + id_or_prefix + "' on " + base_url_);
    if (ids.size() > 1) return InvalidArgument("'" + id_or_prefix + "' starts several execution ids; give more of it");
    return GetExecution(ids[0]);
  }
  ASSIGN_OR_RETURN(tmpl::Value json, Json("GET", "/api/v1/executions/" + UrlEncode(id_or_prefix)));
  return ExecutionFromJson(json);
}

state::Execution ExecutionFromJson(const tmpl::Value& j) {
  state::Execution e;
  e.id = Text(j, "id");
  e.namespace_ = Text(j, "namespace");
  e.flow_id = Text(j, "flowId");
  e.state = Current(j.Get("state"));
  e.history = History(j.Get("state"));
  e.inputs_json = JsonOf(j.Get("inputs"), "{}");
  e.outputs_json = JsonOf(j.Get("outputs"), "{}");
  e.error = Text(j, "error");
  tmpl::ValueMap labels;
  if (const tmpl::Value* l = j.Get("labels"); l && l->is_list())
    for (const auto& item : l->AsList()) labels.Set(Text(item, "key"), tmpl::Value(Text(item, "value")));
  e.labels_json = tmpl::ToJson(tmpl::Value(std::move(labels)));
  if (const tmpl::Value* t = j.Get("trigger"); t && !t->is_null()) e.trigger_json = tmpl::ToJson(*t);
  if (const tmpl::Value* runs = j.Get("taskRunList"); runs && runs->is_list()) {
    for (const auto& r : runs->AsList()) {
      state::TaskRun run;
      run.id = Text(r, "id");
      run.execution_id = e.id;
      run.task_id = Text(r, "taskId");
      run.task_type = Text(r, "taskType");
      run.parent_id = Text(r, "parentTaskRunId");
      if (const tmpl::Value* a = r.Get("attempt"); a && a->is_int()) run.attempt = static_cast<int>(a->AsInt());
      run.state = Current(r.Get("state"));
      run.history = History(r.Get("state"));
      run.outputs_json = JsonOf(r.Get("outputs"), "{}");
      run.error = Text(r, "error");
      if (const tmpl::Value* v = r.Get("value"); v && v->is_string())
        run.loop_values_json = tmpl::ToJson(tmpl::Value(tmpl::ValueList{*v}));
      e.task_runs.push_back(std::move(run));
    }
  }
  return e;
}

state::LogEntry LogFromJson(const tmpl::Value& j) {
  state::LogEntry e;
  e.execution_id = Text(j, "executionId");
  e.task_run_id = Text(j, "taskRunId");
  e.task_id = Text(j, "taskId");
  e.at = TimeOf(j.Get("timestamp")).value_or(Timestamp{});
  e.level = ParseLogLevel(Text(j, "level")).value_or(LogLevel::kInfo);
  e.message = Text(j, "message");
  if (const tmpl::Value* s = j.Get("seq"); s && s->is_int()) e.seq = s->AsInt();
  return e;
}

}  // namespace floe::cli
