#include "common/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <vector>
#include <string>

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

TEST(IpAddress, ComparesAsItsFamilyThenItsBytesInOrder) {
  // Every byte position and both halves: the comparison must agree with comparing the bytes
  // one by one, as flow keys are normalised by it.
  std::mt19937 rng(7);
  std::vector<IpAddress> all{IpAddress()};
  for (int i = 0; i < 400; ++i) {
    std::array<std::uint8_t, 16> b{};
    for (auto& x : b) x = static_cast<std::uint8_t>(rng() % 3 == 0 ? rng() : 0x80);
    all.push_back(i % 2 ? IpAddress::v6(b) : IpAddress::v4(std::span(b).first(4)));
  }
  for (const auto& x : all)
    for (const auto& y : all) {
      const auto expected =
          x.family() != y.family()
              ? static_cast<int>(x.family()) <=> static_cast<int>(y.family())
              : std::lexicographical_compare_three_way(x.bytes().begin(), x.bytes().end(),
                                                       y.bytes().begin(), y.bytes().end());
      ASSERT_EQ(x <=> y, expected) << x.to_string() << " " << y.to_string();
      ASSERT_EQ(x == y, expected == 0);
    }
}

}  // namespace
}  // namespace limen

TEST(IpAddress, FormatsEveryIpv4OctetAsInetNtopDoes) {
  // Each octet value in each position, so one-, two- and three-digit octets meet every neighbour.
  for (unsigned v = 0; v < 256; ++v) {
    for (std::size_t at = 0; at < 4; ++at) {
      std::array<std::uint8_t, 4> b{1, 22, 133, 4};
      b[at] = static_cast<std::uint8_t>(v);
      char expected[INET_ADDRSTRLEN];
      ASSERT_NE(inet_ntop(AF_INET, b.data(), expected, sizeof expected), nullptr);
      char text[limen::IpAddress::kMaxText];
      const std::size_t n = limen::IpAddress::v4(b).format(text);
      EXPECT_EQ(std::string(text, n), expected);
      EXPECT_EQ(text[n], '\0');
    }
  }
}
