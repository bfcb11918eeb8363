#include "storage/row_split.h"

#include <cctype>
#include <cstdint>

namespace floe::storage {

RowReader::RowReader(const std::filesystem::path& path, std::string separator)
    : in_(path, std::ios::binary), separator_(std::move(separator)) {}

bool RowReader::Next(std::string& row) {
  while (true) {
    size_t at = buffer_.find(separator_, start_);
    if (at != std::string::npos) {
      row.assign(buffer_, start_, at - start_);
      start_ = at + separator_.size();
      return true;
    }
    if (in_.eof()) {
      if (start_ >= buffer_.size()) return false;
      row.assign(buffer_, start_, std::string::npos);
      start_ = buffer_.size();
      return true;
    }
    buffer_.erase(0, start_);
    start_ = 0;
    char chunk[1 << 16];
    in_.read(chunk, sizeof chunk);
    buffer_.append(chunk, static_cast<size_t>(in_.gcount()));
  }
}

Result<int64_t> ParseByteSize(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string unit = text.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int64_t scale = unit.empty() || unit == "B" ? 1
                  : unit == "KB"              ? 1024
                  : unit == "MB"              ? 1024 * 1024
                  : unit == "GB"              ? 1024 * 1024 * 1024
                                              : 0;
  if (digits == 0 || digits > 12 || scale == 0)
    return InvalidArgument("'" + text + "' is not a size such as 512, 10KB or 1MB");
  int64_t n = std::stoll(text.substr(0, digits));
  if (n > INT64_MAX / scale) return InvalidArgument("'" + text + "' is too large a size");
  return n * scale;
}

Status CheckRowSplit(const RowSplit& split) {
  int given = (split.rows > 0) + (split.partitions > 0) + (split.bytes > 0);
  if (given != 1) return InvalidArgument("give exactly one of rows, bytes or partitions (a positive number)");
  if (split.separator.empty()) return InvalidArgument("the separator must not be empty");
  return Status::Ok();
}

Result<std::vector<int64_t>> SplitRows(const std::filesystem::path& source, const RowSplit& split,
                                       const std::function<Result<std::filesystem::path>(size_t)>& part_path) {
  RETURN_IF_ERROR(CheckRowSplit(split));
  RowReader reader(source, split.separator);
  if (!reader.ok()) return IoError("cannot read '" + source.string() + "'");
  std::vector<std::ofstream> files;
  std::vector<int64_t> rows;   // per part
  std::vector<int64_t> bytes;  // per part
  auto open_part = [&]() -> Status {
    ASSIGN_OR_RETURN(std::filesystem::path path, part_path(files.size()));
    files.emplace_back(path, std::ios::binary);
    if (!files.back()) return IoError("cannot write '" + path.string() + "'");
    rows.push_back(0);
    bytes.push_back(0);
    return Status::Ok();
  };
  if (split.partitions > 0)
    for (int64_t i = 0; i < split.partitions; ++i) RETURN_IF_ERROR(open_part());
  std::string row;
  int64_t n = 0;
  while (reader.Next(row)) {
    int64_t size = static_cast<int64_t>(row.size() + split.separator.size());
    size_t index;
    if (split.partitions > 0) {
      index = static_cast<size_t>(n % split.partitions);
    } else {
      bool full = files.empty() ||
                  (split.rows > 0 ? rows.back() >= split.rows : bytes.back() > 0 && bytes.back() + size > split.bytes);
      if (full) RETURN_IF_ERROR(open_part());
      index = files.size() - 1;
    }
    files[index] << row << split.separator;
    ++rows[index];
    bytes[index] += size;
    ++n;
  }
  if (!reader.ok()) return IoError("cannot read '" + source.string() + "'");
  for (auto& f : files)
    if (!f.flush()) return IoError("cannot write a part of '" + source.string() + "'");
  return rows;
}

}  // namespace floe::storage
