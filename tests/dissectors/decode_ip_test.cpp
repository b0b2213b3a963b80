// Network and transport layers: IPv4 options, IPv6 extension-header chains, TCP/UDP/ICMP/ICMPv6
// fields, hostile lengths, and the truncation sweep over every valid frame.

#include <gtest/gtest.h>

#include "dissectors/packet/packet_decoder.h"
#include "tests/dissectors/frame_builder.h"

namespace limen::decode {
namespace {

using namespace test;

class DecodeIp : public ::testing::Test {
 protected:
  DecodeStatus raw(const Bytes& ip) {
    return decoder_.decode(LinkType::Raw, ip, Timestamp::from_seconds(1), out_);
  }
  PacketDecoder decoder_;
  DecodedPacket out_;
};

TEST_F(DecodeIp, TcpFieldsAndOptions) {
  const Bytes data = filled(11, 0x40);
  const Bytes seg = tcp(44321, 502, 0x01020304, 0xA0B0C0D0, 0x18, 29200, data, 3);
  Ipv4Opts o{.proto = 6, .ttl = 128, .options = {0x01, 0x01, 0x01, 0x00, 0x94, 0x04, 0, 0}};
  const Bytes ip = ipv4(o, seg);
  ASSERT_EQ(raw(ip), DecodeStatus::Ok);
  EXPECT_EQ(out_.ttl, 128);
  EXPECT_EQ(out_.ip_proto, 6);
  EXPECT_FALSE(out_.reassembled);
  EXPECT_EQ(out_.ip.size(), ip.size());
  EXPECT_EQ(out_.src_port, 44321);
  EXPECT_EQ(out_.dst_port, 502);
  EXPECT_EQ(out_.tcp_seq, 0x01020304U);
  EXPECT_EQ(out_.tcp_ack, 0xA0B0C0D0U);
  EXPECT_EQ(out_.tcp_flags, 0x18);
  EXPECT_EQ(out_.tcp_window, 29200);
  ASSERT_EQ(out_.payload.size(), data.size());
  EXPECT_TRUE(std::equal(data.begin(), data.end(), out_.payload.begin()));
  EXPECT_EQ(decoder_.counters().tcp, 1U);
}

TEST_F(DecodeIp, UdpPayloadIsTrimmedToUdpLength) {
  Bytes seg = udp(5000, 20000, filled(12));
  set16(seg, 4, 8 + 4);  // UDP says 4 bytes of data although IP carries 12
  ASSERT_EQ(raw(ipv4(Ipv4Opts{.proto = 17}, seg)), DecodeStatus::Ok);
  EXPECT_EQ(out_.payload.size(), 4U);
  EXPECT_EQ(out_.src_port, 5000);
}

TEST_F(DecodeIp, IcmpAndIcmpv6) {
  const Bytes echo = filled(8);
  ASSERT_EQ(raw(ipv4(Ipv4Opts{.proto = 1}, icmp(8, 0, echo))), DecodeStatus::Ok);
  EXPECT_EQ(out_.icmp_type, 8);
  EXPECT_EQ(out_.icmp_code, 0);
  EXPECT_EQ(out_.payload.size(), 8U);
  EXPECT_EQ(out_.src_port, 0);
  ASSERT_EQ(raw(ipv6(58, icmp(1, 4, filled(4)))), DecodeStatus::Ok);  // port unreachable
  EXPECT_EQ(out_.ip_proto, 58);
  EXPECT_EQ(out_.icmp_type, 1);
  EXPECT_EQ(out_.icmp_code, 4);
  EXPECT_EQ(decoder_.counters().icmp, 1U);
  EXPECT_EQ(decoder_.counters().icmpv6, 1U);
}

TEST_F(DecodeIp, OtherProtocolsKeepZeroFields) {
  const Bytes gre = filled(16);
  ASSERT_EQ(raw(ipv4(Ipv4Opts{.proto = 47}, gre)), DecodeStatus::Ok);
  EXPECT_EQ(out_.ip_proto, 47);
  EXPECT_EQ(out_.src_port, 0);
  EXPECT_EQ(out_.payload.size(), 16U);
  EXPECT_EQ(decoder_.counters().other_ip, 1U);
}

TEST_F(DecodeIp, HostileIpv4Lengths) {
  const Bytes good = ipv4(Ipv4Opts{.proto = 17}, udp(1, 2, filled(4)));
  Bytes b = good;
  b[0] = 0x44;  // IHL 4
  EXPECT_EQ(raw(b), DecodeStatus::Malformed);
  b = good;
  b[0] = 0x4F;  // IHL 15 = 60 bytes, beyond the total length of 32
  EXPECT_EQ(raw(b), DecodeStatus::Malformed);
  set16(b, 2, 100);  // ... and beyond the 32 captured
  EXPECT_EQ(raw(b), DecodeStatus::Truncated);
  b = good;
  set16(b, 2, 19);  // total length below the header
  EXPECT_EQ(raw(b), DecodeStatus::Malformed);
  b = good;
  set16(b, 2, static_cast<std::uint32_t>(good.size() + 1));
  EXPECT_EQ(raw(b), DecodeStatus::Truncated);
  b = good;
  set16(b, 2, 24);  // total length cuts the UDP header
  EXPECT_EQ(raw(b), DecodeStatus::Malformed);
  EXPECT_EQ(decoder_.counters().malformed, 4U);
  EXPECT_EQ(decoder_.counters().truncated, 2U);
}

TEST_F(DecodeIp, HostileTransportLengths) {
  for (const int offset : {0x00, 0x40, 0xF0}) {  // data offset 0, 4, 15 (60 > 20)
    Bytes seg = tcp(1, 2, 3, 4, 0x10, 5, {});
    seg[12] = static_cast<std::uint8_t>(offset);
    EXPECT_EQ(raw(ipv4(Ipv4Opts{.proto = 6}, seg)), DecodeStatus::Malformed) << offset;
  }
  for (const std::uint32_t len : {0U, 7U, 13U, 0xFFFFU}) {
    Bytes seg = udp(1, 2, filled(4));
    set16(seg, 4, len);
    EXPECT_EQ(raw(ipv6(17, seg)), DecodeStatus::Malformed) << len;
  }
  EXPECT_EQ(raw(ipv4(Ipv4Opts{.proto = 6}, filled(19))), DecodeStatus::Malformed);
  EXPECT_EQ(raw(ipv4(Ipv4Opts{.proto = 1}, filled(3))), DecodeStatus::Malformed);
}

TEST_F(DecodeIp, Ipv6ExtensionChain) {
  // hop-by-hop -> routing -> destination options -> AH -> TCP
  Bytes ah(16, 0);
  ah[0] = 6;
  ah[1] = 2;  // (2 + 2) * 4 = 16 bytes
  const Bytes seg = tcp(80, 50000, 1, 2, 0x12, 1024, filled(7));
  const Bytes chain = cat({ext_header(43, 0), ext_header(60, 1), ext_header(51, 0), ah, seg});
  ASSERT_EQ(raw(ipv6(0, chain, 3)), DecodeStatus::Ok);
  EXPECT_EQ(out_.ip_proto, 6);
  EXPECT_EQ(out_.ttl, 3);
  EXPECT_EQ(out_.src_port, 80);
  EXPECT_EQ(out_.payload.size(), 7U);
  EXPECT_EQ(out_.ip.size(), 40 + chain.size());
}

TEST_F(DecodeIp, Ipv6EspAndNoNextHeaderEndTheChain) {
  const Bytes esp = filled(24);
  ASSERT_EQ(raw(ipv6(60, cat({ext_header(50, 0), esp}))), DecodeStatus::Ok);
  EXPECT_EQ(out_.ip_proto, 50);
  EXPECT_EQ(out_.src_port, 0);
  EXPECT_EQ(out_.payload.size(), 24U);
  ASSERT_EQ(raw(ipv6(59, Bytes{})), DecodeStatus::Ok);
  EXPECT_EQ(out_.ip_proto, 59);
  EXPECT_TRUE(out_.payload.empty());
}

TEST_F(DecodeIp, Ipv6AtomicFragmentIsAWholePacket) {
  const Bytes chain = cat({fragment_header(17, 0, false, 77), udp(9, 10, filled(2))});
  ASSERT_EQ(raw(ipv6(44, chain)), DecodeStatus::Ok);
  EXPECT_EQ(out_.ip_proto, 17);
  EXPECT_EQ(out_.dst_port, 10);
  EXPECT_FALSE(out_.reassembled);
  EXPECT_EQ(decoder_.counters().fragments, 0U);
}

TEST_F(DecodeIp, HostileIpv6Chains) {
  const Bytes seg = udp(1, 2, {});
  // Hop-by-hop anywhere but first.
  EXPECT_EQ(raw(ipv6(60, cat({ext_header(0, 0), ext_header(17, 0), seg}))),
            DecodeStatus::Malformed);
  // An extension header longer than the datagram.
  Bytes too_long = cat({ext_header(17, 0), seg});
  too_long[1] = 200;
  EXPECT_EQ(raw(ipv6(43, too_long)), DecodeStatus::Malformed);
  EXPECT_EQ(raw(ipv6(60, Bytes{17})), DecodeStatus::Malformed);  // one byte of a header
  Bytes ah(8, 0);
  ah[0] = 17;
  ah[1] = 9;  // 44 bytes claimed
  EXPECT_EQ(raw(ipv6(51, cat({ah, seg}))), DecodeStatus::Malformed);
  // Eight extension headers pass, nine exceed the bound.
  Bytes chain = seg;
  std::uint8_t next = 17;
  for (int i = 0; i < 8; ++i) {
    chain = cat({ext_header(next, 0), chain});
    next = 60;
  }
  EXPECT_EQ(raw(ipv6(60, chain)), DecodeStatus::Ok);
  EXPECT_EQ(raw(ipv6(60, cat({ext_header(60, 0), chain}))), DecodeStatus::Malformed);
  // Payload length beyond the capture; version nibble wrong.
  Bytes b = ipv6(17, seg);
  set16(b, 4, 9);
  EXPECT_EQ(raw(b), DecodeStatus::Truncated);
  b = ipv6(17, seg);
  set16(b, 4, 4);  // payload length cuts the UDP header
  EXPECT_EQ(raw(b), DecodeStatus::Malformed);
}

// Every proper prefix of a valid frame must fail cleanly (ASan checks the reads).
TEST(DecodeTruncation, EveryPrefixFailsCleanly) {
  struct Case {
    LinkType link;
    Bytes frame;
  };
  const Bytes seg = tcp(1, 2, 3, 4, 0x02, 5, filled(6), 2);
  const Bytes v4 = ipv4(Ipv4Opts{.proto = 6, .options = {1, 1, 1, 0}}, seg);
  Bytes ah(16, 0);
  ah[0] = 17;
  ah[1] = 2;
  const Bytes v6 = ipv6(0, cat({ext_header(43, 1), ext_header(51, 0), ah, udp(7, 8, filled(3))}));
  const Bytes v6icmp = ipv6(58, icmp(128, 0, filled(4)));
  const std::vector<Case> cases{
      {LinkType::Ethernet, ethernet(0x0800, v4, {{0x88A8, 5}, {0x8100, 6}})},
      {LinkType::Ethernet, ethernet(0x86DD, v6)},
      {LinkType::LinuxSll, sll(0x86DD, v6icmp)},
      {LinkType::LinuxSll2, sll2(0x0800, ipv4(Ipv4Opts{.proto = 1}, icmp(0, 0, filled(4))))},
      {LinkType::Null, bsd_null(2, true, ipv4(Ipv4Opts{.proto = 17}, udp(1, 2, filled(1))))},
      {LinkType::Loop, bsd_null(30, false, v6)},
      {LinkType::Raw, v4},
      {LinkType::RawIpv6, v6icmp},
  };
  for (const Case& c : cases) {
    PacketDecoder decoder;
    DecodedPacket out;
    ASSERT_EQ(decoder.decode(c.link, c.frame, Timestamp{}, out), DecodeStatus::Ok)
        << link_type_name(c.link);
    for (std::size_t n = 0; n < c.frame.size(); ++n) {
      // A heap copy of exactly n bytes, so ASan flags any read past the prefix.
      const Bytes prefix(c.frame.begin(), c.frame.begin() + static_cast<std::ptrdiff_t>(n));
      const DecodeStatus s = decoder.decode(c.link, prefix, Timestamp{}, out);
      EXPECT_TRUE(s == DecodeStatus::Truncated || s == DecodeStatus::Malformed ||
                  s == DecodeStatus::NotIp)
          << link_type_name(c.link) << " prefix " << n << ": " << decode_status_name(s);
    }
  }
}

}  // namespace
}  // namespace limen::decode
