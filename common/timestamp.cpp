#include "common/timestamp.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

namespace limen {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::string format_rfc3339(Timestamp t) {
  char buf[kRfc3339Max];
  return std::string(buf, format_rfc3339(t, buf));
}

std::size_t format_rfc3339(Timestamp t, char* out) {
  const std::int64_t sec = t.seconds();
  auto frac = static_cast<std::uint32_t>(t.usec - sec * kUsecPerSecond);
  const sys_days day{days{sec >= 0 ? sec / 86400 : (sec - 86399) / 86400}};
  auto in_day = static_cast<std::uint32_t>(sec - day.time_since_epoch().count() * 86400LL);
  const std::chrono::year_month_day ymd{day};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {  // outside RFC 3339's four digits: rare enough for snprintf
    const int n = std::snprintf(out, kRfc3339Max, "%d-%02u-%02uT%02u:%02u:%02u.%06uZ", year,
                                static_cast<unsigned>(ymd.month()),
                                static_cast<unsigned>(ymd.day()), in_day / 3600,
                                in_day / 60 % 60, in_day % 60, frac);
    return n > 0 ? std::min(static_cast<std::size_t>(n), kRfc3339Max - 1) : 0;
  }
  // By hand: this runs for every event whose second differs from the last one's, and
  // snprintf's format parsing was 2% of a replay.
  const auto put = [out](std::size_t at, std::size_t width, std::uint32_t v) {
    for (std::size_t i = at + width; i-- > at;) {
      out[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, 4, static_cast<std::uint32_t>(year));
  out[4] = '-';
  put(5, 2, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  put(8, 2, static_cast<unsigned>(ymd.day()));
  out[10] = 'T';
  put(11, 2, in_day / 3600);
  out[13] = ':';
  put(14, 2, in_day / 60 % 60);
  out[16] = ':';
  put(17, 2, in_day % 60);
  out[19] = '.';
  put(20, 6, frac);
  out[26] = 'Z';
  out[27] = '\0';
  return 27;
}

std::optional<Timestamp> parse_time(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.find('-') == std::string_view::npos || s.front() == '-') {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return Timestamp::from_seconds(v);
  }
  int y = 0, mo = 0, d = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{unsigned(mo)},
                                        std::chrono::day{unsigned(d)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t sec = sys_days{ymd}.time_since_epoch().count() * 86400LL;
  std::int64_t usec = 0;
  if (s.size() == 10) return Timestamp::from_parts(sec, 0);
  int h = 0, mi = 0, se = 0;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) || s.size() < 19 ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se) || h > 23 ||
      mi > 59 || se > 60)
    return std::nullopt;
  sec += h * 3600 + mi * 60 + se;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    std::int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) usec += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      if (++n > 9) return std::nullopt;
    }
    if (n == 0) return std::nullopt;
  }
  if (pos == s.size()) return Timestamp::from_parts(sec, usec);  // no zone: taken as UTC
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return Timestamp::from_parts(sec, usec);
  if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (s.size() != pos + 6 || !digits(s, pos + 1, 2, oh) || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om))
      return std::nullopt;
    const int off = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    return Timestamp::from_parts(sec - off, usec);
  }
  return std::nullopt;
}

}  // namespace limen
