#include "common/ip_address.h"

#include <gtest/gtest.h>

namespace limen {
namespace {

TEST(IpAddress, ParsesAndFormatsV4AndV6) {
  auto a = IpAddress::parse("10.20.1.10");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->bytes().size(), 4U);
  EXPECT_EQ(a->to_string(), "10.20.1.10");
  EXPECT_EQ(*a, IpAddress::v4(0x0A14010AU));
  auto b = IpAddress::parse("fd00:20::1");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->is_v6());
  EXPECT_EQ(b->bytes().size(), 16U);
  EXPECT_EQ(b->to_string(), "fd00:20::1");
}

TEST(IpAddress, RejectsGarbage) {
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "1.2.3.4.5", "::g", "10.0.0.1/24", "a",
                          "1.2.3.4 ", "12345678901234567890123456789012345678901234567890"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, OrdersV4BeforeV6AndByBytes) {
  const auto a = *IpAddress::parse("10.0.0.1");
  const auto b = *IpAddress::parse("10.0.0.2");
  const auto c = *IpAddress::parse("::1");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_FALSE(IpAddress().valid());
  EXPECT_EQ(IpAddress().to_string(), "");
}

}  // namespace
}  // namespace limen
