// The S3 tasks, with Kestra's property names (io.kestra.plugin.aws.s3.*):
// Upload, Download, Downloads, List, Delete, DeleteList, Copy, CreateBucket,
// and the polling s3.Trigger.
// Credentials, region and endpoint come from the task (accessKeyId,
// secretKeyId, sessionToken, region, endpointOverride, forcePathStyle) or,
// for what it leaves out, from the AWS CLI's environment and files.
#include <regex>

#include "storage/s3_client.h"
#include "tasks/builtin.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

Result<std::unique_ptr<storage::S3Client>> ClientFor(flow::TaskContext& ctx) {
  storage::S3Overrides overrides;
  ASSIGN_OR_RETURN(overrides.endpoint, ctx.StringOr("endpointOverride", ""));
  ASSIGN_OR_RETURN(overrides.region, ctx.StringOr("region", ""));
  ASSIGN_OR_RETURN(overrides.path_style, ctx.BoolOr("forcePathStyle", false));
  ASSIGN_OR_RETURN(overrides.credentials.access_key_id, ctx.StringOr("accessKeyId", ""));
  ASSIGN_OR_RETURN(overrides.credentials.secret_access_key, ctx.StringOr("secretKeyId", ""));
  ASSIGN_OR_RETURN(overrides.credentials.session_token, ctx.StringOr("sessionToken", ""));
  if (overrides.credentials.access_key_id.empty() != overrides.credentials.secret_access_key.empty())
    return ctx.PropertyError("accessKeyId", "set both accessKeyId and secretKeyId, or neither");
  ASSIGN_OR_RETURN(storage::S3Config config, storage::S3ConfigFromEnvironment(overrides));
  return std::make_unique<storage::S3Client>(std::move(config));
}

Value ObjectValue(const storage::ObjectInfo& o) {
  return Value::MakeMap({{"key", Value(o.key)},
                         {"size", Value(o.size)},
                         {"etag", Value(o.etag)},
                         {"lastModified", Value(o.last_modified)}});
}

Result<std::optional<std::regex>> RegexProperty(flow::TaskContext& ctx) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, ctx.OptionalString("regexp"));
  if (!text) return std::optional<std::regex>();
  try {
    return std::optional<std::regex>(std::regex(*text));
  } catch (const std::regex_error& e) {
    return ctx.PropertyError("regexp", "not a valid regular expression: " + std::string(e.what()));
  }
}

// maxFiles: 25 unless the task says otherwise.
Result<int64_t> MaxFiles(flow::TaskContext& ctx) {
  ASSIGN_OR_RETURN(std::optional<Value> max_files, ctx.Property("maxFiles"));
  if (max_files && (!max_files->is_int() || max_files->AsInt() < 1))
    return ctx.PropertyError("maxFiles", "must be a whole number, 1 or more");
  return max_files ? max_files->AsInt() : 25;
}

// maxFiles bounds what a listing task takes: more is an error, so nothing is
// silently dropped.
Status CheckMaxFiles(flow::TaskContext& ctx, size_t count) {
  ASSIGN_OR_RETURN(int64_t limit, MaxFiles(ctx));
  if (static_cast<int64_t>(count) <= limit) return Status::Ok();
  return ctx.PropertyError("maxFiles", std::to_string(count) + " objects match, more than maxFiles (" +
                                           std::to_string(limit) + "); raise it or narrow prefix/regexp");
}

bool IsFolderMarker(const storage::ObjectInfo& o) { return !o.key.empty() && o.key.back() == '/'; }

// The objects under `prefix` whose key fully matches `regexp`; with a
// delimiter, only those not under a further "folder".
Result<std::vector<storage::ObjectInfo>> Matching(flow::TaskContext& ctx, storage::S3Client& s3,
                                                  const std::string& bucket) {
  ASSIGN_OR_RETURN(std::string prefix, ctx.StringOr("prefix", ""));
  ASSIGN_OR_RETURN(std::string delimiter, ctx.StringOr("delimiter", ""));
  ASSIGN_OR_RETURN(std::optional<std::regex> regexp, RegexProperty(ctx));
  ASSIGN_OR_RETURN(
      std::vector<storage::ObjectInfo> all,
      storage::CollectPages([&](const std::string& token) { return s3.List(bucket, prefix, delimiter, token); },
                            "s3://" + bucket + "/" + prefix));
  std::vector<storage::ObjectInfo> out;
  for (auto& o : all) {
    if (regexp && !std::regex_match(o.key, *regexp)) continue;
    out.push_back(std::move(o));
  }
  return out;
}

std::string BaseName(const std::string& key) {
  size_t slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

Result<storage::PutOptions> PutOptionsOf(flow::TaskContext& ctx) {
  storage::PutOptions options;
  ASSIGN_OR_RETURN(options.content_type, ctx.StringOr("contentType", ""));
  ASSIGN_OR_RETURN(std::optional<Value> metadata, ctx.OptionalMap("metadata"));
  if (metadata)
    for (const auto& [k, v] : metadata->AsMap()) options.metadata[k] = tmpl::ToDisplayString(v, tmpl::Dialect::kPebble);
  return options;
}

class UploadTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::string bucket, ctx.RequiredString("bucket"));
    ASSIGN_OR_RETURN(std::string key, ctx.RequiredString("key"));
    ASSIGN_OR_RETURN(std::optional<Value> from, ctx.Property("from"));
    if (!from) return ctx.PropertyError("from", "required property 'from' is missing");
    ASSIGN_OR_RETURN(storage::PutOptions options, PutOptionsOf(ctx));
    // One file goes to `key`; several go under `key` as a prefix, by name.
    std::vector<std::string> sources;
    if (from->is_list()) {
      for (const auto& f : from->AsList()) sources.push_back(tmpl::ToDisplayString(f, tmpl::Dialect::kPebble));
    } else {
      sources.push_back(tmpl::ToDisplayString(*from, tmpl::Dialect::kPebble));
    }
    tmpl::ValueList keys;
    for (const auto& source : sources) {
      ASSIGN_OR_RETURN(std::filesystem::path file, ctx.ResolveFile(source));
      std::string target =
          from->is_list() ? (key.empty() || key.back() == '/' ? key : key + "/") + file.filename().string() : key;
      RETURN_IF_ERROR(s3->PutFile(bucket, target, file, options));
      ctx.Log(LogLevel::kInfo, "uploaded " + source + " to s3://" + bucket + "/" + target);
      keys.push_back(Value(target));
    }
    return Value::MakeMap({{"bucket", Value(bucket)},
                           {"key", from->is_list() ? Value(key) : keys.front()},
                           {"keys", Value(std::move(keys))}});
  }
};

class DownloadTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::string bucket, ctx.RequiredString("bucket"));
    ASSIGN_OR_RETURN(std::string key, ctx.RequiredString("key"));
    ASSIGN_OR_RETURN(storage::ObjectInfo info, s3->Head(bucket, key));
    ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile(BaseName(key).empty() ? "object" : BaseName(key)));
    RETURN_IF_ERROR(s3->GetToFile(bucket, key, target.first));
    tmpl::ValueMap metadata;
    for (const auto& [k, v] : info.metadata) metadata.Set(k, Value(v));
    return Value::MakeMap({{"uri", Value(target.second)},
                           {"contentLength", Value(info.size)},
                           {"contentType", Value(info.content_type)},
                           {"metadata", Value(std::move(metadata))}});
  }
};

// What Downloads and the trigger do with the objects they took: nothing,
// delete them, or move them under moveTo.key (in moveTo.bucket).
struct AfterDownload {
  std::string action = "NONE";
  std::string move_bucket, move_prefix;
};

Result<AfterDownload> AfterDownloadOf(flow::TaskContext& ctx, const std::string& bucket, const char* fallback) {
  AfterDownload after{.move_bucket = bucket};
  ASSIGN_OR_RETURN(after.action, ctx.StringOr("action", fallback));
  if (after.action != "NONE" && after.action != "MOVE" && after.action != "DELETE")
    return ctx.PropertyError("action", "must be NONE, MOVE or DELETE");
  if (after.action == "MOVE") {
    ASSIGN_OR_RETURN(std::optional<Value> move_to, ctx.OptionalMap("moveTo"));
    if (!move_to || !move_to->Get("key")) return ctx.PropertyError("moveTo", "MOVE needs moveTo: {key, bucket}");
    after.move_prefix = tmpl::ToDisplayString(*move_to->Get("key"), tmpl::Dialect::kPebble);
    if (const Value* b = move_to->Get("bucket")) after.move_bucket = tmpl::ToDisplayString(*b, tmpl::Dialect::kPebble);
  }
  return after;
}

// Downloads `objects` into the execution's storage, then applies the action:
// only after every download succeeded, so nothing is moved or deleted that
// was not kept. Returns {objects: [{key, size, etag, lastModified, uri}],
// outputFiles: {key: uri}}.
Result<Value> DownloadObjects(flow::TaskContext& ctx, storage::S3Client& s3, const std::string& bucket,
                              const std::vector<storage::ObjectInfo>& objects, const AfterDownload& after) {
  tmpl::ValueList listed;
  tmpl::ValueMap files;
  for (const auto& o : objects) {
    ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile(o.key));
    RETURN_IF_ERROR(s3.GetToFile(bucket, o.key, target.first));
    Value entry = ObjectValue(o);
    entry.MutableMap().Set("uri", Value(target.second));
    listed.push_back(entry);
    files.Set(o.key, Value(target.second));
  }
  for (const auto& o : objects) {
    if (after.action == "MOVE") {
      const std::string& prefix = after.move_prefix;
      std::string to = (prefix.empty() || prefix.back() == '/' ? prefix : prefix + "/") + BaseName(o.key);
      RETURN_IF_ERROR(s3.Copy(bucket, o.key, after.move_bucket, to));
    }
    if (after.action != "NONE") RETURN_IF_ERROR(s3.Delete(bucket, o.key));
  }
  ctx.Log(LogLevel::kInfo, "downloaded " + std::to_string(listed.size()) + " object(s) from s3://" + bucket);
  return Value::MakeMap({{"objects", Value(std::move(listed))}, {"outputFiles", Value(std::move(files))}});
}

class DownloadsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::string bucket, ctx.RequiredString("bucket"));
    ASSIGN_OR_RETURN(AfterDownload after, AfterDownloadOf(ctx, bucket, "NONE"));
    ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, Matching(ctx, *s3, bucket));
    RETURN_IF_ERROR(CheckMaxFiles(ctx, objects.size()));
    std::erase_if(objects, IsFolderMarker);
    return DownloadObjects(ctx, *s3, bucket, objects, after);
  }
};

// s3.Trigger: each poll takes the objects under `prefix` matching `regexp`
// (at most maxFiles, 25 by default, in key order; the rest wait for the next
// poll), downloads them into the new execution's storage and applies the
// action. With action NONE the objects stay, so the trigger remembers each
// key's ETag and fires again only for new or changed objects.
class S3Trigger final : public flow::PollingTrigger {
 public:
  Result<std::optional<Value>> Poll(flow::TaskContext& ctx, Value& state) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::string bucket, ctx.RequiredString("bucket"));
    ASSIGN_OR_RETURN(AfterDownload after, AfterDownloadOf(ctx, bucket, ""));
    ASSIGN_OR_RETURN(int64_t limit, MaxFiles(ctx));
    ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, Matching(ctx, *s3, bucket));
    std::erase_if(objects, IsFolderMarker);
    // Seen objects (action NONE): key -> ETag; keys no longer listed are forgotten.
    tmpl::ValueMap seen;
    const Value* before = state.is_map() ? state.Get("seen") : nullptr;
    std::vector<storage::ObjectInfo> fresh;
    for (auto& o : objects) {
      const Value* etag = before && before->is_map() ? before->Get(o.key) : nullptr;
      if (after.action == "NONE" && etag && etag->is_string() && etag->AsString() == o.etag) {
        seen.Set(o.key, *etag);
        continue;
      }
      if (static_cast<int64_t>(fresh.size()) < limit) fresh.push_back(std::move(o));
    }
    if (after.action == "NONE")
      for (const auto& o : fresh) seen.Set(o.key, Value(o.etag));
    state = Value::MakeMap({{"seen", Value(std::move(seen))}});
    if (fresh.empty()) return std::optional<Value>();
    ASSIGN_OR_RETURN(Value taken, DownloadObjects(ctx, *s3, bucket, fresh, after));
    return std::optional<Value>(Value::MakeMap({{"objects", *taken.Get("objects")}}));
  }
};

class ListTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::string bucket, ctx.RequiredString("bucket"));
    ASSIGN_OR_RETURN(std::string prefix, ctx.StringOr("prefix", ""));
    ASSIGN_OR_RETURN(std::string delimiter, ctx.StringOr("delimiter", ""));
    ASSIGN_OR_RETURN(std::string filter, ctx.StringOr("filter", "BOTH"));
    if (filter != "FILES" && filter != "DIRECTORY" && filter != "BOTH")
      return ctx.PropertyError("filter", "must be FILES, DIRECTORY or BOTH");
    ASSIGN_OR_RETURN(std::optional<std::regex> regexp, RegexProperty(ctx));
    tmpl::ValueList objects;
    std::string token;
    do {
      ASSIGN_OR_RETURN(storage::ListPage page, s3->List(bucket, prefix, delimiter, token));
      for (const auto& o : page.objects) {
        bool folder = IsFolderMarker(o);
        if ((folder && filter == "FILES") || (!folder && filter == "DIRECTORY")) continue;
        if (regexp && !std::regex_match(o.key, *regexp)) continue;
        objects.push_back(ObjectValue(o));
      }
      if (filter != "FILES") {
        for (const auto& p : page.common_prefixes) {
          if (regexp && !std::regex_match(p, *regexp)) continue;
          objects.push_back(ObjectValue({.key = p}));
        }
      }
      token = page.next_token;
    } while (!token.empty());
    RETURN_IF_ERROR(CheckMaxFiles(ctx, objects.size()));
    return Value::MakeMap({{"objects", Value(std::move(objects))}});
  }
};

class DeleteTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::string bucket, ctx.RequiredString("bucket"));
    ASSIGN_OR_RETURN(std::string key, ctx.RequiredString("key"));
    RETURN_IF_ERROR(s3->Delete(bucket, key));
    return Value::MakeMap({{"bucket", Value(bucket)}, {"key", Value(key)}});
  }
};

class DeleteListTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::string bucket, ctx.RequiredString("bucket"));
    ASSIGN_OR_RETURN(bool error_on_empty, ctx.BoolOr("errorOnEmpty", false));
    ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, Matching(ctx, *s3, bucket));
    RETURN_IF_ERROR(CheckMaxFiles(ctx, objects.size()));
    if (objects.empty() && error_on_empty) return NotFound("no object of s3://" + bucket + " matches");
    std::vector<std::string> keys;
    int64_t bytes = 0;
    for (const auto& o : objects) {
      keys.push_back(o.key);
      bytes += o.size;
    }
    RETURN_IF_ERROR(s3->DeleteMany(bucket, keys));
    return Value::MakeMap({{"count", Value(static_cast<int64_t>(keys.size()))}, {"size", Value(bytes)}});
  }
};

class CopyTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::optional<Value> from, ctx.OptionalMap("from"));
    ASSIGN_OR_RETURN(std::optional<Value> to, ctx.OptionalMap("to"));
    if (!from || !from->Get("bucket") || !from->Get("key")) return ctx.PropertyError("from", "must be {bucket, key}");
    if (!to || !to->Get("key")) return ctx.PropertyError("to", "must be {bucket, key} (bucket defaults to from's)");
    auto text = [](const Value& v) { return tmpl::ToDisplayString(v, tmpl::Dialect::kPebble); };
    std::string from_bucket = text(*from->Get("bucket")), from_key = text(*from->Get("key"));
    std::string to_bucket = to->Get("bucket") ? text(*to->Get("bucket")) : from_bucket;
    std::string to_key = text(*to->Get("key"));
    ASSIGN_OR_RETURN(bool move, ctx.BoolOr("delete", false));
    RETURN_IF_ERROR(s3->Copy(from_bucket, from_key, to_bucket, to_key));
    if (move) RETURN_IF_ERROR(s3->Delete(from_bucket, from_key));
    return Value::MakeMap({{"bucket", Value(to_bucket)}, {"key", Value(to_key)}});
  }
};

class CreateBucketTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto s3, ClientFor(ctx));
    ASSIGN_OR_RETURN(std::string bucket, ctx.RequiredString("bucket"));
    RETURN_IF_ERROR(s3->CreateBucket(bucket));
    return Value::MakeMap({{"bucket", Value(bucket)}});
  }
};

std::vector<flow::PropertySpec> Connection(std::vector<flow::PropertySpec> own) {
  std::vector<flow::PropertySpec> all = {
      {.name = "accessKeyId", .type = PropertyType::kString, .description = "Else AWS_ACCESS_KEY_ID or ~/.aws."},
      {.name = "secretKeyId", .type = PropertyType::kString, .description = "Else AWS_SECRET_ACCESS_KEY or ~/.aws."},
      {.name = "sessionToken", .type = PropertyType::kString},
      {.name = "region", .type = PropertyType::kString, .description = "Else AWS_REGION; us-east-1 by default."},
      {.name = "endpointOverride",
       .type = PropertyType::kString,
       .description = "An S3-compatible endpoint, e.g. http://127.0.0.1:9000 (MinIO); else AWS_ENDPOINT_URL_S3."},
      {.name = "forcePathStyle", .type = PropertyType::kBool, .description = "Bucket in the path, not the host."},
  };
  for (auto& p : own) all.push_back(std::move(p));
  return all;
}

flow::PropertySpec Required(std::string name, std::string description = "") {
  return {.name = std::move(name), .type = PropertyType::kString, .required = true, .description = description};
}

flow::PropertySpec Optional(std::string name, PropertyType type, std::string description = "") {
  return {.name = std::move(name), .type = type, .description = std::move(description)};
}

template <typename T>
void Add(flow::TaskRegistry& registry, const std::string& name, std::string description,
         std::vector<flow::PropertySpec> properties) {
  registry.Register({
      .name = "s3." + name,
      .aliases = {"io.kestra.plugin.aws.s3." + name},
      .description = std::move(description),
      .properties = Connection(std::move(properties)),
      .factory = [] { return std::make_unique<T>(); },
  });
}

}  // namespace

void RegisterS3Tasks(flow::TaskRegistry& registry) {
  Add<UploadTask>(registry, "Upload", "Uploads one file (or several, under `key` as a prefix) to S3.",
                  {Required("bucket"),
                   Required("key"),
                   {.name = "from",
                    .type = PropertyType::kAny,
                    .required = true,
                    .description = "A floe:// URI or path, or a list of them."},
                   Optional("contentType", PropertyType::kString),
                   Optional("metadata", PropertyType::kMap)});
  Add<DownloadTask>(registry, "Download", "Downloads one object into the execution's storage (outputs.uri).",
                    {Required("bucket"), Required("key")});
  Add<DownloadsTask>(registry, "Downloads",
                     "Downloads every object under a prefix (matching regexp); then NONE, MOVE or DELETE them.",
                     {Required("bucket"),
                      Optional("prefix", PropertyType::kString),
                      Optional("regexp", PropertyType::kString),
                      Optional("delimiter", PropertyType::kString),
                      Optional("maxFiles", PropertyType::kInt, "25 by default; more matches are an error."),
                      {.name = "action", .type = PropertyType::kEnum, .enum_values = {"NONE", "MOVE", "DELETE"}},
                      Optional("moveTo", PropertyType::kMap, "{key: prefix, bucket} for MOVE.")});
  Add<ListTask>(registry, "List", "Lists objects (and with a delimiter, folders) into outputs.objects.",
                {Required("bucket"),
                 Optional("prefix", PropertyType::kString),
                 Optional("delimiter", PropertyType::kString),
                 Optional("regexp", PropertyType::kString),
                 {.name = "filter", .type = PropertyType::kEnum, .enum_values = {"FILES", "DIRECTORY", "BOTH"}},
                 Optional("maxFiles", PropertyType::kInt, "25 by default; more matches are an error.")});
  Add<DeleteTask>(registry, "Delete", "Deletes one object.", {Required("bucket"), Required("key")});
  Add<DeleteListTask>(registry, "DeleteList", "Deletes every object under a prefix (matching regexp).",
                      {Required("bucket"), Optional("prefix", PropertyType::kString),
                       Optional("regexp", PropertyType::kString), Optional("delimiter", PropertyType::kString),
                       Optional("maxFiles", PropertyType::kInt), Optional("errorOnEmpty", PropertyType::kBool)});
  Add<CopyTask>(registry, "Copy", "Copies an object (delete: true moves it).",
                {{.name = "from", .type = PropertyType::kMap, .required = true, .description = "{bucket, key}"},
                 {.name = "to", .type = PropertyType::kMap, .required = true, .description = "{bucket, key}"},
                 Optional("delete", PropertyType::kBool)});
  Add<CreateBucketTask>(registry, "CreateBucket", "Creates a bucket.", {Required("bucket")});
  registry.Register({
      .name = "s3.Trigger",
      .aliases = {"io.kestra.plugin.aws.s3.Trigger"},
      .description = "Polls a bucket: new objects under a prefix (matching regexp) start an execution with "
                     "trigger.objects (their keys and floe:// URIs), then are left (NONE: each fires once), moved "
                     "or deleted.",
      .properties = Connection(
          {Required("bucket"),
           {.name = "action", .type = PropertyType::kEnum, .required = true, .enum_values = {"NONE", "MOVE", "DELETE"}},
           Optional("prefix", PropertyType::kString),
           Optional("regexp", PropertyType::kString),
           Optional("moveTo", PropertyType::kMap, "{key: prefix, bucket} for MOVE."),
           Optional("maxFiles", PropertyType::kInt,
                    "At most this many objects per execution (25); more wait for the next poll.")}),
      .trigger_factory = [] { return std::make_unique<S3Trigger>(); },
  });
}

}  // namespace floe::tasks
