// Log levels and the process logger (floe's own diagnostics, not task logs,
// which the executor stores per task run).
//
//   Logger().Info("store opened", {{"path", path}});
//   // 2026-11-27T14:35:02.123Z INFO store opened path=/home/a/.floe/floe.db
#pragma once

#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace floe {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError };

std::string_view LogLevelName(LogLevel level);  // "TRACE" ... "ERROR"
// Accepts Kestra's names (TRACE, DEBUG, INFO, WARN, WARNING, ERROR), any case.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

using LogField = std::pair<std::string_view, std::string_view>;

// Writes one line per event to stderr: time, level, message, key=value fields.
// Thread-safe.
class ProcessLogger {
 public:
  void set_min_level(LogLevel level) { min_level_ = level; }
  void Write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view m, std::initializer_list<LogField> f = {}) { Write(LogLevel::kDebug, m, f); }
  void Info(std::string_view m, std::initializer_list<LogField> f = {}) { Write(LogLevel::kInfo, m, f); }
  void Warn(std::string_view m, std::initializer_list<LogField> f = {}) { Write(LogLevel::kWarn, m, f); }
  void Error(std::string_view m, std::initializer_list<LogField> f = {}) { Write(LogLevel::kError, m, f); }

 private:
  std::mutex mu_;
  LogLevel min_level_ = LogLevel::kWarn;
};

ProcessLogger& Logger();

}  // namespace floe
