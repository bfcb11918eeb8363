// Status and Result<T>: how every floe module reports failure.
//
// A Status is OK or carries a code, a message, optionally where in a source
// file the problem is and a hint on what to do. Result<T> is a T or a Status.
//
//   Result<Flow> LoadFlow(std::string_view path);
//   ASSIGN_OR_RETURN(Flow flow, LoadFlow(path));
//   RETURN_IF_ERROR(store.Save(flow));
//
// Both are [[nodiscard]]: an ignored error is a compile warning. To drop one on
// purpose, call IgnoreError() so a search finds it.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace floe {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad user input: a flow, a template, a CLI argument
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kIoError,
  kInternal,
  kUnavailable,
  kDeadlineExceeded,
  kCancelled,
  kUnimplemented,      // the other side does not offer the operation (HTTP 501)
  kResourceExhausted,  // a queue or limit is full: try again later (HTTP 429/503)
};

std::string_view StatusCodeName(StatusCode code);

// A place in a source file. Line and column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }
  // "file:line:col", "file:line", "file" or "" as far as known.
  std::string ToString() const;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const SourceLocation& location() const { return location_; }
  const std::string& hint() const { return hint_; }

  // Builders: return a copy with the location, hint or a context prefix added.
  Status WithLocation(SourceLocation location) const&;
  Status WithLocation(SourceLocation location) &&;
  Status WithHint(std::string hint) &&;
  // Prefixes the message with "context: " so errors read outside-in.
  Status WithContext(std::string_view context) &&;

  // "file:line:col: message (hint: ...)"; what a user sees.
  std::string ToString() const;

  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  SourceLocation location_;
  std::string hint_;
};

inline Status InvalidArgument(std::string message) { return {StatusCode::kInvalidArgument, std::move(message)}; }
inline Status NotFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
inline Status IoError(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
inline Status Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }
inline Status Unavailable(std::string message) { return {StatusCode::kUnavailable, std::move(message)}; }
inline Status FailedPrecondition(std::string message) { return {StatusCode::kFailedPrecondition, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(value_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(value_);
  }
  Status status() && { return ok() ? Status() : std::get<Status>(std::move(value_)); }

  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  void IgnoreError() const {}

 private:
  std::variant<T, Status> value_;
};

namespace internal {
inline Status AsStatus(const Status& s) { return s; }
inline Status AsStatus(Status&& s) { return std::move(s); }
template <typename T>
Status AsStatus(Result<T>&& r) {
  return std::move(r).status();
}
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace floe

#define FLOE_CONCAT_INNER(a, b) a##b
#define FLOE_CONCAT(a, b) FLOE_CONCAT_INNER(a, b)

// The status's name is unique, so a RETURN_IF_ERROR inside a lambda given to
// another does not shadow the outer one.
#define FLOE_RETURN_IF_ERROR_IMPL(status, expr)                             \
  do {                                                                      \
    auto status = (expr);                                                   \
    if (!status.ok()) return ::floe::internal::AsStatus(std::move(status)); \
  } while (0)
#define RETURN_IF_ERROR(expr) FLOE_RETURN_IF_ERROR_IMPL(FLOE_CONCAT(_floe_status_, __COUNTER__), expr)

#define FLOE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) FLOE_ASSIGN_OR_RETURN_IMPL(FLOE_CONCAT(_floe_result_, __LINE__), lhs, expr)
