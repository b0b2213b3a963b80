#include "common/byte_reader.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace limen {
namespace {

constexpr std::array<std::uint8_t, 8> kBytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

TEST(ByteReader, ReadsBigAndLittleEndian) {
  ByteReader r(kBytes);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.be16(), 0x0203);
  EXPECT_EQ(r.le16(), 0x0504);
  EXPECT_EQ(r.be24(), 0x060708U);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
  ByteReader w(kBytes);
  EXPECT_EQ(w.be64(), 0x0102030405060708ULL);
  ByteReader l(kBytes);
  EXPECT_EQ(l.le32(), 0x04030201U);
  EXPECT_EQ(l.le32(), 0x08070605U);
}

TEST(ByteReader, ReadPastEndFailsStickyAndReturnsZero) {
  ByteReader r{std::span(kBytes).first(3)};
  EXPECT_EQ(r.be16(), 0x0102);
  EXPECT_EQ(r.be16(), 0);  // only one byte left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.remaining(), 0U);
  EXPECT_EQ(r.u8(), 0);  // sticky: nothing more is read even though a byte had remained
  EXPECT_FALSE(r.ok());
}

TEST(ByteReader, BytesViewsWithoutCopyAndRefusesHostileLengths) {
  ByteReader r(kBytes);
  auto v = r.bytes(3);
  ASSERT_EQ(v.size(), 3U);
  EXPECT_EQ(v.data(), kBytes.data());
  EXPECT_TRUE(r.bytes(SIZE_MAX).empty());
  EXPECT_FALSE(r.ok());
}

TEST(ByteReader, SubReaderIsBoundedByItsLength) {
  ByteReader r(kBytes);
  ByteReader sub = r.sub(2);
  EXPECT_EQ(sub.be16(), 0x0102);
  EXPECT_EQ(sub.u8(), 0);
  EXPECT_FALSE(sub.ok());
  EXPECT_TRUE(r.ok());  // the parent is unaffected by the child's overrun
  EXPECT_EQ(r.u8(), 0x03);
  ByteReader too_long = r.sub(100);
  EXPECT_FALSE(too_long.ok());
  EXPECT_FALSE(r.ok());
}

TEST(ByteReader, PeekAndRest) {
  ByteReader r(kBytes);
  EXPECT_EQ(r.peek(1), 0x02);
  EXPECT_EQ(r.offset(), 0U);
  r.skip(6);
  EXPECT_EQ(r.rest().size(), 2U);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.peek(), 0);
  EXPECT_FALSE(r.ok());
}

TEST(ByteReader, EveryTruncationOfARecordFailsCleanly) {
  // A record: u8 type, be16 length, then `length` bytes.
  const std::vector<std::uint8_t> record{0x07, 0x00, 0x03, 0xAA, 0xBB, 0xCC};
  for (std::size_t n = 0; n < record.size(); ++n) {
    ByteReader r{std::span(record).first(n)};
    r.u8();
    const auto len = r.be16();
    r.bytes(len);
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes";
  }
  ByteReader whole(record);
  whole.u8();
  whole.bytes(whole.be16());
  EXPECT_TRUE(whole.ok());
}

}  // namespace
}  // namespace limen
