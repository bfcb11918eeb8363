#include "core/log.h"

#include <cctype>
#include <cstdio>

#include "core/time.h"

namespace floe {

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "TRACE";
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "TRACE") return LogLevel::kTrace;
  if (upper == "DEBUG") return LogLevel::kDebug;
  if (upper == "INFO") return LogLevel::kInfo;
  if (upper == "WARN" || upper == "WARNING") return LogLevel::kWarn;
  if (upper == "ERROR") return LogLevel::kError;
  return std::nullopt;
}

void ProcessLogger::Write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (level < min_level_) return;
  std::string line = FormatTimestamp(SystemClock().Now());
  line += ' ';
  line += LogLevelName(level);
  line += ' ';
  line += message;
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    bool quote = value.find(' ') != std::string_view::npos || value.empty();
    if (quote) line += '"';
    line += value;
    if (quote) line += '"';
  }
  line += '\n';
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

ProcessLogger& Logger() {
  static ProcessLogger logger;
  return logger;
}

}  // namespace floe
