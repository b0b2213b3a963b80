// Link layers: Ethernet (+ 802.3, VLAN, QinQ), Linux SLL/SLL2, BSD NULL/LOOP, raw IP.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dissectors/packet/packet_decoder.h"
#include "tests/dissectors/frame_builder.h"

namespace limen::decode {
namespace {

using namespace test;

class DecodeLink : public ::testing::Test {
 protected:
  DecodeStatus run(LinkType link, const Bytes& frame) {
    return decoder_.decode(link, frame, Timestamp::from_seconds(1), out_);
  }
  static Bytes udp4() {
    const Bytes payload = filled(5);
    return ipv4(Ipv4Opts{.proto = 17}, udp(1000, 53, payload));
  }
  static Bytes udp6() {
    const Bytes payload = filled(3);
    return ipv6(17, udp(2000, 5353, payload));
  }
  void expect_udp4() {
    EXPECT_TRUE(out_.src.is_v4());
    EXPECT_EQ(out_.src.to_string(), "10.0.0.1");
    EXPECT_EQ(out_.dst.to_string(), "10.0.0.2");
    EXPECT_EQ(out_.ip_proto, 17);
    EXPECT_EQ(out_.src_port, 1000);
    EXPECT_EQ(out_.dst_port, 53);
    EXPECT_EQ(out_.payload.size(), 5U);
    EXPECT_EQ(out_.ip.size(), 20U + 8 + 5);
  }
  void expect_udp6() {
    EXPECT_TRUE(out_.src.is_v6());
    EXPECT_EQ(out_.src.to_string(), "2001:db8::1");
    EXPECT_EQ(out_.src_port, 2000);
    EXPECT_EQ(out_.dst_port, 5353);
    EXPECT_EQ(out_.payload.size(), 3U);
  }
  PacketDecoder decoder_;
  DecodedPacket out_;
};

TEST_F(DecodeLink, EthernetIpv4AndIpv6) {
  ASSERT_EQ(run(LinkType::Ethernet, ethernet(0x0800, udp4())), DecodeStatus::Ok);
  expect_udp4();
  EXPECT_EQ(out_.vlan_count, 0);
  ASSERT_EQ(run(LinkType::Ethernet, ethernet(0x86DD, udp6())), DecodeStatus::Ok);
  expect_udp6();
  EXPECT_EQ(decoder_.counters().ipv4, 1U);
  EXPECT_EQ(decoder_.counters().ipv6, 1U);
  EXPECT_EQ(decoder_.counters().udp, 2U);
}

TEST_F(DecodeLink, EthernetPaddingIsTrimmed) {
  const Bytes ip = ipv4(Ipv4Opts{.proto = 6}, tcp(1, 2, 3, 4, 0x02, 5, {}));
  Bytes frame = ethernet(0x0800, ip);
  frame.resize(frame.size() + 6, 0xEE);  // minimum-size padding
  ASSERT_EQ(run(LinkType::Ethernet, frame), DecodeStatus::Ok);
  EXPECT_EQ(out_.ip.size(), 40U);
  EXPECT_TRUE(out_.payload.empty());
}

TEST_F(DecodeLink, NonIpFramesAreNotIp) {
  const Bytes arp = filled(28);
  EXPECT_EQ(run(LinkType::Ethernet, ethernet(0x0806, arp)), DecodeStatus::NotIp);
  // 802.3: a length instead of a type, LLC after it (STP here).
  const Bytes llc{0x42, 0x42, 0x03, 0, 0, 0};
  EXPECT_EQ(run(LinkType::Ethernet, ethernet(0x0026, llc)), DecodeStatus::NotIp);
  EXPECT_EQ(run(LinkType::Ethernet, ethernet(0x88CC, llc)), DecodeStatus::NotIp);  // LLDP
  EXPECT_EQ(decoder_.counters().not_ip, 3U);
  EXPECT_EQ(decoder_.counters().unknown_link, 0U);
}

TEST_F(DecodeLink, VlanAndQinQ) {
  ASSERT_EQ(run(LinkType::Ethernet, ethernet(0x0800, udp4(), {{0x8100, 42}})), DecodeStatus::Ok);
  EXPECT_EQ(out_.vlan_count, 1);
  EXPECT_EQ(out_.vlan[0], 42);
  expect_udp4();
  for (const std::uint16_t outer : {std::uint16_t{0x88A8}, std::uint16_t{0x9100}}) {
    ASSERT_EQ(run(LinkType::Ethernet, ethernet(0x86DD, udp6(), {{outer, 100}, {0x8100, 4095}})),
              DecodeStatus::Ok);
    EXPECT_EQ(out_.vlan_count, 2);
    EXPECT_EQ(out_.vlan[0], 100);
    EXPECT_EQ(out_.vlan[1], 4095);
    expect_udp6();
  }
  // Deeper stacks up to the bound decode; the outer two ids are kept.
  ASSERT_EQ(run(LinkType::Ethernet,
                ethernet(0x0800, udp4(), {{0x88A8, 1}, {0x8100, 2}, {0x8100, 3}, {0x8100, 4}})),
            DecodeStatus::Ok);
  EXPECT_EQ(out_.vlan_count, 2);
  EXPECT_EQ(out_.vlan[1], 2);
  EXPECT_EQ(run(LinkType::Ethernet, ethernet(0x0800, udp4(),
                                             {{0x88A8, 1}, {0x8100, 2}, {0x8100, 3},
                                              {0x8100, 4}, {0x8100, 5}})),
            DecodeStatus::Malformed);
  // A tagged non-IP frame is still NotIp, and still counted as tagged.
  EXPECT_EQ(run(LinkType::Ethernet, ethernet(0x0806, filled(28), {{0x8100, 7}})),
            DecodeStatus::NotIp);
  EXPECT_EQ(out_.vlan[0], 7);
  EXPECT_EQ(decoder_.counters().vlan, 6U);
}

TEST_F(DecodeLink, EthertypeDisagreeingWithVersionIsMalformed) {
  EXPECT_EQ(run(LinkType::Ethernet, ethernet(0x0800, udp6())), DecodeStatus::Malformed);
  EXPECT_EQ(run(LinkType::Ethernet, ethernet(0x86DD, udp4())), DecodeStatus::Malformed);
}

TEST_F(DecodeLink, LinuxCooked) {
  ASSERT_EQ(run(LinkType::LinuxSll, sll(0x0800, udp4())), DecodeStatus::Ok);
  expect_udp4();
  ASSERT_EQ(run(LinkType::LinuxSll, sll(0x86DD, udp6())), DecodeStatus::Ok);
  expect_udp6();
  ASSERT_EQ(run(LinkType::LinuxSll, sll(0x8100, cat({Bytes{0, 9, 0x08, 0x00}, udp4()}))),
            DecodeStatus::Ok);
  EXPECT_EQ(out_.vlan[0], 9);
  EXPECT_EQ(run(LinkType::LinuxSll, sll(0x0004, filled(20))), DecodeStatus::NotIp);  // 802.2
  EXPECT_EQ(run(LinkType::LinuxSll, sll(0x0800, udp4(), 824)), DecodeStatus::NotIp);  // netlink
  ASSERT_EQ(run(LinkType::LinuxSll2, sll2(0x0800, udp4())), DecodeStatus::Ok);
  expect_udp4();
  ASSERT_EQ(run(LinkType::LinuxSll2, sll2(0x86DD, udp6())), DecodeStatus::Ok);
  expect_udp6();
  EXPECT_EQ(run(LinkType::LinuxSll2, sll2(0x0806, filled(28))), DecodeStatus::NotIp);
}

TEST_F(DecodeLink, BsdNullInBothByteOrders) {
  for (const bool little : {true, false}) {
    ASSERT_EQ(run(LinkType::Null, bsd_null(2, little, udp4())), DecodeStatus::Ok) << little;
    expect_udp4();
    for (const std::uint32_t af6 : {24U, 28U, 30U}) {
      ASSERT_EQ(run(LinkType::Null, bsd_null(af6, little, udp6())), DecodeStatus::Ok) << af6;
      expect_udp6();
    }
    EXPECT_EQ(run(LinkType::Null, bsd_null(7, little, udp4())), DecodeStatus::NotIp);
  }
}

TEST_F(DecodeLink, BsdLoopIsNetworkOrder) {
  ASSERT_EQ(run(LinkType::Loop, bsd_null(2, false, udp4())), DecodeStatus::Ok);
  expect_udp4();
  ASSERT_EQ(run(LinkType::Loop, bsd_null(24, false, udp6())), DecodeStatus::Ok);
  expect_udp6();
  EXPECT_EQ(run(LinkType::Loop, bsd_null(2, true, udp4())), DecodeStatus::NotIp);
}

TEST_F(DecodeLink, RawIp) {
  ASSERT_EQ(run(LinkType::Raw, udp4()), DecodeStatus::Ok);
  expect_udp4();
  ASSERT_EQ(run(LinkType::Raw, udp6()), DecodeStatus::Ok);
  expect_udp6();
  Bytes bad = udp4();
  bad[0] = 0x55;
  EXPECT_EQ(run(LinkType::Raw, bad), DecodeStatus::Malformed);
  EXPECT_EQ(run(LinkType::Raw, Bytes{}), DecodeStatus::Truncated);
  ASSERT_EQ(run(LinkType::RawIpv4, udp4()), DecodeStatus::Ok);
  expect_udp4();
  ASSERT_EQ(run(LinkType::RawIpv6, udp6()), DecodeStatus::Ok);
  expect_udp6();
  EXPECT_EQ(run(LinkType::RawIpv4, udp6()), DecodeStatus::Malformed);
  EXPECT_EQ(run(LinkType::RawIpv6, udp4()), DecodeStatus::Malformed);
}

TEST_F(DecodeLink, UnknownLinkTypeIsCountedNotIp) {
  EXPECT_EQ(run(static_cast<LinkType>(195), udp4()), DecodeStatus::NotIp);  // 802.15.4
  EXPECT_EQ(decoder_.counters().unknown_link, 1U);
  EXPECT_EQ(decoder_.counters().not_ip, 1U);
}

TEST_F(DecodeLink, CountersListEveryFieldOnce) {
  ASSERT_EQ(run(LinkType::Ethernet, ethernet(0x0800, udp4(), {{0x8100, 1}})), DecodeStatus::Ok);
  EXPECT_EQ(run(LinkType::Ethernet, ethernet(0x0806, filled(28))), DecodeStatus::NotIp);
  std::vector<std::string> names;
  std::uint64_t sum = 0;
  decoder_.counters().for_each([&](std::string_view name, std::uint64_t value) {
    names.emplace_back(name);
    sum += value;
  });
  EXPECT_EQ(names.size(), sizeof(DecodeCounters) / sizeof(std::uint64_t));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  EXPECT_EQ(sum, 2U + 1 + 1 + 1 + 1);  // packets 2, ipv4, udp, vlan, not_ip
}

TEST_F(DecodeLink, Names) {
  EXPECT_EQ(link_type_name(LinkType::Ethernet), "ethernet");
  EXPECT_EQ(link_type_name(LinkType::LinuxSll2), "linux_sll2");
  EXPECT_EQ(link_type_name(static_cast<LinkType>(9999)), "unknown");
  EXPECT_EQ(decode_status_name(DecodeStatus::FragmentHeld), "fragment_held");
  EXPECT_EQ(decode_status_name(DecodeStatus::Malformed), "malformed");
}

}  // namespace
}  // namespace limen::decode
