#include "common/rfc3339.h"

#include <charconv>
#include <ctime>

namespace berth {

namespace {

/// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
/// days_from_civil), so parsing does not depend on the process's time zone.
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool number(std::string_view text, std::size_t at, std::size_t len, int& out) {
  if (at + len > text.size()) return false;
  for (std::size_t i = at; i < at + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  auto [p, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
  return ec == std::errc{} && p == text.data() + at + len;
}

}  // namespace

std::string formatRfc3339(std::int64_t unixSeconds) {
  std::time_t tt = unixSeconds;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::int64_t> parseRfc3339(std::string_view text, std::string_view field) {
  auto invalid = [&] {
    return fail(Errc::kInvalidParameter,
                std::string(field) + " must be a date-time such as 2026-12-31T00:00:00Z, got '" +
                    std::string(text.substr(0, 64)) + "'");
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(text, 0, 4, year) || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
      !number(text, 5, 2, month) || !number(text, 8, 2, day) || month < 1 || month > 12 ||
      day < 1 || day > 31) {
    return invalid();
  }
  std::int64_t offset = 0;
  if (text.size() > 10) {
    if ((text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text.size() < 19 ||
        text[13] != ':' || text[16] != ':' || !number(text, 11, 2, hour) ||
        !number(text, 14, 2, minute) || !number(text, 17, 2, second) || hour > 23 ||
        minute > 59 || second > 60) {
      return invalid();
    }
    std::size_t i = 19;
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    }
    std::string_view zone = text.substr(i);
    if (zone == "Z" || zone == "z" || zone.empty()) {
      offset = 0;
    } else {
      int oh = 0, om = 0;
      if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
          !number(zone, 1, 2, oh) || !number(zone, 4, 2, om)) {
        return invalid();
      }
      offset = (zone[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    }
  }
  return daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         hour * 3600 + minute * 60 + second - offset;
}

}  // namespace berth
