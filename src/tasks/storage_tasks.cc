// Kestra's storage tasks over files in the execution's storage: Write, Size,
// Split, Concat, Reverse, Delete, PurgeCurrentExecutionFiles, and the item
// tasks FilterItems and DeduplicateItems (Ion rows, see ion.h).
#include <fstream>
#include <map>

#include "flow/task_files.h"
#include "storage/row_split.h"
#include "tasks/builtin.h"
#include "tasks/ion.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

std::vector<std::string> StorageNames(const std::string& name) {
  return {"io.kestra.plugin.core.storage." + name, "io.kestra.core.tasks.storages." + name};
}

// A local file to read for a URI property (floe://, s3://, allowed local paths).
Result<std::filesystem::path> InputFile(flow::TaskContext& ctx, std::string_view name) {
  ASSIGN_OR_RETURN(std::string uri, ctx.RequiredString(name));
  auto path = ctx.ResolveFile(uri);
  if (!path.ok()) return ctx.PropertyError(name, path.status().ToString());
  return *path;
}

std::string Extension(const std::string& ext) { return ext.empty() || ext[0] == '.' ? ext : "." + ext; }

class WriteTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string content, ctx.RequiredString("content"));
    ASSIGN_OR_RETURN(std::string extension, ctx.StringOr("extension", ".ion"));
    ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile("content" + Extension(extension)));
    std::ofstream out(target.first, std::ios::binary);
    out << content;
    if (!out.flush()) return IoError("cannot write '" + target.first.string() + "'");
    return Value::MakeMap({{"uri", Value(target.second)}});
  }
};

class SizeTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::filesystem::path path, InputFile(ctx, "uri"));
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) return IoError("cannot read the size of '" + path.string() + "': " + ec.message());
    return Value::MakeMap({{"size", Value(static_cast<int64_t>(size))}});
  }
};

// Split: into files of `rows` rows, of about `bytes` bytes, or into
// `partitions` files (rows dealt round-robin), as Kestra's StorageService.
class SplitTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::filesystem::path path, InputFile(ctx, "from"));
    storage::RowSplit split;
    ASSIGN_OR_RETURN(split.separator, ctx.StringOr("separator", "\n"));
    if (split.separator.empty()) return ctx.PropertyError("separator", "must not be empty");
    ASSIGN_OR_RETURN(split.rows, ctx.IntOr("rows", 0));
    ASSIGN_OR_RETURN(split.partitions, ctx.IntOr("partitions", 0));
    ASSIGN_OR_RETURN(std::optional<std::string> bytes_text, ctx.OptionalString("bytes"));
    if (bytes_text) {
      auto bytes = storage::ParseByteSize(*bytes_text);
      if (!bytes.ok()) return ctx.PropertyError("bytes", bytes.status().message());
      split.bytes = *bytes;
    }
    if (Status s = storage::CheckRowSplit(split); !s.ok()) return ctx.PropertyError("rows", s.message());
    std::string extension = path.extension().string();
    std::vector<std::string> uris;
    ASSIGN_OR_RETURN(std::vector<int64_t> rows,
                     storage::SplitRows(path, split, [&](size_t i) -> Result<std::filesystem::path> {
                       ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile("part-" + std::to_string(i) + extension));
                       uris.push_back(target.second);
                       return target.first;
                     }));
    // Empty partitions are written (the storage expects every file it was
    // promised) but not listed, as Kestra drops them.
    tmpl::ValueList listed;
    for (size_t i = 0; i < uris.size(); ++i)
      if (rows[i] > 0 || split.partitions == 0) listed.push_back(Value(uris[i]));
    return Value::MakeMap({{"uris", Value(std::move(listed))}});
  }
};

class ConcatTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::optional<Value> files, ctx.Property("files"));
    if (!files) return ctx.PropertyError("files", "required property 'files' is missing");
    Value list = *files;
    if (list.is_string()) {
      auto parsed = tmpl::ParseJson(list.AsString());
      if (!parsed.ok() || !parsed->is_list()) return ctx.PropertyError("files", "must be a list of URIs (or its JSON)");
      list = *parsed;
    }
    if (!list.is_list()) return ctx.PropertyError("files", "must be a list of URIs");
    ASSIGN_OR_RETURN(std::optional<std::string> separator, ctx.OptionalString("separator"));
    ASSIGN_OR_RETURN(std::string extension, ctx.StringOr("extension", ".tmp"));
    ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile("concat" + Extension(extension)));
    std::ofstream out(target.first, std::ios::binary);
    const auto& items = list.AsList();
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) return ctx.PropertyError("files", "item " + std::to_string(i) + " is not a URI");
      auto path = ctx.ResolveFile(items[i].AsString());
      if (!path.ok()) return ctx.PropertyError("files", path.status().ToString());
      std::ifstream in(*path, std::ios::binary);
      if (!in) return IoError("cannot read '" + items[i].AsString() + "'");
      out << in.rdbuf();
      if (separator && i + 1 < items.size()) out << *separator;
    }
    if (!out.flush()) return IoError("cannot write '" + target.first.string() + "'");
    return Value::MakeMap({{"uri", Value(target.second)}});
  }
};

class ReverseTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::filesystem::path path, InputFile(ctx, "from"));
    ASSIGN_OR_RETURN(std::string separator, ctx.StringOr("separator", "\n"));
    if (separator.empty()) return ctx.PropertyError("separator", "must not be empty");
    storage::RowReader reader(path, separator);
    if (!reader.ok()) return IoError("cannot read '" + path.string() + "'");
    std::vector<std::string> rows;
    std::string row;
    while (reader.Next(row)) rows.push_back(row);
    ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile("reverse" + path.extension().string()));
    std::ofstream out(target.first, std::ios::binary);
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) out << *it << separator;
    if (!out.flush()) return IoError("cannot write '" + target.first.string() + "'");
    return Value::MakeMap({{"uri", Value(target.second)}});
  }
};

class DeleteTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string uri, ctx.RequiredString("uri"));
    ASSIGN_OR_RETURN(bool error_on_missing, ctx.BoolOr("errorOnMissing", false));
    auto deleted = ctx.DeleteStorageFile(uri);
    if (!deleted.ok()) return ctx.PropertyError("uri", deleted.status().ToString());
    if (!*deleted && error_on_missing) return ctx.PropertyError("uri", "no file at " + uri);
    return Value::MakeMap({{"uri", Value(uri)}, {"deleted", Value(*deleted)}});
  }
};

class PurgeExecutionFilesTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::vector<std::string> uris, ctx.PurgeExecutionFiles());
    tmpl::ValueList list;
    for (auto& u : uris) list.push_back(Value(std::move(u)));
    ctx.Log(LogLevel::kInfo, "deleted " + std::to_string(list.size()) + " file(s) of this execution");
    return Value::MakeMap({{"uris", Value(std::move(list))}});
  }
};

// The rows of an Ion file, and where to write the kept ones.
struct ItemFiles {
  std::vector<Value> items;
  std::ofstream out;
  std::string uri;
};

Result<ItemFiles> OpenItems(flow::TaskContext& ctx, const std::string& name) {
  ASSIGN_OR_RETURN(std::filesystem::path path, InputFile(ctx, "from"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read '" + path.string() + "'");
  std::stringstream text;
  text << in.rdbuf();
  auto items = ParseIonValues(text.str());
  if (!items.ok()) return ctx.PropertyError("from", items.status().message());
  ItemFiles files;
  files.items = std::move(*items);
  ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile(name + ".ion"));
  files.out.open(target.first, std::ios::binary);
  files.uri = target.second;
  return files;
}

class FilterItemsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string type, ctx.StringOr("filterType", "INCLUDE"));
    ASSIGN_OR_RETURN(std::string on_error, ctx.StringOr("errorOrNullBehavior", "FAIL"));
    ASSIGN_OR_RETURN(ItemFiles files, OpenItems(ctx, "filtered"));
    int64_t dropped = 0;
    for (size_t i = 0; i < files.items.size(); ++i) {
      auto holds = ctx.PropertyWith("filterCondition", files.items[i]);
      bool keep;
      if (!holds.ok() || !*holds || (*holds)->is_null()) {
        if (on_error == "FAIL") {
          std::string why = holds.ok() ? "the condition gave null" : holds.status().ToString();
          return ctx.PropertyError("filterCondition", "item " + std::to_string(i + 1) + ": " + why);
        }
        keep = on_error == "INCLUDE";
      } else {
        keep = flow::ConditionHolds(**holds) == (type == "INCLUDE");
      }
      if (keep) {
        files.out << ToIon(files.items[i]) << "\n";
      } else {
        ++dropped;
      }
    }
    if (!files.out.flush()) return IoError("cannot write the filtered items");
    return Value::MakeMap({{"uri", Value(files.uri)},
                           {"processedItemsTotal", Value(static_cast<int64_t>(files.items.size()))},
                           {"droppedItemsTotal", Value(dropped)}});
  }
};

// Keeps the last item of each key `expr` gives, in the order of the kept items.
class DeduplicateItemsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(ItemFiles files, OpenItems(ctx, "deduplicated"));
    std::map<std::string, size_t> last;
    for (size_t i = 0; i < files.items.size(); ++i) {
      auto key = ctx.PropertyWith("expr", files.items[i]);
      if (!key.ok()) return key.status();
      if (!*key) return ctx.PropertyError("expr", "required property 'expr' is missing");
      last[tmpl::ToDisplayString(**key, tmpl::Dialect::kPebble)] = i;
    }
    std::vector<bool> kept(files.items.size(), false);
    for (const auto& [key, index] : last) kept[index] = true;
    for (size_t i = 0; i < files.items.size(); ++i)
      if (kept[i]) files.out << ToIon(files.items[i]) << "\n";
    if (!files.out.flush()) return IoError("cannot write the deduplicated items");
    int64_t total = static_cast<int64_t>(files.items.size());
    return Value::MakeMap({{"uri", Value(files.uri)},
                           {"numKeys", Value(static_cast<int64_t>(last.size()))},
                           {"processedItemsTotal", Value(total)},
                           {"droppedItemsTotal", Value(total - static_cast<int64_t>(last.size()))}});
  }
};

}  // namespace

void RegisterStorageTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "storage.Write",
      .aliases = StorageNames("Write"),
      .description = "Writes `content` to a file in the execution's storage: outputs uri.",
      .properties = {{.name = "content", .type = PropertyType::kString, .required = true},
                     {.name = "extension", .type = PropertyType::kString, .description = ".ion by default."}},
      .factory = [] { return std::make_unique<WriteTask>(); },
  });
  registry.Register({
      .name = "storage.Size",
      .aliases = StorageNames("Size"),
      .description = "The size in bytes of the file at `uri`: outputs size.",
      .properties = {{.name = "uri", .type = PropertyType::kString, .required = true}},
      .factory = [] { return std::make_unique<SizeTask>(); },
  });
  registry.Register({
      .name = "storage.Split",
      .aliases = StorageNames("Split"),
      .description = "Splits the file `from` by rows, bytes or partitions: outputs uris.",
      .properties = {{.name = "from", .type = PropertyType::kString, .required = true},
                     {.name = "rows", .type = PropertyType::kInt, .description = "Rows per file."},
                     {.name = "bytes",
                      .type = PropertyType::kString,
                      .description = "About this size per file (10MB)."},
                     {.name = "partitions", .type = PropertyType::kInt, .description = "This many files."},
                     {.name = "separator", .type = PropertyType::kString, .description = "Between rows; a newline."}},
      .factory = [] { return std::make_unique<SplitTask>(); },
  });
  registry.Register({
      .name = "storage.Concat",
      .aliases = StorageNames("Concat"),
      .description = "Concatenates `files` (URIs) into one: outputs uri.",
      .properties = {{.name = "files", .type = PropertyType::kAny, .required = true},
                     {.name = "separator", .type = PropertyType::kString, .description = "Written between files."},
                     {.name = "extension", .type = PropertyType::kString, .description = ".tmp by default."}},
      .factory = [] { return std::make_unique<ConcatTask>(); },
  });
  registry.Register({
      .name = "storage.Reverse",
      .aliases = StorageNames("Reverse"),
      .description = "The rows of the file `from` in reverse order: outputs uri.",
      .properties = {{.name = "from", .type = PropertyType::kString, .required = true},
                     {.name = "separator", .type = PropertyType::kString, .description = "Between rows; a newline."}},
      .factory = [] { return std::make_unique<ReverseTask>(); },
  });
  registry.Register({
      .name = "storage.Delete",
      .aliases = StorageNames("Delete"),
      .description = "Deletes a file of this execution's storage: outputs uri, deleted.",
      .properties = {{.name = "uri", .type = PropertyType::kString, .required = true},
                     {.name = "errorOnMissing", .type = PropertyType::kBool, .description = "false by default."}},
      .factory = [] { return std::make_unique<DeleteTask>(); },
  });
  registry.Register({
      .name = "storage.PurgeCurrentExecutionFiles",
      .aliases = {"io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles",
                  "io.kestra.core.tasks.storages.PurgeCurrentExecutionFiles"},
      .description = "Deletes every file of this execution's storage: outputs uris.",
      .properties = {},
      .factory = [] { return std::make_unique<PurgeExecutionFilesTask>(); },
  });
  registry.Register({
      .name = "storage.FilterItems",
      .aliases = StorageNames("FilterItems"),
      .description = "Keeps the Ion rows of `from` for which `filterCondition` (rendered with each row's fields) "
                     "holds: outputs uri, processedItemsTotal, droppedItemsTotal.",
      .properties = {{.name = "from", .type = PropertyType::kString, .required = true},
                     {.name = "filterCondition", .type = PropertyType::kAny, .required = true},
                     {.name = "filterType",
                      .type = PropertyType::kEnum,
                      .description = "INCLUDE (default) or EXCLUDE the rows that match.",
                      .enum_values = {"INCLUDE", "EXCLUDE"}},
                     {.name = "errorOrNullBehavior",
                      .type = PropertyType::kEnum,
                      .description = "When the condition fails or is null: FAIL (default), INCLUDE or EXCLUDE.",
                      .enum_values = {"FAIL", "INCLUDE", "EXCLUDE"}}},
      .factory = [] { return std::make_unique<FilterItemsTask>(); },
  });
  registry.Register({
      .name = "storage.DeduplicateItems",
      .aliases = StorageNames("DeduplicateItems"),
      .description = "Keeps the last Ion row of `from` for each key `expr` gives (rendered with each row's "
                     "fields): outputs uri, numKeys, processedItemsTotal, droppedItemsTotal.",
      .properties = {{.name = "from", .type = PropertyType::kString, .required = true},
                     {.name = "expr", .type = PropertyType::kAny, .required = true}},
      .factory = [] { return std::make_unique<DeduplicateItemsTask>(); },
  });
}

}  // namespace floe::tasks
