// Splitting a file of rows (lines, or rows ended by any separator) into
// parts, as Kestra's storage Split and ForEachItem's batches do: parts of
// `rows` rows, of about `bytes` bytes, or `partitions` parts with the rows
// dealt round-robin.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace floe::storage {

// Rows of a file split at `separator`, read a chunk at a time; the last row
// may lack the separator.
class RowReader {
 public:
  RowReader(const std::filesystem::path& path, std::string separator);
  bool ok() const { return static_cast<bool>(in_) || in_.eof(); }
  // The next row without its separator; false at the end.
  bool Next(std::string& row);

 private:
  std::ifstream in_;
  std::string separator_;
  std::string buffer_;
  size_t start_ = 0;
};

struct RowSplit {
  int64_t rows = 0;        // rows per part
  int64_t bytes = 0;       // about this many bytes per part (a row is never cut)
  int64_t partitions = 0;  // this many parts
  std::string separator = "\n";
};

// "10KB", "1MB", "512" (bytes; units of 1024, as Kestra's DataSize).
Result<int64_t> ParseByteSize(const std::string& text);

// Checks that exactly one of rows, bytes and partitions is positive.
Status CheckRowSplit(const RowSplit& split);

// Writes the rows of `source` to the files `part_path(i)` names (called once
// per part, in order) and returns how many rows each part holds. With
// `partitions`, every partition's file is written, empty ones included.
Result<std::vector<int64_t>> SplitRows(const std::filesystem::path& source, const RowSplit& split,
                                       const std::function<Result<std::filesystem::path>(size_t)>& part_path);

}  // namespace floe::storage
