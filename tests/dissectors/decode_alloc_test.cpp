// The hot path does not allocate: once the reassembly pool is warm, decoding whole packets and
// fragment trains performs no heap allocation. Global operator new is counted in this binary.

#include <gtest/gtest.h>

#include "dissectors/packet/packet_decoder.h"
#include "tests/dissectors/frame_builder.h"
#include "tests/support/counting_allocator.h"

namespace limen::decode {
namespace {

using namespace test;

TEST(DecodeAllocation, SteadyStateDecodingDoesNotAllocate) {
  const Bytes data = filled(3000);
  std::vector<Bytes> frames;
  frames.push_back(ethernet(0x0800, ipv4(Ipv4Opts{.proto = 6}, tcp(1, 2, 3, 4, 0x18, 5, data))));
  frames.push_back(ethernet(0x86DD, ipv6(17, udp(3, 4, data)), {{0x8100, 10}}));
  for (std::uint32_t off = 0; off < 3000; off += 1000) {
    Ipv4Opts o{.proto = 17, .id = 99};
    o.flags_offset = static_cast<std::uint16_t>((off + 1000 < 3000 ? 0x2000U : 0U) | off / 8);
    frames.push_back(ethernet(0x0800, ipv4(o, std::span(data).subspan(off, 1000))));
  }
  PacketDecoder decoder;
  DecodedPacket out;
  const auto round = [&] {
    std::size_t ok = 0;
    for (const Bytes& f : frames) {
      ok += decoder.decode(LinkType::Ethernet, f, Timestamp{}, out) == DecodeStatus::Ok ? 1U : 0U;
    }
    return ok;
  };
  ASSERT_EQ(round(), 3U);  // warms the reassembly pool
  const std::size_t before = limen::testing::allocations();
  EXPECT_GT(before, 0U);  // the counter does see allocations (building the frames made some)
  std::size_t ok = 0;
  for (int i = 0; i < 200; ++i) ok += round();
  EXPECT_EQ(limen::testing::allocations() - before, 0U);
  EXPECT_EQ(ok, 600U);
}

}  // namespace
}  // namespace limen::decode
