#include "engine/staged_write.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/id.h"
#include "storage/object_store.h"
#include "storage/s3_client.h"
#include "tmpl/json.h"

namespace floe::engine {
namespace {

namespace fs = std::filesystem;

// Ids of this process's writes that have not finished: their staging is live.
std::mutex active_mu;
std::set<std::string> active_ids;

std::string NewStagingId() { return std::to_string(getpid()) + "-" + NewId(); }

void SetActive(const std::string& id, bool active) {
  std::lock_guard lock(active_mu);
  if (active) {
    active_ids.insert(id);
  } else {
    active_ids.erase(id);
  }
}

// A write that may still be running: this process's (registered), or one by
// another process that is alive.
bool Live(const StagingName& s) {
  if (s.pid == getpid()) {
    std::lock_guard lock(active_mu);
    return active_ids.count(s.id) > 0;
  }
  return kill(static_cast<pid_t>(s.pid), 0) == 0 || errno == EPERM;
}

std::string ErrorText(int err) { return std::strerror(err); }

// "lake/orders/" -> parent "lake", name "orders". No name for "/", "." or "..".
struct LocalTarget {
  fs::path parent;
  std::string name;
  fs::path Sibling(const std::string& entry) const { return parent.empty() ? fs::path(entry) : parent / entry; }
  fs::path Folder() const { return parent.empty() ? fs::path(".") : parent; }
};

std::optional<LocalTarget> SplitLocal(std::string target) {
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  fs::path p(target);
  std::string name = p.filename().string();
  if (name.empty() || name == "." || name == ".." || target == "/") return std::nullopt;
  return LocalTarget{p.parent_path(), name};
}

// Makes renames in `folder` survive power loss (best effort: a folder that
// cannot be opened or synced was still renamed in).
void SyncFolder(const fs::path& folder) {
  int fd = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)fsync(fd);  // deliberately ignored: durability is best effort here
  close(fd);
}

// Hard-links every file of `from` that `into` lacks into `into` (copies where
// links are impossible), so the staged folder holds old and new files.
Status MergeOldFiles(const fs::path& from, const fs::path& into) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    fs::path rel = fs::relative(it->path(), from, ec);
    if (ec) break;
    fs::path dest = into / rel;
    auto type = it->symlink_status(ec).type();
    if (ec) break;
    if (type == fs::file_type::directory) continue;
    if (fs::exists(fs::symlink_status(dest, ec))) continue;  // the new output has this name
    fs::create_directories(dest.parent_path(), ec);
    if (ec) break;
    if (type == fs::file_type::symlink) {
      fs::copy_symlink(it->path(), dest, ec);
    } else {
      fs::create_hard_link(it->path(), dest, ec);
      if (ec) {
        ec.clear();
        fs::copy_file(it->path(), dest, ec);
      }
    }
    if (ec) break;
  }
  if (ec) return IoError("cannot keep the old files of '" + from.string() + "': " + ec.message());
  return Status::Ok();
}

class LocalWrite final : public StagedWrite {
 public:
  LocalWrite(std::string target, LocalTarget where, std::string id, ExistingOutput existing)
      : StagedWrite(std::move(target), where.Sibling(MakeStagingName("tmp", id, where.name)).string(), existing),
        where_(std::move(where)),
        id_(std::move(id)) {
    SetActive(id_, true);
  }

  ~LocalWrite() override {
    if (!committed_) {
      std::error_code ec;
      fs::remove_all(staging_, ec);  // deliberately ignored: the next write removes what is left
    }
    SetActive(id_, false);
  }

  Status Commit() override {
    committed_ = true;
    std::error_code ec;
    fs::path staging(staging_), target(where_.Sibling(where_.name));
    auto staged = fs::symlink_status(staging, ec);
    if (!fs::exists(staged)) return Status::Ok();  // nothing written
    auto existing = fs::symlink_status(target, ec);
    if (fs::is_regular_file(staged)) {
      if (fs::is_directory(existing)) {
        fs::remove(staging, ec);
        return FailedPrecondition("COPY wrote a file, but '" + target_ +
                                  "' is a folder: write to a file name, or add PARTITION_BY to write a folder");
      }
      if (rename(staging.c_str(), target.c_str()) != 0) return RenameError(staging, target, errno);
      SyncFolder(where_.Folder());
      return Status::Ok();
    }
    if (existing_ == ExistingOutput::kKeep && fs::is_directory(existing))
      RETURN_IF_ERROR(MergeOldFiles(target, staging));
    if (!fs::exists(existing)) {
      if (rename(staging.c_str(), target.c_str()) != 0) return RenameError(staging, target, errno);
    } else if (renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
      // The staging name now holds the old contents.
      fs::remove_all(staging, ec);  // deliberately ignored: the next write removes what is left
    } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
      // No atomic exchange here: move the old contents aside, then the new in.
      // A kill between the two renames is rolled back by CleanLocalStaging.
      fs::path old = where_.Sibling(MakeStagingName("old", id_, where_.name));
      if (rename(target.c_str(), old.c_str()) != 0) return RenameError(target, old, errno);
      if (rename(staging.c_str(), target.c_str()) != 0) {
        int err = errno;
        (void)rename(old.c_str(), target.c_str());  // deliberately ignored: reported below
        return RenameError(staging, target, err);
      }
      fs::remove_all(old, ec);  // deliberately ignored: the next write removes what is left
    } else {
      return RenameError(staging, target, errno);
    }
    SyncFolder(where_.Folder());
    return Status::Ok();
  }

 private:
  Status RenameError(const fs::path& from, const fs::path& to, int err) {
    return IoError("cannot move the written output '" + from.string() + "' to '" + to.string() +
                   "': " + ErrorText(err));
  }

  LocalTarget where_;
  std::string id_;
  bool committed_ = false;
};

// s3://bucket/key split into the folder prefix ("lake/") and the name.
struct S3Target {
  std::string bucket;
  std::string key;
  std::string parent;  // "" or ending in '/'
  std::string name;
  std::string Sibling(const std::string& entry) const { return parent + entry; }
};

std::optional<S3Target> SplitS3(const std::string& bucket, std::string key) {
  while (!key.empty() && key.back() == '/') key.pop_back();
  if (key.empty()) return std::nullopt;
  size_t slash = key.rfind('/');
  std::string parent = slash == std::string::npos ? "" : key.substr(0, slash + 1);
  std::string name = key.substr(parent.size());
  if (name == "." || name == "..") return std::nullopt;
  return S3Target{bucket, key, parent, name};
}

// The first component of `key` after the folder prefix `parent`.
std::string EntryOf(const std::string& key, const std::string& parent) {
  std::string rest = key.substr(std::min(parent.size(), key.size()));
  return rest.substr(0, rest.find('/'));
}

// The objects DuckDB wrote under a staging key: the key itself (a file) or
// the keys below it (a folder), each with the key it takes at the target.
Result<std::vector<std::pair<std::string, std::string>>> StagedObjects(storage::S3Client& s3, const S3Target& t,
                                                                       const std::string& staging_key) {
  ASSIGN_OR_RETURN(auto objects, s3.ListAll(t.bucket, staging_key));
  std::vector<std::pair<std::string, std::string>> moves;
  for (const auto& o : objects) {
    if (o.key == staging_key) {
      moves.emplace_back(o.key, t.key);
    } else if (o.key.starts_with(staging_key + "/")) {
      moves.emplace_back(o.key, t.key + o.key.substr(staging_key.size()));
    }
  }
  return moves;
}

Status DeleteKeys(storage::S3Client& s3, const std::string& bucket,
                  const std::vector<std::pair<std::string, std::string>>& moves) {
  std::vector<std::string> keys;
  for (const auto& m : moves) keys.push_back(m.first);
  return s3.DeleteMany(bucket, keys);
}

// Copies the staged objects to the target, deletes what they replace, then
// the staging and the journal. Idempotent: a journal found after a kill is
// rolled forward by running this again.
Status RollForward(storage::S3Client& s3, const S3Target& t, const std::string& staging_key,
                   const std::vector<std::string>& deletes, const std::string& journal_key) {
  ASSIGN_OR_RETURN(auto moves, StagedObjects(s3, t, staging_key));
  for (const auto& [from, to] : moves) RETURN_IF_ERROR(s3.Copy(t.bucket, from, t.bucket, to));
  RETURN_IF_ERROR(s3.DeleteMany(t.bucket, deletes));
  RETURN_IF_ERROR(DeleteKeys(s3, t.bucket, moves));
  return s3.Delete(t.bucket, journal_key);
}

class S3Write final : public StagedWrite {
 public:
  S3Write(S3Target t, std::string id, ExistingOutput existing, storage::S3Client& s3)
      : StagedWrite("s3://" + t.bucket + "/" + t.key,
                    "s3://" + t.bucket + "/" + t.Sibling(MakeStagingName("tmp", id, t.name)), existing),
        t_(std::move(t)),
        id_(std::move(id)),
        staging_key_(t_.Sibling(MakeStagingName("tmp", id_, t_.name))),
        s3_(s3) {}

  ~S3Write() override {
    if (committed_) return;
    // Deliberately ignored: the next write to the target cleans what is left.
    if (auto moves = StagedObjects(s3_, t_, staging_key_); moves.ok()) DeleteKeys(s3_, t_.bucket, *moves).IgnoreError();
    if (auto uploads = s3_.ListMultipartUploads(t_.bucket, staging_key_); uploads.ok())
      for (const auto& u : *uploads) s3_.AbortMultipartUpload(t_.bucket, u.key, u.upload_id).IgnoreError();
  }

  Status Commit() override {
    committed_ = true;
    ASSIGN_OR_RETURN(auto moves, StagedObjects(s3_, t_, staging_key_));
    if (moves.empty()) return Status::Ok();  // nothing written
    std::vector<std::string> deletes;
    bool folder = moves.size() > 1 || moves[0].first != staging_key_;
    if (folder && existing_ == ExistingOutput::kReplace) {
      std::set<std::string> fresh;
      for (const auto& m : moves) fresh.insert(m.second);
      ASSIGN_OR_RETURN(auto old, s3_.ListAll(t_.bucket, t_.key + "/"));
      for (const auto& o : old)
        if (!fresh.count(o.key)) deletes.push_back(o.key);
    }
    // The journal makes the commit finish even if this process dies in it.
    tmpl::ValueList delete_list;
    for (const auto& d : deletes) delete_list.push_back(tmpl::Value(d));
    tmpl::Value journal = tmpl::Value::MakeMap({{"staging", tmpl::Value(staging_key_)},
                                                {"target", tmpl::Value(t_.key)},
                                                {"delete", tmpl::Value(std::move(delete_list))}});
    std::string journal_key = t_.Sibling(MakeStagingName("commit", id_, t_.name));
    RETURN_IF_ERROR(s3_.Put(t_.bucket, journal_key, tmpl::ToJson(journal)));
    return RollForward(s3_, t_, staging_key_, deletes, journal_key);
  }

 private:
  S3Target t_;
  std::string id_;
  std::string staging_key_;
  storage::S3Client& s3_;
  bool committed_ = false;
};

}  // namespace

std::string MakeStagingName(const std::string& kind, const std::string& id, const std::string& name) {
  return ".floe-" + kind + "-" + id + "." + name;
}

std::optional<StagingName> ParseStagingName(std::string_view entry, std::string_view name) {
  constexpr std::string_view kStart = ".floe-";
  if (!entry.starts_with(kStart)) return std::nullopt;
  entry.remove_prefix(kStart.size());
  size_t dash = entry.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  StagingName out;
  out.kind = std::string(entry.substr(0, dash));
  if (out.kind != "tmp" && out.kind != "old" && out.kind != "commit") return std::nullopt;
  entry.remove_prefix(dash + 1);
  // "<pid>-<26-character ulid>.<name>"
  size_t pid_end = entry.find('-');
  if (pid_end == 0 || pid_end == std::string_view::npos || pid_end > 10) return std::nullopt;
  for (char c : entry.substr(0, pid_end))
    if (c < '0' || c > '9') return std::nullopt;
  constexpr size_t kUlid = 26;
  size_t id_end = pid_end + 1 + kUlid;
  if (entry.size() != id_end + 1 + name.size() || entry[id_end] != '.' || entry.substr(id_end + 1) != name)
    return std::nullopt;
  out.id = std::string(entry.substr(0, id_end));
  out.pid = std::stol(std::string(entry.substr(0, pid_end)));
  return out;
}

Status CleanLocalStaging(const std::string& target) {
  auto where = SplitLocal(target);
  if (!where) return Status::Ok();
  std::error_code ec;
  fs::path folder = where->Folder(), path = where->Sibling(where->name);
  if (!fs::is_directory(folder, ec)) return Status::Ok();
  bool target_exists = fs::exists(fs::symlink_status(path, ec));
  std::vector<std::pair<fs::path, StagingName>> stale;
  for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    auto parsed = ParseStagingName(it->path().filename().string(), where->name);
    if (parsed && !Live(*parsed)) stale.emplace_back(it->path(), *parsed);
  }
  if (ec)
    return IoError("cannot list '" + folder.string() + "' for unfinished writes to '" + target + "': " + ec.message());
  // A folder moved aside by a commit that never moved the new one in: put it back.
  for (const auto& [entry, name] : stale) {
    if (name.kind == "old" && !target_exists) {
      if (rename(entry.c_str(), path.c_str()) != 0)
        return IoError("cannot restore '" + target + "' from '" + entry.string() + "': " + ErrorText(errno));
      target_exists = true;
    }
  }
  for (const auto& [entry, name] : stale) {
    fs::remove_all(entry, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
      return IoError("cannot remove the unfinished write '" + entry.string() + "': " + ec.message());
  }
  return Status::Ok();
}

Status CleanS3Staging(storage::S3Client& s3, const std::string& bucket, const std::string& key) {
  auto t = SplitS3(bucket, key);
  if (!t) return Status::Ok();
  std::string where = "s3://" + bucket + "/" + t->key;
  auto context = [&](Status s) { return std::move(s).WithContext("cleaning unfinished writes to " + where); };
  // Entries next to the target named ".floe-<kind>-<id>.<name>".
  auto entries = [&](const std::string& kind) -> Result<std::set<std::string>> {
    ASSIGN_OR_RETURN(auto objects, s3.ListAll(bucket, t->parent + ".floe-" + kind + "-"));
    std::set<std::string> out;
    for (const auto& o : objects) {
      auto parsed = ParseStagingName(EntryOf(o.key, t->parent), t->name);
      if (parsed && parsed->kind == kind) out.insert(parsed->id);
    }
    return out;
  };
  auto journals = entries("commit");
  if (!journals.ok()) return context(journals.status());
  for (const std::string& id : *journals) {
    std::string journal_key = t->Sibling(MakeStagingName("commit", id, t->name));
    auto text = s3.Get(bucket, journal_key);
    if (!text.ok()) return context(text.status());
    auto doc = tmpl::ParseJson(*text);
    const tmpl::Value* staging = doc.ok() ? doc->Get("staging") : nullptr;
    const tmpl::Value* deletes = doc.ok() ? doc->Get("delete") : nullptr;
    if (!staging || !staging->is_string() || !deletes || !deletes->is_list())
      return IoError("s3://" + bucket + "/" + journal_key +
                     " is not a commit journal floe wrote; remove it to write to " + where);
    std::vector<std::string> delete_keys;
    for (const auto& d : deletes->AsList())
      if (d.is_string()) delete_keys.push_back(d.AsString());
    RETURN_IF_ERROR(context(RollForward(s3, *t, staging->AsString(), delete_keys, journal_key)));
  }
  auto staged = entries("tmp");
  if (!staged.ok()) return context(staged.status());
  for (const std::string& id : *staged) {
    auto moves = StagedObjects(s3, *t, t->Sibling(MakeStagingName("tmp", id, t->name)));
    if (!moves.ok()) return context(moves.status());
    RETURN_IF_ERROR(context(DeleteKeys(s3, bucket, *moves)));
  }
  // Uploads never completed: under the staging prefix, or (from writes made
  // without staging) at the target itself.
  for (const std::string& prefix : {t->parent + ".floe-tmp-", t->key}) {
    auto uploads = s3.ListMultipartUploads(bucket, prefix);
    // Some S3-compatible stores cannot list unfinished uploads: there they
    // cannot be found, only expired by the bucket's lifecycle rules
    // (docs/ARCHITECTURE.md, "Lake writes"); the write itself goes on.
    if (!uploads.ok() && uploads.status().code() == StatusCode::kUnimplemented) continue;
    if (!uploads.ok()) return context(uploads.status());
    for (const auto& u : *uploads) {
      bool ours = prefix == t->key ? (u.key == t->key || u.key.starts_with(t->key + "/"))
                                   : ParseStagingName(EntryOf(u.key, t->parent), t->name).has_value();
      if (ours) RETURN_IF_ERROR(context(s3.AbortMultipartUpload(bucket, u.key, u.upload_id)));
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<StagedWrite>> StagedWrite::Begin(const std::string& target, ExistingOutput existing,
                                                        storage::S3Client* s3) {
  if (target.starts_with("s3://")) {
    if (!s3) return Internal("no S3 client for a write to " + target);
    auto uri = storage::ParseObjectUri(target);
    if (!uri.ok()) return std::unique_ptr<StagedWrite>();
    auto t = SplitS3(uri->bucket, uri->key);
    if (!t) return std::unique_ptr<StagedWrite>();
    RETURN_IF_ERROR(CleanS3Staging(*s3, t->bucket, t->key));
    if (existing == ExistingOutput::kRefuse) {
      ASSIGN_OR_RETURN(auto page, s3->List(t->bucket, t->key + "/", "", "", 1));
      if (!page.objects.empty()) return std::unique_ptr<StagedWrite>();
    }
    return std::unique_ptr<StagedWrite>(new S3Write(std::move(*t), NewStagingId(), existing, *s3));
  }
  if (target.find("://") != std::string::npos) return std::unique_ptr<StagedWrite>();
  auto where = SplitLocal(target);
  if (!where) return std::unique_ptr<StagedWrite>();
  RETURN_IF_ERROR(CleanLocalStaging(target));
  std::error_code ec;
  auto status = fs::symlink_status(where->Sibling(where->name), ec);
  if (fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status))
    return std::unique_ptr<StagedWrite>();
  if (existing == ExistingOutput::kRefuse && fs::is_directory(status) && !fs::is_empty(where->Sibling(where->name), ec))
    return std::unique_ptr<StagedWrite>();
  return std::unique_ptr<StagedWrite>(new LocalWrite(target, std::move(*where), NewStagingId(), existing));
}

}  // namespace floe::engine
