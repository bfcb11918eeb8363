#include "core/status.h"

namespace floe {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kAlreadyExists:
      return "already exists";
    case StatusCode::kFailedPrecondition:
      return "failed precondition";
    case StatusCode::kIoError:
      return "I/O error";
    case StatusCode::kInternal:
      return "internal error";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kDeadlineExceeded:
      return "deadline exceeded";
    case StatusCode::kCancelled:
      return "cancelled";
    case StatusCode::kUnimplemented:
      return "not implemented";
    case StatusCode::kResourceExhausted:
      return "resource exhausted";
  }
  return "unknown";
}

std::string SourceLocation::ToString() const {
  std::string out = file;
  if (line > 0) {
    out += (out.empty() ? "" : ":") + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

Status Status::WithLocation(SourceLocation location) const& {
  Status copy = *this;
  copy.location_ = std::move(location);
  return copy;
}

Status Status::WithLocation(SourceLocation location) && {
  location_ = std::move(location);
  return std::move(*this);
}

Status Status::WithHint(std::string hint) && {
  hint_ = std::move(hint);
  return std::move(*this);
}

Status Status::WithContext(std::string_view context) && {
  if (!ok()) message_ = std::string(context) + ": " + message_;
  return std::move(*this);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out;
  std::string where = location_.ToString();
  if (!where.empty()) out += where + ": ";
  out += message_;
  if (!hint_.empty()) out += " (" + hint_ + ")";
  return out;
}

}  // namespace floe
