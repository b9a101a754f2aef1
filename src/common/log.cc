#include "common/log.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <string>

namespace berth {

void Logger::log(LogLevel level, std::string_view message) const {
  if (!enabled(level)) {
    return;
  }
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line;
  line.reserve(message.size() + 48);
  line.append(stamp, n);
  line.append(" ");
  line.append(kNames[static_cast<int>(level)]);
  line.append(" ");
  line.append(message);
  line.push_back('\n');
  // One write so concurrent lines never interleave.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

bool parseLogLevel(std::string_view text, LogLevel& out) {
  if (text == "debug") out = LogLevel::kDebug;
  else if (text == "info") out = LogLevel::kInfo;
  else if (text == "warn") out = LogLevel::kWarn;
  else if (text == "error") out = LogLevel::kError;
  else return false;
  return true;
}

}  // namespace berth
