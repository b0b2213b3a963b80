// IP fragment reassembly: order, overlaps, duplicates, timeouts, limits, IPv6 fragments.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "dissectors/packet/packet_decoder.h"
#include "tests/dissectors/frame_builder.h"

namespace limen::decode {
namespace {

using namespace test;

constexpr std::uint32_t kMf = 0x2000;

// One IPv4 fragment of a UDP datagram: `part` is the slice of the fragmentable bytes at `offset`.
Bytes frag4(std::span<const std::uint8_t> part, std::uint32_t offset, bool more,
            std::uint16_t id = 0x4242) {
  Ipv4Opts o{.proto = 17, .id = id};
  o.flags_offset = static_cast<std::uint16_t>((more ? kMf : 0) | (offset / 8));
  return ipv4(o, part);
}
std::span<const std::uint8_t> slice(const Bytes& b, std::size_t from, std::size_t to) {
  return std::span(b).subspan(from, to - from);
}

class DecodeFragments : public ::testing::Test {
 protected:
  DecodeStatus feed(const Bytes& ip, std::int64_t sec = 1) {
    return decoder_.decode(LinkType::RawIpv4, ip, Timestamp::from_seconds(sec), out_);
  }
  // A UDP datagram of 8 + 100 bytes, cut at 48 and 96.
  void SetUp() override { l4_ = udp(4000, 161, filled(100, 7)); }
  void expect_whole() {
    EXPECT_TRUE(out_.reassembled);
    EXPECT_EQ(out_.src_port, 4000);
    EXPECT_EQ(out_.dst_port, 161);
    ASSERT_EQ(out_.payload.size(), 100U);
    EXPECT_TRUE(std::equal(out_.payload.begin(), out_.payload.end(), l4_.begin() + 8));
    ASSERT_EQ(out_.ip.size(), 128U);
    EXPECT_EQ(out_.ip[2] << 8 | out_.ip[3], 128);  // total length rewritten
    EXPECT_EQ(out_.ip[6] & 0x3F, 0);               // no MF, no offset
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2) sum += std::uint32_t{out_.ip[i]} << 8 | out_.ip[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    EXPECT_EQ(sum, 0xffffU);  // header checksum recomputed
  }
  Bytes a() const { return frag4(slice(l4_, 0, 48), 0, true); }
  Bytes b() const { return frag4(slice(l4_, 48, 96), 48, true); }
  Bytes c() const { return frag4(slice(l4_, 96, 108), 96, false); }

  Bytes l4_;
  PacketDecoder decoder_;
  DecodedPacket out_;
};

TEST_F(DecodeFragments, InOrder) {
  EXPECT_EQ(feed(a()), DecodeStatus::FragmentHeld);
  EXPECT_EQ(feed(b()), DecodeStatus::FragmentHeld);
  ASSERT_EQ(feed(c()), DecodeStatus::Ok);
  expect_whole();
  const DecodeCounters& n = decoder_.counters();
  EXPECT_EQ(n.fragments, 3U);
  EXPECT_EQ(n.reassembled, 1U);
  EXPECT_EQ(n.udp, 1U);
  EXPECT_EQ(n.ipv4, 1U);
  EXPECT_EQ(decoder_.fragment_trains(), 0U);
}

TEST_F(DecodeFragments, OutOfOrder) {
  EXPECT_EQ(feed(c()), DecodeStatus::FragmentHeld);
  EXPECT_EQ(feed(a()), DecodeStatus::FragmentHeld);
  ASSERT_EQ(feed(b()), DecodeStatus::Ok);
  expect_whole();
  EXPECT_EQ(feed(b()), DecodeStatus::FragmentHeld);  // a late copy starts a new train
  EXPECT_EQ(decoder_.fragment_trains(), 1U);
}

TEST_F(DecodeFragments, OverlapFirstDataWins) {
  EXPECT_EQ(feed(a()), DecodeStatus::FragmentHeld);
  Bytes evil = l4_;
  std::fill(evil.begin() + 40, evil.begin() + 96, 0xEE);
  EXPECT_EQ(feed(frag4(slice(evil, 40, 96), 40, true)), DecodeStatus::FragmentHeld);
  ASSERT_EQ(feed(c()), DecodeStatus::Ok);
  EXPECT_EQ(decoder_.counters().frag_overlaps, 1U);
  // Bytes 40..47 came first from fragment a; 48..95 only from the overlapping one.
  EXPECT_EQ(out_.payload[40 - 8], l4_[40]);
  EXPECT_EQ(out_.payload[48 - 8], 0xEE);
}

TEST_F(DecodeFragments, DuplicatesAreCountedApart) {
  EXPECT_EQ(feed(a()), DecodeStatus::FragmentHeld);
  EXPECT_EQ(feed(a()), DecodeStatus::FragmentHeld);
  EXPECT_EQ(feed(c()), DecodeStatus::FragmentHeld);
  ASSERT_EQ(feed(b()), DecodeStatus::Ok);
  expect_whole();
  EXPECT_EQ(decoder_.counters().frag_duplicates, 1U);
  EXPECT_EQ(decoder_.counters().frag_overlaps, 0U);
}

TEST_F(DecodeFragments, Timeout) {
  EXPECT_EQ(feed(a(), 100), DecodeStatus::FragmentHeld);
  decoder_.expire(Timestamp::from_seconds(129));  // 29 s: still waiting
  EXPECT_EQ(decoder_.fragment_trains(), 1U);
  decoder_.expire(Timestamp::from_seconds(130));
  EXPECT_EQ(decoder_.counters().frag_timeouts, 1U);
  EXPECT_EQ(decoder_.fragment_trains(), 0U);
  EXPECT_EQ(feed(b(), 130), DecodeStatus::FragmentHeld);
  EXPECT_EQ(feed(c(), 130), DecodeStatus::FragmentHeld);  // a is gone: no datagram
  // A fragment arriving late expires the stale train on its own.
  EXPECT_EQ(feed(a(), 200), DecodeStatus::FragmentHeld);
  EXPECT_EQ(decoder_.counters().frag_timeouts, 2U);
  EXPECT_EQ(decoder_.fragment_trains(), 1U);
}

TEST_F(DecodeFragments, DatagramLimitOverflows) {
  PacketDecoder small(DecoderConfig{.max_datagrams = 2});
  const auto send = [&](const Bytes& f) {
    return small.decode(LinkType::RawIpv4, f, Timestamp::from_seconds(1), out_);
  };
  EXPECT_EQ(send(frag4(slice(l4_, 0, 48), 0, true, 1)), DecodeStatus::FragmentHeld);
  EXPECT_EQ(send(frag4(slice(l4_, 0, 48), 0, true, 2)), DecodeStatus::FragmentHeld);
  EXPECT_EQ(send(frag4(slice(l4_, 0, 48), 0, true, 3)), DecodeStatus::FragmentHeld);
  EXPECT_EQ(small.counters().frag_overflow, 1U);
  EXPECT_EQ(small.fragment_trains(), 2U);
  EXPECT_EQ(send(frag4(slice(l4_, 48, 108), 48, false, 2)), DecodeStatus::Ok);
  EXPECT_EQ(send(frag4(slice(l4_, 48, 108), 48, false, 3)), DecodeStatus::FragmentHeld);
  EXPECT_EQ(small.counters().reassembled, 1U);
}

TEST_F(DecodeFragments, ByteLimitOverflows) {
  PacketDecoder small(DecoderConfig{.max_bytes = 4096});
  const Bytes big = filled(8000);
  DecodeStatus s = DecodeStatus::Ok;
  for (std::uint32_t off = 0; off < 8000; off += 1000) {
    s = small.decode(LinkType::RawIpv4, frag4(slice(big, off, off + 1000), off, true),
                     Timestamp::from_seconds(1), out_);
    EXPECT_EQ(s, DecodeStatus::FragmentHeld);
    EXPECT_LE(small.fragment_bytes(), 4096U);
  }
  EXPECT_GT(small.counters().frag_overflow, 0U);
}

TEST_F(DecodeFragments, ImpossibleFragments) {
  // Beyond 65535 bytes.
  EXPECT_EQ(feed(frag4(filled(16), 65528, false)), DecodeStatus::Malformed);
  // A non-final fragment whose length is not a multiple of 8, or is empty.
  EXPECT_EQ(feed(frag4(filled(12), 0, true)), DecodeStatus::Malformed);
  EXPECT_EQ(feed(frag4({}, 8, true)), DecodeStatus::Malformed);
  // Two final fragments that disagree on the length drop the train.
  EXPECT_EQ(feed(a()), DecodeStatus::FragmentHeld);
  EXPECT_EQ(feed(c()), DecodeStatus::FragmentHeld);
  EXPECT_EQ(feed(frag4(filled(20), 96, false)), DecodeStatus::Malformed);
  EXPECT_EQ(decoder_.fragment_trains(), 0U);
  // Data past a known end drops it too.
  EXPECT_EQ(feed(c()), DecodeStatus::FragmentHeld);
  EXPECT_EQ(feed(frag4(filled(16), 104, true)), DecodeStatus::Malformed);
  EXPECT_EQ(decoder_.counters().frag_malformed, 5U);
  EXPECT_EQ(decoder_.counters().malformed, 5U);
}

TEST_F(DecodeFragments, VlanSurvivesReassembly) {
  const auto eth = [](const Bytes& ip) { return ethernet(0x0800, ip, {{0x8100, 300}}); };
  PacketDecoder d;
  EXPECT_EQ(d.decode(LinkType::Ethernet, eth(a()), Timestamp{}, out_), DecodeStatus::FragmentHeld);
  EXPECT_EQ(d.decode(LinkType::Ethernet, eth(b()), Timestamp{}, out_), DecodeStatus::FragmentHeld);
  ASSERT_EQ(d.decode(LinkType::Ethernet, eth(c()), Timestamp{}, out_), DecodeStatus::Ok);
  expect_whole();
  EXPECT_EQ(out_.vlan_count, 1);
  EXPECT_EQ(out_.vlan[0], 300);
}

TEST_F(DecodeFragments, ManyTrainsInterleavedAndPoolReuse) {
  // 1000 trains in flight, completed in random order: exercises the hash table's deletion.
  std::mt19937 rng(7);
  std::vector<std::uint16_t> ids(1000);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint16_t>(i * 37 + 1);
  for (const auto id : ids) EXPECT_EQ(feed(frag4(slice(l4_, 0, 48), 0, true, id)),
                                      DecodeStatus::FragmentHeld);
  std::shuffle(ids.begin(), ids.end(), rng);
  for (const auto id : ids) {
    ASSERT_EQ(feed(frag4(slice(l4_, 48, 108), 48, false, id)), DecodeStatus::Ok) << id;
    expect_whole();
  }
  EXPECT_EQ(decoder_.fragment_trains(), 0U);
  // Buffers are pooled: another round of the same size takes no more memory.
  const std::size_t bytes = decoder_.fragment_bytes();
  EXPECT_GT(bytes, 0U);  // released trains keep their buffers for the next ones
  for (const auto id : ids) {
    ASSERT_EQ(feed(frag4(slice(l4_, 48, 108), 48, false, id)), DecodeStatus::FragmentHeld);
  }
  for (const auto id : ids) {
    ASSERT_EQ(feed(frag4(slice(l4_, 0, 48), 0, true, id)), DecodeStatus::Ok);
  }
  EXPECT_EQ(decoder_.fragment_bytes(), bytes);
}

// IPv6: destination options stay in the unfragmentable part; TCP sits in the fragmentable part.
TEST(DecodeIpv6Fragments, ReassembleAroundExtensionHeaders) {
  const Bytes seg = tcp(443, 51000, 9, 10, 0x18, 500, filled(60, 3));  // 80 bytes
  const Bytes dest = ext_header(44, 0);  // names the Fragment header
  const auto frag = [&](std::uint32_t from, std::uint32_t to, bool more) {
    return ipv6(60, cat({dest, fragment_header(6, from, more, 0xCAFE), slice(seg, from, to)}));
  };
  PacketDecoder d;
  DecodedPacket out;
  EXPECT_EQ(d.decode(LinkType::RawIpv6, frag(32, 80, false), Timestamp{}, out),
            DecodeStatus::FragmentHeld);
  EXPECT_EQ(out.ip_proto, 6);
  ASSERT_EQ(d.decode(LinkType::RawIpv6, frag(0, 32, true), Timestamp{}, out), DecodeStatus::Ok);
  EXPECT_TRUE(out.reassembled);
  EXPECT_EQ(out.ip_proto, 6);
  EXPECT_EQ(out.src_port, 443);
  EXPECT_EQ(out.tcp_flags, 0x18);
  ASSERT_EQ(out.payload.size(), 60U);
  EXPECT_TRUE(std::equal(out.payload.begin(), out.payload.end(), seg.begin() + 20));
  ASSERT_EQ(out.ip.size(), 40U + 8 + 80);
  EXPECT_EQ(out.ip[4] << 8 | out.ip[5], 88);  // payload length without the Fragment header
  EXPECT_EQ(out.ip[40], 6);                   // destination options now name TCP
  EXPECT_EQ(d.counters().ipv6, 1U);
  EXPECT_EQ(d.counters().reassembled, 1U);
}

TEST(DecodeIpv6Fragments, NestedFragmentIsMalformed) {
  const Bytes inner = cat({fragment_header(17, 8, true, 1), udp(1, 2, filled(8))});
  const auto frag = [&](std::uint32_t from, std::uint32_t to, bool more) {
    return ipv6(44, cat({fragment_header(44, from, more, 2), slice(inner, from, to)}));
  };
  PacketDecoder d;
  DecodedPacket out;
  EXPECT_EQ(d.decode(LinkType::RawIpv6, frag(0, 16, true), Timestamp{}, out),
            DecodeStatus::FragmentHeld);
  EXPECT_EQ(d.decode(LinkType::RawIpv6, frag(16, 24, false), Timestamp{}, out),
            DecodeStatus::Malformed);
}

TEST(DecodeIpv6Fragments, OversizeIsMalformed) {
  const Bytes part = filled(16);
  const Bytes f = ipv6(44, cat({fragment_header(17, 65528, false, 3), part}));
  PacketDecoder d;
  DecodedPacket out;
  EXPECT_EQ(d.decode(LinkType::RawIpv6, f, Timestamp{}, out), DecodeStatus::Malformed);
}

}  // namespace
}  // namespace limen::decode
