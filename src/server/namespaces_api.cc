#include "server/namespaces_api.h"

#include <fstream>
#include <map>
#include <set>

#include "core/duration.h"
#include "server/multipart.h"
#include "server/zip_archive.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

namespace fs = std::filesystem;
using tmpl::Value;
using tmpl::ValueList;

bool ValidNamespace(const std::string& ns) {
  if (ns.empty() || ns.front() == '.' || ns.back() == '.') return false;
  for (char c : ns)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return ns.find("..") == std::string::npos;
}

std::string KvType(const Value& v) {
  if (v.is_string()) return "STRING";
  if (v.is_bool()) return "BOOLEAN";
  if (v.is_int() || v.is_double()) return "NUMBER";
  return "JSON";
}

int64_t EpochMs(fs::file_time_type t) {
  // libstdc++ 12 has no clock_cast: shift by the two clocks' distance now.
  auto sys = std::chrono::system_clock::now() +
             std::chrono::duration_cast<std::chrono::system_clock::duration>(t - fs::file_time_type::clock::now());
  return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
}

Value FileAttributes(const fs::path& p) {
  std::error_code ec;
  bool dir = fs::is_directory(p, ec);
  auto mtime = fs::last_write_time(p, ec);
  int64_t ms = ec ? 0 : EpochMs(mtime);
  return Value::MakeMap({{"fileName", p.filename().string()},
                         {"type", dir ? "Directory" : "File"},
                         {"size", dir ? int64_t{0} : static_cast<int64_t>(fs::file_size(p, ec))},
                         {"lastModifiedTime", ms},
                         {"creationTime", ms},
                         {"metadata", Value(tmpl::ValueMap{})}});
}

Status WriteFile(const fs::path& path, std::string_view data) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return IoError("cannot create '" + path.parent_path().string() + "': " + ec.message());
  fs::path temp = path.parent_path() / ("." + path.filename().string() + ".upload");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) return IoError("cannot write '" + path.string() + "'");
  }
  fs::rename(temp, path, ec);
  if (ec) return IoError("cannot write '" + path.string() + "': " + ec.message());
  return Status::Ok();
}

class NamespaceRoutes {
 public:
  explicit NamespaceRoutes(ApiContext& api)
      : api_(api), store_(api.rt.store()), root_(api.rt.home().executor_settings().namespace_files) {}

  Status Add() {
    ApiRoutes& r = api_.routes;
    RETURN_IF_ERROR(AddApiRoute(
        r, "GET", "/namespaces/search", "Namespaces with flows, and their parents, paged",
        [this](const HttpRequest& q) -> Result<HttpResponse> {
          ASSIGN_OR_RETURN(Paging paging, ReadPaging(q));
          std::string text = q.QueryValue("q").value_or("");
          std::set<std::string> names;
          for (const auto& f : api_.flows.flows()) {
            const std::string& ns = f->namespace_;
            for (size_t dot = ns.find('.'); dot != std::string::npos; dot = ns.find('.', dot + 1))
              names.insert(ns.substr(0, dot));
            names.insert(ns);
          }
          std::vector<std::string> found;
          for (const auto& n : names)
            if (text.empty() || n.find(text) != std::string::npos) found.push_back(n);
          ValueList page;
          for (size_t i = paging.offset(); i < found.size() && page.size() < static_cast<size_t>(paging.size); ++i)
            page.push_back(Value::MakeMap({{"id", found[i]}, {"deleted", false}}));
          return JsonResponse(200, PagedResults(std::move(page), static_cast<int64_t>(found.size())));
        }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/namespaces/{namespace}", "A namespace",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(std::string ns, Namespace(q));
                                  return JsonResponse(200, Value::MakeMap({{"id", ns}, {"deleted", false}}));
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/namespaces/{namespace}/kv", "A namespace's KV keys",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(std::string ns, Namespace(q));
                                  ASSIGN_OR_RETURN(auto entries, store_.KvList(ns, "", SystemClock().Now()));
                                  ValueList out;
                                  for (const auto& e : entries) {
                                    tmpl::ValueMap m;
                                    m.Set("key", e.key);
                                    m.Set("creationDate", FormatTimestamp(e.updated));
                                    m.Set("updateDate", FormatTimestamp(e.updated));
                                    if (e.expires) m.Set("expirationDate", FormatTimestamp(*e.expires));
                                    out.push_back(Value(std::move(m)));
                                  }
                                  return JsonResponse(200, Value(std::move(out)));
                                }));
    RETURN_IF_ERROR(AddApiRoute(
        r, "GET", "/namespaces/{namespace}/kv/{key}", "A KV value with its type",
        [this](const HttpRequest& q) -> Result<HttpResponse> {
          ASSIGN_OR_RETURN(std::string ns, Namespace(q));
          std::string key = q.PathParam("key");
          // Read whatever its expiry, to tell an expired key (410, as Kestra) from a missing one.
          ASSIGN_OR_RETURN(auto entry, store_.KvGet(ns, key, Timestamp::min()));
          if (!entry) return NotFound("no value for key '" + key + "' in namespace '" + ns + "'");
          if (entry->expires && *entry->expires <= SystemClock().Now())
            return HttpResponse::JsonError(410, "the value of key '" + key + "' in namespace '" + ns + "' has expired");
          auto value = tmpl::ParseJson(entry->value_json);
          if (!value.ok()) return Internal("the stored value of '" + key + "' is not JSON");
          return JsonResponse(200, Value::MakeMap({{"type", KvType(*value)}, {"value", *value}}));
        }));
    RETURN_IF_ERROR(AddApiRoute(
        r, "PUT", "/namespaces/{namespace}/kv/{key}",
        "Set a KV value: the body (JSON, or else text); header ttl (ISO 8601)",
        [this](const HttpRequest& q) -> Result<HttpResponse> {
          ASSIGN_OR_RETURN(std::string ns, Namespace(q));
          std::string key = q.PathParam("key");
          if (key.empty() || key.size() > 255) return InvalidArgument("a KV key is 1 to 255 characters");
          auto parsed = tmpl::ParseJson(q.body);
          Value value = parsed.ok() ? *parsed : Value(q.body);
          Timestamp now = SystemClock().Now();
          state::KvEntry entry{.namespace_ = ns, .key = key, .value_json = tmpl::ToJson(value), .updated = now};
          if (std::string_view ttl = q.headers.Get("ttl"); !ttl.empty()) {
            auto d = ParseDuration(ttl);
            if (!d.ok())
              return InvalidArgument("the ttl header is an ISO 8601 duration (PT1H), not '" + std::string(ttl) + "'");
            entry.expires = now + std::chrono::duration_cast<std::chrono::system_clock::duration>(*d);
          }
          RETURN_IF_ERROR(store_.KvPut(entry));
          return HttpResponse{.status = 200};
        }));
    RETURN_IF_ERROR(AddApiRoute(r, "DELETE", "/namespaces/{namespace}/kv/{key}", "Delete a KV value",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(std::string ns, Namespace(q));
                                  ASSIGN_OR_RETURN(bool deleted, store_.KvDelete(ns, q.PathParam("key")));
                                  return JsonResponse(200, Value(deleted));
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "DELETE", "/namespaces/{namespace}/kv",
                                "Delete several KV values ({\"keys\": [...]}) -> {\"keys\": those deleted}",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(std::string ns, Namespace(q));
                                  auto body = tmpl::ParseJson(q.body);
                                  const Value* keys = body.ok() && body->is_map() ? body->Get("keys") : nullptr;
                                  if (!keys || !keys->is_list())
                                    return InvalidArgument("the body is {\"keys\": [\"k1\", ...]}");
                                  ValueList deleted;
                                  for (const Value& k : keys->AsList()) {
                                    if (!k.is_string())
                                      return InvalidArgument("each key is a string, not " + tmpl::ToJson(k));
                                    ASSIGN_OR_RETURN(bool gone, store_.KvDelete(ns, k.AsString()));
                                    if (gone) deleted.push_back(k);
                                  }
                                  return JsonResponse(200, Value::MakeMap({{"keys", Value(std::move(deleted))}}));
                                }));
    RETURN_IF_ERROR(AddApiRoute(
        r, "GET", "/namespaces/{namespace}/files/search",
        "The paths of a namespace's files that contain ?q=", [this](const HttpRequest& q) -> Result<HttpResponse> {
          ASSIGN_OR_RETURN(auto files, AllFiles(q));
          std::string text = q.QueryValue("q").value_or("");
          ValueList out;
          for (const auto& [path, file] : files)
            if (path.find(text) != std::string::npos) out.push_back(Value(path));
          return JsonResponse(200, Value(std::move(out)));
        }));
    RETURN_IF_ERROR(
        AddApiRoute(r, "GET", "/namespaces/{namespace}/files/export", "A namespace's files as a zip",
                    [this](const HttpRequest& q) -> Result<HttpResponse> {
                      ASSIGN_OR_RETURN(auto files, AllFiles(q));
                      std::vector<std::pair<std::string, std::string>> entries;
                      for (const auto& [path, file] : files) {
                        std::ifstream in(file, std::ios::binary);
                        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
                        if (!in && !in.eof()) return IoError("cannot read " + path);
                        entries.emplace_back(path.substr(1), std::move(data));
                      }
                      ASSIGN_OR_RETURN(std::string zip, ZipArchive(entries));
                      HttpResponse resp{.status = 200, .body = std::move(zip)};
                      resp.headers.Set("Content-Type", "application/octet-stream");
                      resp.headers.Set("Content-Disposition",
                                       "attachment; filename=\"" + q.PathParam("namespace") + "_files.zip\"");
                      return resp;
                    }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/namespaces/{namespace}/files", "A namespace file (?path=)",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(fs::path p, FileOf(q, "path"));
                                  std::error_code ec;
                                  if (!fs::is_regular_file(p, ec))
                                    return NotFound("no file " + q.QueryValue("path").value_or(""));
                                  std::ifstream in(p, std::ios::binary);
                                  std::string data((std::istreambuf_iterator<char>(in)),
                                                   std::istreambuf_iterator<char>());
                                  HttpResponse resp{.status = 200, .body = std::move(data)};
                                  resp.headers.Set("Content-Type", "application/octet-stream");
                                  resp.headers.Set("Cache-Control", "no-cache");
                                  return resp;
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/namespaces/{namespace}/files/stats", "A namespace file's attributes",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(fs::path p, FileOf(q, "path", true));
                                  std::error_code ec;
                                  if (!fs::exists(p, ec))
                                    return NotFound("no file " + q.QueryValue("path").value_or("/"));
                                  return JsonResponse(200, FileAttributes(p));
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "GET", "/namespaces/{namespace}/files/directory", "A namespace folder's entries",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(fs::path p, FileOf(q, "path", true));
                                  std::error_code ec;
                                  ValueList out;
                                  if (!fs::is_directory(p, ec)) {
                                    if (q.QueryValue("path").value_or("/") != "/" &&
                                        !q.QueryValue("path").value_or("").empty())
                                      return NotFound("no folder " + q.QueryValue("path").value_or("/"));
                                    return JsonResponse(200, Value(std::move(out)));
                                  }
                                  std::vector<fs::path> entries;
                                  for (const auto& entry : fs::directory_iterator(p, ec))
                                    entries.push_back(entry.path());
                                  std::sort(entries.begin(), entries.end());
                                  for (const auto& e : entries) out.push_back(FileAttributes(e));
                                  return JsonResponse(200, Value(std::move(out)));
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/namespaces/{namespace}/files/directory", "Create a namespace folder",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(fs::path p, FileOf(q, "path"));
                                  std::error_code ec;
                                  fs::create_directories(p, ec);
                                  if (ec) return IoError("cannot create the folder: " + ec.message());
                                  return HttpResponse{.status = 200};
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "POST", "/namespaces/{namespace}/files",
                                "Upload a namespace file (?path=, multipart part fileContent)",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(fs::path p, FileOf(q, "path"));
                                  ASSIGN_OR_RETURN(auto parts, ParseForm(q));
                                  for (const auto& part : parts) {
                                    if (part.name != "fileContent") continue;
                                    RETURN_IF_ERROR(WriteFile(p, part.data));
                                    return HttpResponse{.status = 200};
                                  }
                                  return InvalidArgument("the upload needs a multipart part named 'fileContent'");
                                }));
    RETURN_IF_ERROR(AddApiRoute(r, "PUT", "/namespaces/{namespace}/files",
                                "Move a namespace file or folder (?from= &to=)",
                                [this](const HttpRequest& q) -> Result<HttpResponse> {
                                  ASSIGN_OR_RETURN(fs::path from, FileOf(q, "from"));
                                  ASSIGN_OR_RETURN(fs::path to, FileOf(q, "to"));
                                  std::error_code ec;
                                  if (!fs::exists(from, ec))
                                    return NotFound("no file " + q.QueryValue("from").value_or(""));
                                  if (fs::exists(to, ec))
                                    return FailedPrecondition(q.QueryValue("to").value_or("") + " already exists");
                                  fs::create_directories(to.parent_path(), ec);
                                  fs::rename(from, to, ec);
                                  if (ec) return IoError("cannot move: " + ec.message());
                                  return HttpResponse{.status = 200};
                                }));
    return AddApiRoute(r, "DELETE", "/namespaces/{namespace}/files", "Delete a namespace file or folder (?path=)",
                       [this](const HttpRequest& q) -> Result<HttpResponse> {
                         ASSIGN_OR_RETURN(fs::path p, FileOf(q, "path"));
                         std::error_code ec;
                         if (!fs::exists(p, ec)) return NotFound("no file " + q.QueryValue("path").value_or(""));
                         fs::remove_all(p, ec);
                         if (ec) return IoError("cannot delete: " + ec.message());
                         return HttpResponse{.status = 200};
                       });
  }

 private:
  // Every file of the request's namespace: "/a/b.sql" -> its path on disk, sorted.
  Result<std::map<std::string, fs::path>> AllFiles(const HttpRequest& q) {
    ASSIGN_OR_RETURN(std::string ns, Namespace(q));
    std::map<std::string, fs::path> out;
    fs::path base = root_ / ns;
    std::error_code ec;
    if (!fs::is_directory(base, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file()) out["/" + fs::relative(it->path(), base).generic_string()] = it->path();
    if (ec) return IoError("cannot list the files of namespace " + ns + ": " + ec.message());
    return out;
  }
  Result<std::string> Namespace(const HttpRequest& q) {
    std::string ns = q.PathParam("namespace");
    if (!ValidNamespace(ns))
      return InvalidArgument("'" + ns + "' is not a namespace name (letters, digits, '.', '_', '-')");
    return ns;
  }
  Result<fs::path> FileOf(const HttpRequest& q, std::string_view param, bool root_allowed = false) {
    ASSIGN_OR_RETURN(std::string ns, Namespace(q));
    std::string path = q.QueryValue(param).value_or("");
    if (path.empty() || path == "/") {
      if (root_allowed) return root_ / ns;
      return InvalidArgument("the query parameter '" + std::string(param) +
                             "' (a file's path, like /queries/a.sql) is required");
    }
    return NamespaceFilePath(root_, ns, path);
  }

  ApiContext& api_;
  state::Store& store_;
  fs::path root_;
};

}  // namespace

Result<fs::path> NamespaceFilePath(const fs::path& root, const std::string& ns, const std::string& path) {
  std::string rel = path;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  if (rel.empty()) return InvalidArgument("'" + path + "' names no file");
  if (rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos)
    return InvalidArgument("'" + path + "' holds a character a file path cannot");
  for (size_t start = 0; start <= rel.size();) {
    size_t end = rel.find('/', start);
    std::string seg = rel.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (seg == ".." || seg == ".")
      return InvalidArgument("'" + path + "' leaves the namespace's files ('" + seg + "' is not allowed in a path)");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  fs::path base = root / ns;
  fs::path full = (base / rel).lexically_normal();
  // A symbolic link inside the folder may point out of it: resolve what exists.
  std::error_code ec;
  fs::path real_base = fs::weakly_canonical(base, ec);
  fs::path real = fs::weakly_canonical(full, ec);
  auto [a, b] = std::mismatch(real_base.begin(), real_base.end(), real.begin(), real.end());
  if (a != real_base.end()) return InvalidArgument("'" + path + "' leaves the namespace's files");
  return full;
}

Result<std::shared_ptr<void>> AddNamespaceRoutes(ApiContext& api) {
  auto routes = std::make_shared<NamespaceRoutes>(api);
  RETURN_IF_ERROR(routes->Add());
  return std::shared_ptr<void>(routes);
}

}  // namespace floe::server
