#pragma once
// A small leveled logger writing one line per event to stderr. Owned by the daemon and passed by
// reference; never global. Thread-safe (one write(2) per line).

#include <string_view>

namespace berth {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::kInfo) : level_(level) {}
  bool enabled(LogLevel level) const noexcept { return level >= level_; }
  void log(LogLevel level, std::string_view message) const;
  void debug(std::string_view m) const { if (enabled(LogLevel::kDebug)) log(LogLevel::kDebug, m); }
  void info(std::string_view m) const { if (enabled(LogLevel::kInfo)) log(LogLevel::kInfo, m); }
  void warn(std::string_view m) const { if (enabled(LogLevel::kWarn)) log(LogLevel::kWarn, m); }
  void error(std::string_view m) const { log(LogLevel::kError, m); }

 private:
  LogLevel level_;
};

/// "debug" | "info" | "warn" | "error"; anything else is nullopt-like: returns false.
bool parseLogLevel(std::string_view text, LogLevel& out);

}  // namespace berth
