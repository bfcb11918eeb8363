// Statement-level atomic writes for COPY ... TO: the statement writes into a
// hidden staging sibling of its target, and only a statement that succeeds
// makes that output the target's contents. A reader of the target sees the
// old contents or the new ones, never a half-written file, and a write killed
// part-way (SIGKILL, power loss) leaves the old contents plus staging that
// the next write to the same target removes. DuckDB-free: query.cc rewrites
// the statement's path and drives this.
//
//   ASSIGN_OR_RETURN(auto write, StagedWrite::Begin("lake/orders", ExistingOutput::kReplace, nullptr));
//   // ... COPY (...) TO '<write->staging()>' (PARTITION_BY (region)) ...
//   RETURN_IF_ERROR(write->Commit());   // lake/orders now holds the new files
//
// Local folders: the staged folder replaces the target with one
// renameat2(RENAME_EXCHANGE) (two renames where the file system lacks it; a
// kill between them is rolled back by the next write), a staged file with one
// rename. s3://: objects are staged under a hidden sibling prefix; the commit
// writes a journal object, copies the staged objects over, deletes what the
// new output replaces, then the staging and the journal. A write killed
// during the commit is rolled forward from its journal by the next write, so
// until then a reader may see some objects new and some old (each object is
// whole). Unfinished multipart uploads under the staging prefix or the target
// are aborted by the next write.
//
// Not thread-safe; one StagedWrite per statement. Two processes writing the
// same target at once are not supported (a write that starts removes another
// process's staging on S3; locally a live process's staging is left alone).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace floe::storage {
class S3Client;
}

namespace floe::engine {

// What a COPY ... TO does with output already at its target.
enum class ExistingOutput {
  kRefuse,   // no option: a folder output needs a missing or empty target; a file replaces a file
  kReplace,  // OVERWRITE: the new output replaces everything at the target
  kKeep,     // OVERWRITE_OR_IGNORE or APPEND: old files stay unless a new file has their name
};

// Staging, journals and moved-aside folders are siblings of the target named
// ".floe-<kind>-<pid>-<id>.<name>" (".floe-tmp-4242-01JDQ3Z6W8R8C5V0K4X2T9M1PB.orders.parquet"):
// hidden (a leading '.'), outside the target's folder so no glob under it
// matches them, and ending with the target's name so DuckDB still infers the
// format and compression from the extension.
struct StagingName {
  std::string kind;  // "tmp" (staged output), "old" (a target moved aside), "commit" (an S3 journal)
  std::string id;    // "<pid>-<ulid>"
  long pid = 0;
};
std::string MakeStagingName(const std::string& kind, const std::string& id, const std::string& name);
// The parts of `entry` when it is a staging name for the target `name`.
std::optional<StagingName> ParseStagingName(std::string_view entry, std::string_view name);

class StagedWrite {
 public:
  // Cleans what earlier writes to `target` (a local path or an s3:// URI)
  // left behind (see the file comment), then names a fresh staging path.
  // Returns nullptr when the statement should write the target directly:
  // kRefuse with output already at a folder target (so DuckDB reports its
  // own error), a target that is not a plain file or folder (a device, the
  // root of a bucket), or a scheme other than a local path and s3://.
  // `s3` is used for s3:// targets and must outlive the write.
  static Result<std::unique_ptr<StagedWrite>> Begin(const std::string& target, ExistingOutput existing,
                                                    storage::S3Client* s3);

  // An uncommitted write removes its staging (errors ignored: the next write
  // to the target removes what is left).
  virtual ~StagedWrite() = default;

  // Where the statement writes instead of the target: a hidden sibling.
  const std::string& staging() const { return staging_; }
  const std::string& target() const { return target_; }

  // Makes the staged output the target's contents (see ExistingOutput). The
  // staging is gone afterwards. Staging that holds nothing (the statement
  // wrote no file) leaves the target as it was.
  virtual Status Commit() = 0;

 protected:
  StagedWrite(std::string target, std::string staging, ExistingOutput existing)
      : target_(std::move(target)), staging_(std::move(staging)), existing_(existing) {}

  std::string target_;
  std::string staging_;
  ExistingOutput existing_;
};

// Removes what interrupted writes left next to the local `target` and rolls
// back a folder swap cut in half (see the file comment); staging of a live
// write (this process's, or a running process's) stays. Exposed for tests.
Status CleanLocalStaging(const std::string& target);

// Finishes commits that a journal next to s3://bucket/key records, deletes
// leftover staging objects and aborts unfinished multipart uploads under
// the staging prefix and the target. Exposed for tests.
Status CleanS3Staging(storage::S3Client& s3, const std::string& bucket, const std::string& key);

}  // namespace floe::engine
