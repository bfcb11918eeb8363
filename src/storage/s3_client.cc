#include "storage/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include "core/strings.h"
#include "storage/digest.h"
#include "storage/xml.h"

namespace floe::storage {
namespace {

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string Where(const std::string& bucket, const std::string& key) {
  return "s3://" + bucket + (key.empty() ? "" : "/" + key);
}

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Where a response body goes: memory, or (a 2xx answer to a download) a file,
// hashed on the way so the download can be checked without reading it back.
struct BodySink {
  CURL* curl = nullptr;
  std::string* buffer = nullptr;
  std::FILE* file = nullptr;
  Md5 md5;
  uint64_t file_bytes = 0;
  bool write_failed = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  long status = 0;
  curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &status);
  if (sink->file && status >= 200 && status < 300) {
    if (std::fwrite(data, 1, size * n, sink->file) != size * n) {
      sink->write_failed = true;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    sink->md5.Update(std::string_view(data, size * n));
    sink->file_bytes += size * n;
  } else {
    sink->buffer->append(data, size * n);
  }
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) headers->clear();  // a new response (after 100-continue)
  if (auto header = ParseHeaderLine(line)) (*headers)[header->first] = std::move(header->second);
  return size * n;
}

struct Endpoint {
  std::string scheme;  // "http" / "https"
  std::string host;    // with the port when given
};

Result<Endpoint> ParseEndpoint(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return InvalidArgument("S3 endpoint '" + url + "' must look like https://host[:port]");
  Endpoint e{url.substr(0, sep), url.substr(sep + 3)};
  while (!e.host.empty() && e.host.back() == '/') e.host.pop_back();
  if ((e.scheme != "http" && e.scheme != "https") || e.host.empty() || e.host.find('/') != std::string::npos)
    return InvalidArgument("S3 endpoint '" + url + "' must look like https://host[:port]");
  return e;
}

// Reads ~/.aws/credentials or ~/.aws/config: section -> key -> value.
std::map<std::string, std::map<std::string, std::string>> ReadIni(const std::filesystem::path& path) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::ifstream in(path);
  std::string line, section, parent;
  while (std::getline(in, line)) {
    auto trim = [](std::string s) {
      size_t a = s.find_first_not_of(" \t\r");
      size_t b = s.find_last_not_of(" \t\r");
      return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = trim(t.substr(1, t.size() - 2));
      if (section.starts_with("profile ")) section = trim(section.substr(8));
      parent.clear();
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(t.substr(0, eq)), value = trim(t.substr(eq + 1));
    bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (value.empty() && !indented) {
      parent = key;  // a nested block such as "s3 ="
      continue;
    }
    out[section][indented && !parent.empty() ? parent + "." + key : key] = value;
  }
  return out;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

Result<S3Config> S3ConfigFromEnvironment(const S3Overrides& overrides) {
  S3Config c;
  std::string profile = Env("AWS_PROFILE").empty() ? "default" : Env("AWS_PROFILE");
  std::filesystem::path home = Env("HOME");
  std::filesystem::path credentials_file = Env("AWS_SHARED_CREDENTIALS_FILE").empty()
                                               ? home / ".aws" / "credentials"
                                               : std::filesystem::path(Env("AWS_SHARED_CREDENTIALS_FILE"));
  std::filesystem::path config_file =
      Env("AWS_CONFIG_FILE").empty() ? home / ".aws" / "config" : std::filesystem::path(Env("AWS_CONFIG_FILE"));
  auto creds = ReadIni(credentials_file)[profile];
  auto conf = ReadIni(config_file)[profile];
  auto pick = [](std::initializer_list<std::string> choices) {
    for (const auto& v : choices)
      if (!v.empty()) return v;
    return std::string();
  };
  c.credentials.access_key_id = pick({Env("AWS_ACCESS_KEY_ID"), creds["aws_access_key_id"], conf["aws_access_key_id"]});
  c.credentials.secret_access_key =
      pick({Env("AWS_SECRET_ACCESS_KEY"), creds["aws_secret_access_key"], conf["aws_secret_access_key"]});
  c.credentials.session_token = pick({Env("AWS_SESSION_TOKEN"), creds["aws_session_token"], conf["aws_session_token"]});
  c.region = pick({Env("AWS_REGION"), Env("AWS_DEFAULT_REGION"), conf["region"], "us-east-1"});
  c.endpoint =
      pick({Env("AWS_ENDPOINT_URL_S3"), Env("AWS_ENDPOINT_URL"), conf["s3.endpoint_url"], conf["endpoint_url"]});
  c.ca_file = pick({Env("AWS_CA_BUNDLE"), conf["ca_bundle"]});
  std::string style = conf["s3.addressing_style"];
  c.path_style = style == "path" || (!c.endpoint.empty() && style != "virtual");
  if (!overrides.endpoint.empty()) {
    c.endpoint = overrides.endpoint;
    c.path_style = true;
  }
  if (overrides.path_style) c.path_style = true;
  if (!overrides.region.empty()) c.region = overrides.region;
  if (!overrides.credentials.access_key_id.empty()) c.credentials = overrides.credentials;
  if (c.credentials.access_key_id.empty() || c.credentials.secret_access_key.empty()) {
    return FailedPrecondition("no S3 credentials")
        .WithHint("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials");
  }
  if (!c.endpoint.empty()) RETURN_IF_ERROR(ParseEndpoint(c.endpoint).status());
  return c;
}

struct S3Client::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
  InitCurl();
  if (config_.endpoint.empty()) config_.endpoint = "https://s3." + config_.region + ".amazonaws.com";
}

S3Client::~S3Client() = default;

std::unique_ptr<S3Client::Handle> S3Client::TakeHandle() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto h = std::move(pool_.back());
      pool_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->curl = curl_easy_init();
  return h;
}

void S3Client::ReturnHandle(std::unique_ptr<Handle> handle) {
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < 32) pool_.push_back(std::move(handle));
}

Result<S3Client::Response> S3Client::Send(const Request& request) {
  std::mt19937_64 rng{std::random_device{}()};
  Status last;
  for (int attempt = 0; attempt < std::max(1, config_.max_attempts); ++attempt) {
    if (attempt > 0) {
      // Exponential backoff with full jitter, at most 20 s.
      auto cap = std::min<int64_t>(20000, config_.retry_base_delay.count() << std::min(attempt, 10));
      std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(1, cap));
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    }
    auto handle = TakeHandle();
    if (!handle->curl) return Internal("cannot start libcurl");
    bool retryable = false;
    Result<Response> r = SendOnce(request, *handle, &retryable);
    ReturnHandle(std::move(handle));
    if (r.ok() || !retryable) return r;
    last = r.status();
  }
  return Status(last.code(), last.message() + " (after " + std::to_string(config_.max_attempts) + " attempts)");
}

Result<S3Client::Response> S3Client::SendOnce(const Request& request, Handle& handle, bool* retryable) {
  *retryable = false;
  ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(config_.endpoint));
  std::string host = endpoint.host;
  std::string path;
  if (request.bucket.empty()) {
    path = "/";
  } else if (config_.path_style) {
    path = "/" + request.bucket + (request.key.empty() ? "" : "/" + request.key);
  } else {
    host = request.bucket + "." + endpoint.host;
    path = "/" + request.key;
  }
  Timestamp now = SystemClock().Now();
  bool https = endpoint.scheme == "https";
  SigningRequest signing{.method = request.method, .path = path, .query = request.query};
  signing.payload_hash = https ? std::string(kUnsignedPayload) : Sha256Hex(request.body);
  signing.headers = {{"host", host}, {"x-amz-date", AmzDate(now)}, {"x-amz-content-sha256", signing.payload_hash}};
  if (!config_.credentials.session_token.empty())
    signing.headers.emplace_back("x-amz-security-token", config_.credentials.session_token);
  for (const auto& h : request.headers) signing.headers.push_back(h);
  SignedRequest signed_request =
      SignV4(signing, config_.credentials, {.region = config_.region, .service = "s3", .at = now});

  std::string url = endpoint.scheme + "://" + host + CanonicalPath(path);
  std::string query;
  for (const auto& [k, v] : request.query)
    query += (query.empty() ? "?" : "&") + UriEncode(k, true) + "=" + UriEncode(v, true);
  url += query;

  CURL* c = handle.curl;
  curl_easy_reset(c);  // keeps the connection cache
  Response response;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  BodySink sink{.curl = c, .buffer = &response.body};
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  if (request.download_to) {
    file.reset(std::fopen(request.download_to->c_str(), "wb"));  // each attempt starts the file afresh
    if (!file) return IoError("cannot write '" + request.download_to->string() + "'");
    sink.file = file.get();
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.request_timeout.count()));
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
  // Keys are literal: "a/../b" must not become "b" on the way.
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  if (request.method == "PUT" || request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  struct curl_slist* headers = nullptr;
  for (const auto& [k, v] : signing.headers) {
    if (k == "host") continue;  // curl sends it from the URL
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  }
  headers = curl_slist_append(headers, ("Authorization: " + signed_request.authorization).c_str());
  headers = curl_slist_append(headers, "Expect:");
  bool has_type = false;
  for (const auto& [k, v] : request.headers) has_type = has_type || k == "content-type";
  if (!has_type) headers = curl_slist_append(headers, "Content-Type:");  // no curl default form type
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_guard(headers, curl_slist_free_all);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  CURLcode rc = curl_easy_perform(c);
  std::string where = request.method + " " + Where(request.bucket, request.key);
  if (sink.write_failed) return IoError(where + ": cannot write '" + request.download_to->string() + "'");
  if (file && std::fflush(file.get()) != 0)
    return IoError(where + ": cannot write '" + request.download_to->string() + "'");
  if (rc != CURLE_OK) {
    *retryable = rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
                 rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE || rc == CURLE_COULDNT_CONNECT ||
                 rc == CURLE_HTTP2_STREAM;
    return Status(rc == CURLE_OPERATION_TIMEDOUT ? StatusCode::kDeadlineExceeded : StatusCode::kUnavailable,
                  where + " failed: " + curl_easy_strerror(rc) + " (" + config_.endpoint + ")");
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  if (response.status >= 200 && response.status < 300) {
    // A body shorter than announced is a truncated answer: try again.
    if (auto it = response.headers.find("content-length"); it != response.headers.end() && request.method != "HEAD") {
      auto expected = ParseIndex(it->second);
      uint64_t received = sink.file ? sink.file_bytes : response.body.size();
      if (expected && *expected != received) {
        *retryable = true;
        return IoError(where + ": the answer was cut short (" + std::to_string(received) + " of " + it->second +
                       " bytes)");
      }
    }
    if (sink.file) {
      response.streamed_bytes = static_cast<int64_t>(sink.file_bytes);
      response.streamed_md5 = sink.md5.FinishHex();
    }
    return response;
  }
  // S3's XML error, when there is one (HEAD answers have no body).
  std::string code, message, request_id = response.headers["x-amz-request-id"];
  if (auto doc = ParseXml(response.body); doc.ok() && doc->name == "Error") {
    code = doc->ChildText("Code");
    message = doc->ChildText("Message");
    if (request_id.empty()) request_id = doc->ChildText("RequestId");
  }
  if (code.empty()) {
    code = response.status == 404   ? (request.key.empty() ? "NoSuchBucket" : "NoSuchKey")
           : response.status == 403 ? "AccessDenied"
                                    : "HTTP" + std::to_string(response.status);
  }
  // 501: the store does not offer the operation; asking again cannot help.
  *retryable = (response.status >= 500 && response.status != 501) || code == "SlowDown" || code == "RequestTimeout" ||
               code == "InternalError" || response.status == 429;
  std::string text = where + ": " + code + (message.empty() ? "" : ": " + message) + " (HTTP " +
                     std::to_string(response.status) + (request_id.empty() ? "" : ", request id " + request_id) + ")";
  StatusCode status_code = response.status == 404   ? StatusCode::kNotFound
                           : response.status == 501 ? StatusCode::kUnimplemented
                           : response.status == 409 && code.find("Exists") != std::string::npos
                               ? StatusCode::kAlreadyExists
                           : response.status == 403 || response.status == 400 ? StatusCode::kFailedPrecondition
                                                                              : StatusCode::kUnavailable;
  Status s(status_code, text);
  if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId")
    s = std::move(s).WithHint("check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the task's credentials)");
  return s;
}

Status S3Client::CreateBucket(const std::string& bucket) {
  std::string body;
  if (config_.region != "us-east-1") {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
           config_.region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  return Send({.method = "PUT", .bucket = bucket, .body = body}).status();
}

Result<ObjectInfo> S3Client::Head(const std::string& bucket, const std::string& key) {
  ASSIGN_OR_RETURN(Response r, Send({.method = "HEAD", .bucket = bucket, .key = key}));
  ObjectInfo info{.key = key};
  info.size = static_cast<int64_t>(ParseIndex(r.headers["content-length"]).value_or(0));
  info.etag = Unquote(r.headers["etag"]);
  info.last_modified = r.headers["last-modified"];
  info.content_type = r.headers["content-type"];
  for (const auto& [k, v] : r.headers)
    if (k.starts_with("x-amz-meta-")) info.metadata[k.substr(11)] = v;
  return info;
}

namespace {
// A single-part object's ETag is the MD5 of its bytes: check it.
Status CheckEtag(S3Client::Response& r, const std::string& md5_hex, const std::string& bucket, const std::string& key) {
  std::string etag = Unquote(r.headers["etag"]);
  if (etag.size() == 32 && etag.find('-') == std::string::npos && md5_hex != etag)
    return IoError("GET " + Where(bucket, key) + ": the bytes received do not match the object's MD5 (ETag " + etag +
                   ")");
  return Status::Ok();
}
}  // namespace

Result<std::string> S3Client::Get(const std::string& bucket, const std::string& key) {
  ASSIGN_OR_RETURN(Response r, Send({.method = "GET", .bucket = bucket, .key = key}));
  RETURN_IF_ERROR(CheckEtag(r, Md5Hex(r.body), bucket, key));
  return std::move(r.body);
}

Result<std::string> S3Client::GetRange(const std::string& bucket, const std::string& key, int64_t offset,
                                       int64_t length) {
  if (length <= 0) return std::string();
  std::string range = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  ASSIGN_OR_RETURN(Response r, Send({.method = "GET", .bucket = bucket, .key = key, .headers = {{"range", range}}}));
  if (r.status != 206 && static_cast<int64_t>(r.body.size()) > length) r.body = r.body.substr(offset, length);
  return std::move(r.body);
}

namespace {
std::vector<std::pair<std::string, std::string>> PutHeaders(std::string_view data, const PutOptions& options) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"content-type", options.content_type.empty() ? "application/octet-stream" : options.content_type}};
  headers.emplace_back("content-md5", Md5Base64(data));
  for (const auto& [k, v] : options.metadata) headers.emplace_back("x-amz-meta-" + k, v);
  return headers;
}
}  // namespace

Status S3Client::Put(const std::string& bucket, const std::string& key, std::string_view data,
                     const PutOptions& options) {
  return Send({.method = "PUT", .bucket = bucket, .key = key, .headers = PutHeaders(data, options), .body = data})
      .status();
}

Result<std::string> S3Client::CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                                    const PutOptions& options) {
  auto headers = PutHeaders("", options);
  headers.erase(std::remove_if(headers.begin(), headers.end(), [](const auto& h) { return h.first == "content-md5"; }),
                headers.end());
  ASSIGN_OR_RETURN(
      Response r,
      Send({.method = "POST", .bucket = bucket, .key = key, .query = {{"uploads", ""}}, .headers = headers}));
  ASSIGN_OR_RETURN(XmlElement doc, ParseXml(r.body));
  std::string id = doc.ChildText("UploadId");
  if (id.empty()) return IoError("POST " + Where(bucket, key) + "?uploads: the answer has no UploadId");
  return id;
}

Result<std::string> S3Client::UploadPart(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, int part_number, std::string_view data) {
  ASSIGN_OR_RETURN(Response r, Send({.method = "PUT",
                                     .bucket = bucket,
                                     .key = key,
                                     .query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
                                     .headers = {{"content-md5", Md5Base64(data)}},
                                     .body = data}));
  std::string etag = r.headers["etag"];
  if (etag.empty()) return IoError("PUT " + Where(bucket, key) + " part " + std::to_string(part_number) + ": no ETag");
  return etag;
}

Status S3Client::CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id,
                                         const std::vector<std::pair<int, std::string>>& parts) {
  std::string body = "<CompleteMultipartUpload>";
  for (const auto& [n, etag] : parts)
    body += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + XmlEscape(etag) + "</ETag></Part>";
  body += "</CompleteMultipartUpload>";
  ASSIGN_OR_RETURN(Response r, Send({.method = "POST",
                                     .bucket = bucket,
                                     .key = key,
                                     .query = {{"uploadId", upload_id}},
                                     .headers = {{"content-type", "application/xml"}},
                                     .body = body}));
  // S3 may answer 200 with an error in the body.
  if (auto doc = ParseXml(r.body); doc.ok() && doc->name == "Error")
    return IoError("POST " + Where(bucket, key) + " (complete multipart): " + doc->ChildText("Code") + ": " +
                   doc->ChildText("Message"));
  return Status::Ok();
}

Status S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id) {
  return Send({.method = "DELETE", .bucket = bucket, .key = key, .query = {{"uploadId", upload_id}}}).status();
}

Result<std::vector<S3Client::MultipartUpload>> S3Client::ListMultipartUploads(const std::string& bucket,
                                                                              const std::string& prefix) {
  std::vector<MultipartUpload> out;
  std::string key_marker, upload_id_marker;
  while (true) {
    std::vector<std::pair<std::string, std::string>> query = {{"uploads", ""}};
    if (!prefix.empty()) query.emplace_back("prefix", prefix);
    if (!key_marker.empty()) query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) query.emplace_back("upload-id-marker", upload_id_marker);
    ASSIGN_OR_RETURN(Response r, Send({.method = "GET", .bucket = bucket, .query = query}));
    auto doc = ParseXml(r.body);
    if (!doc.ok()) return Status(doc.status()).WithContext("listing the multipart uploads of " + Where(bucket, prefix));
    for (const XmlElement* u : doc->Children("Upload"))
      out.push_back(
          {.key = u->ChildText("Key"), .upload_id = u->ChildText("UploadId"), .initiated = u->ChildText("Initiated")});
    if (doc->ChildText("IsTruncated") != "true") return out;
    std::string next_key = doc->ChildText("NextKeyMarker"), next_id = doc->ChildText("NextUploadIdMarker");
    if (next_key.empty() || (next_key == key_marker && next_id == upload_id_marker))
      return IoError("listing the multipart uploads of " + Where(bucket, prefix) +
                     ": truncated, but no marker to go on with");
    key_marker = std::move(next_key);
    upload_id_marker = std::move(next_id);
  }
}

Status S3Client::PutFile(const std::string& bucket, const std::string& key, const std::filesystem::path& file,
                         const PutOptions& options, int64_t part_size, int parallel) {
  std::error_code ec;
  auto size = static_cast<int64_t>(std::filesystem::file_size(file, ec));
  if (ec) return IoError("cannot read '" + file.string() + "': " + ec.message());
  constexpr int64_t kMinPart = 5 << 20;
  constexpr int64_t kMaxParts = 10000;
  part_size = std::max(part_size, kMinPart);
  if (size > part_size * kMaxParts) part_size = (size + kMaxParts - 1) / kMaxParts;
  auto read = [&](int64_t offset, int64_t n) -> Result<std::string> {
    std::ifstream in(file, std::ios::binary);
    in.seekg(offset);
    std::string data(static_cast<size_t>(n), '\0');
    in.read(data.data(), n);
    if (in.gcount() != n) return IoError("cannot read '" + file.string() + "' at byte " + std::to_string(offset));
    return data;
  };
  if (size <= part_size) {
    ASSIGN_OR_RETURN(std::string data, read(0, size));
    return Put(bucket, key, data, options);
  }
  ASSIGN_OR_RETURN(std::string upload_id, CreateMultipartUpload(bucket, key, options));
  int64_t parts = (size + part_size - 1) / part_size;
  std::vector<std::pair<int, std::string>> etags(static_cast<size_t>(parts));
  std::atomic<int64_t> next{0};
  std::mutex mu;
  Status first_error;
  auto worker = [&] {
    while (true) {
      int64_t i = next++;
      if (i >= parts) return;
      {
        std::lock_guard lock(mu);
        if (!first_error.ok()) return;
      }
      int64_t offset = i * part_size;
      auto data = read(offset, std::min(part_size, size - offset));
      Result<std::string> etag = data.ok() ? UploadPart(bucket, key, upload_id, static_cast<int>(i + 1), *data)
                                           : Result<std::string>(data.status());
      std::lock_guard lock(mu);
      if (!etag.ok()) {
        if (first_error.ok()) first_error = etag.status();
        return;
      }
      etags[static_cast<size_t>(i)] = {static_cast<int>(i + 1), *etag};
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, parallel); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  Status done = first_error.ok() ? CompleteMultipartUpload(bucket, key, upload_id, etags) : first_error;
  if (!done.ok()) {
    AbortMultipartUpload(bucket, key, upload_id).IgnoreError();  // best effort; the error below says what failed
    return std::move(done).WithContext("multipart upload of '" + file.string() + "' aborted");
  }
  return Status::Ok();
}

Status S3Client::GetToFile(const std::string& bucket, const std::string& key, const std::filesystem::path& file) {
  std::filesystem::path tmp = file;
  tmp += ".part";
  Result<Response> r = Send({.method = "GET", .bucket = bucket, .key = key, .download_to = &tmp});
  Status checked = r.ok() ? CheckEtag(*r, r->streamed_md5, bucket, key) : r.status();
  std::error_code ec;
  if (!checked.ok()) {
    std::filesystem::remove(tmp, ec);
    return checked;
  }
  std::filesystem::rename(tmp, file, ec);  // never a half-written file under the real name
  if (ec) return IoError("cannot write '" + file.string() + "': " + ec.message());
  return Status::Ok();
}

Result<ListPage> S3Client::List(const std::string& bucket, const std::string& prefix, const std::string& delimiter,
                                const std::string& continuation_token, int max_keys) {
  std::vector<std::pair<std::string, std::string>> query = {{"list-type", "2"}, {"max-keys", std::to_string(max_keys)}};
  if (!prefix.empty()) query.emplace_back("prefix", prefix);
  if (!delimiter.empty()) query.emplace_back("delimiter", delimiter);
  if (!continuation_token.empty()) query.emplace_back("continuation-token", continuation_token);
  ASSIGN_OR_RETURN(Response r, Send({.method = "GET", .bucket = bucket, .query = query}));
  auto doc = ParseXml(r.body);
  if (!doc.ok()) return Status(doc.status()).WithContext("listing " + Where(bucket, prefix));
  ListPage page;
  for (const XmlElement* c : doc->Children("Contents")) {
    ObjectInfo o{.key = c->ChildText("Key"),
                 .etag = Unquote(c->ChildText("ETag")),
                 .last_modified = c->ChildText("LastModified")};
    o.size = static_cast<int64_t>(ParseIndex(c->ChildText("Size")).value_or(0));
    page.objects.push_back(std::move(o));
  }
  for (const XmlElement* p : doc->Children("CommonPrefixes")) page.common_prefixes.push_back(p->ChildText("Prefix"));
  if (doc->ChildText("IsTruncated") == "true") {
    page.next_token = doc->ChildText("NextContinuationToken");
    if (page.next_token.empty())
      return IoError("listing " + Where(bucket, prefix) + ": truncated, but no continuation token to go on with");
  }
  return page;
}

Result<std::vector<ObjectInfo>> S3Client::ListAll(const std::string& bucket, const std::string& prefix) {
  return CollectPages([&](const std::string& token) { return List(bucket, prefix, "", token); }, Where(bucket, prefix));
}

Status S3Client::Delete(const std::string& bucket, const std::string& key) {
  return Send({.method = "DELETE", .bucket = bucket, .key = key}).status();
}

Status S3Client::DeleteMany(const std::string& bucket, const std::vector<std::string>& keys) {
  for (size_t start = 0; start < keys.size(); start += 1000) {
    std::string body = "<Delete><Quiet>true</Quiet>";
    for (size_t i = start; i < std::min(keys.size(), start + 1000); ++i)
      body += "<Object><Key>" + XmlEscape(keys[i]) + "</Key></Object>";
    body += "</Delete>";
    ASSIGN_OR_RETURN(Response r,
                     Send({.method = "POST",
                           .bucket = bucket,
                           .query = {{"delete", ""}},
                           .headers = {{"content-md5", Md5Base64(body)}, {"content-type", "application/xml"}},
                           .body = body}));
    ASSIGN_OR_RETURN(XmlElement doc, ParseXml(r.body));
    if (const XmlElement* err = doc.Child("Error"))
      return IoError("deleting " + Where(bucket, err->ChildText("Key")) + ": " + err->ChildText("Code") + ": " +
                     err->ChildText("Message"));
  }
  return Status::Ok();
}

Status S3Client::Copy(const std::string& from_bucket, const std::string& from_key, const std::string& to_bucket,
                      const std::string& to_key) {
  // Encoded as botocore sends it, except that '=' stays as it is (valid in a URI
  // path, decoded the same by S3): s3rver decodes this header with
  // decodeURI, which leaves %3D, so Hive partition keys (region=0/) would
  // not be found there.
  std::string key = UriEncode(from_key, false);
  for (size_t at = key.find("%3D"); at != std::string::npos; at = key.find("%3D", at + 1)) key.replace(at, 3, "=");
  std::string source = from_bucket + "/" + key;
  ASSIGN_OR_RETURN(
      Response r,
      Send({.method = "PUT", .bucket = to_bucket, .key = to_key, .headers = {{"x-amz-copy-source", source}}}));
  if (auto doc = ParseXml(r.body); doc.ok() && doc->name == "Error")
    return IoError("copy " + Where(from_bucket, from_key) + " to " + Where(to_bucket, to_key) + ": " +
                   doc->ChildText("Code") + ": " + doc->ChildText("Message"));
  return Status::Ok();
}

}  // namespace floe::storage
