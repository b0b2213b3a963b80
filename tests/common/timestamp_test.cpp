#include "common/timestamp.h"

#include <gtest/gtest.h>

namespace limen {
namespace {

TEST(Timestamp, FormatsRfc3339UtcWithMicroseconds) {
  EXPECT_EQ(format_rfc3339(Timestamp{0}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(Timestamp::from_parts(1772438401, 250000)),
            "2026-03-02T08:00:01.250000Z");
  EXPECT_EQ(format_rfc3339(Timestamp::from_parts(951782400, 1)),  // leap day 2000
            "2000-02-29T00:00:00.000001Z");
  EXPECT_EQ(format_rfc3339(Timestamp{-1}), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339(Timestamp::from_parts(253402300799, 999999)),
            "9999-12-31T23:59:59.999999Z");
  // Years past four digits keep their digits rather than being cut.
  EXPECT_EQ(format_rfc3339(Timestamp::from_parts(253402300800, 5)),
            "10000-01-01T00:00:00.000005Z");
}

TEST(Timestamp, ParsesWhatItFormatsAndCommonForms) {
  const Timestamp t = Timestamp::from_parts(1772438401, 250000);
  EXPECT_EQ(parse_time(format_rfc3339(t)), t);
  EXPECT_EQ(parse_time("2026-03-02T08:00:01.25Z"), t);
  EXPECT_EQ(parse_time("2026-03-02 09:00:01.250+01:00"), t);
  EXPECT_EQ(parse_time("2026-03-02"), Timestamp::from_seconds(1772409600));
  EXPECT_EQ(parse_time("1772438401"), Timestamp::from_seconds(1772438401));
}

TEST(Timestamp, RejectsMalformedTimes) {
  for (const char* bad : {"", "2026-13-01", "2026-02-30", "2026-03-02T25:00:00Z", "2026-03-02T",
                          "2026-03-02T08:00:01.Z", "2026-03-02T08:00:01+0100", "yesterday",
                          "12abc", "2026-03-02T08:00:01Zjunk"}) {
    EXPECT_FALSE(parse_time(bad)) << bad;
  }
}

}  // namespace
}  // namespace limen
