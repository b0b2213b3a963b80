#pragma once
// Timestamp: packet time in microseconds since the Unix epoch (UTC). Every timeout and every
// event time derives from packet time, never the wall clock, so a replay is deterministic.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace limen {

struct Timestamp {
  std::int64_t usec = 0;

  static constexpr Timestamp from_parts(std::int64_t sec, std::int64_t usec_part) {
    return Timestamp{sec * 1'000'000 + usec_part};
  }
  static constexpr Timestamp from_seconds(std::int64_t sec) { return Timestamp{sec * 1'000'000}; }
  [[nodiscard]] constexpr std::int64_t seconds() const {
    return usec >= 0 ? usec / 1'000'000 : -((-usec + 999'999) / 1'000'000);
  }
  [[nodiscard]] constexpr std::int64_t millis() const { return usec / 1000; }

  friend constexpr auto operator<=>(Timestamp, Timestamp) = default;
  friend constexpr bool operator==(Timestamp, Timestamp) = default;
};

// Durations are plain microsecond counts.
constexpr std::int64_t kUsecPerSecond = 1'000'000;

// "2026-01-02T03:04:05.000006Z": RFC 3339 in UTC with microseconds.
std::string format_rfc3339(Timestamp t);
// The same text written into `out` (at least kRfc3339Max bytes) without allocating; returns its
// length. The event writers use it on the hot path.
inline constexpr std::size_t kRfc3339Max = 40;
std::size_t format_rfc3339(Timestamp t, char* out);
// Accepts RFC 3339 ("2026-01-02T03:04:05Z", fractions up to 9 digits, "+01:00" offsets, a space
// instead of 'T'), a bare date ("2026-01-02", midnight UTC) or a number of seconds since the epoch.
std::optional<Timestamp> parse_time(std::string_view text);

}  // namespace limen
