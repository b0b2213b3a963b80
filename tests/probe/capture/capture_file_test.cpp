// File replay: link types, packet contents, timestamps (µs and ns files), burst semantics and
// a real pcapng capture.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

#include "probe/capture/packet_source.h"
#include "tests/probe/capture/capture_test_support.h"
#include "tests/probe/capture/pcap_file_builder.h"
#include "tests/support/test_paths.h"

namespace limen::capture {
namespace {

using decode::LinkType;
using testing::CollectingHandler;
using testing::drain;
using testing::PcapFileBuilder;

class CaptureFileTest : public testing::TempDirTest {
 protected:
  CaptureFileTest() : TempDirTest("capture-file") {}
};

constexpr std::array<std::uint8_t, 4> kA{0x45, 0x00, 0x00, 0x14};
constexpr std::array<std::uint8_t, 6> kB{1, 2, 3, 4, 5, 6};
constexpr std::array<std::uint8_t, 1> kC{0xff};

TEST(CaptureLinkType, MapsEveryDecodedDlt) {
  struct Case {
    int dlt;
    LinkType expected;
  };
  for (const Case c :
       {Case{0, LinkType::Null}, Case{1, LinkType::Ethernet}, Case{12, LinkType::Raw},
        Case{14, LinkType::Raw}, Case{101, LinkType::Raw}, Case{108, LinkType::Loop},
        Case{113, LinkType::LinuxSll}, Case{228, LinkType::RawIpv4}, Case{229, LinkType::RawIpv6},
        Case{276, LinkType::LinuxSll2}}) {
    LinkType out = LinkType::Ethernet;
    ASSERT_TRUE(link_type_from_dlt(c.dlt, out)) << c.dlt;
    EXPECT_EQ(out, c.expected) << c.dlt;
  }
  for (int dlt : {-1, 6, 105, 127, 147, 195, 65535}) {
    LinkType out = LinkType::Ethernet;
    EXPECT_FALSE(link_type_from_dlt(dlt, out)) << dlt;
  }
}

TEST_F(CaptureFileTest, ReportsEachSupportedLinkType) {
  struct Case {
    std::uint32_t linktype;
    LinkType expected;
  };
  for (const Case c :
       {Case{0, LinkType::Null}, Case{1, LinkType::Ethernet}, Case{101, LinkType::Raw},
        Case{108, LinkType::Loop}, Case{113, LinkType::LinuxSll}, Case{228, LinkType::RawIpv4},
        Case{229, LinkType::RawIpv6}, Case{276, LinkType::LinuxSll2}}) {
    const auto path = dir_ / ("link" + std::to_string(c.linktype) + ".pcap");
    PcapFileBuilder(c.linktype).add(1, 0, kA).write(path);
    std::string error;
    auto source = open_file(path, error);
    ASSERT_NE(source, nullptr) << c.linktype << ": " << error;
    EXPECT_EQ(source->link_type(), c.expected) << c.linktype;
    EXPECT_EQ(source->name(), path.string());
    EXPECT_TRUE(source->warning().empty());
    CollectingHandler handler;
    EXPECT_EQ(drain(*source, handler), ReadStatus::End);
    EXPECT_EQ(handler.packets.size(), 1U);
  }
}

TEST_F(CaptureFileTest, DeliversPacketsBytesAndMicrosecondTimestamps) {
  const auto path = dir_ / "us.pcap";
  PcapFileBuilder(1)
      .add(1'700'000'000, 1, kA)
      .add(1'700'000'001, 999'999, kB, 1500)  // snapped: 6 of 1500 bytes captured
      .add(0, 0, kC)
      .write(path);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  EXPECT_EQ(drain(*source, handler), ReadStatus::End);
  ASSERT_EQ(handler.packets.size(), 3U);
  EXPECT_EQ(handler.packets[0].ts.usec, 1'700'000'000'000'001);
  EXPECT_EQ(handler.packets[0].wire_length, 4U);
  EXPECT_EQ(handler.packets[0].data, std::vector<std::uint8_t>(kA.begin(), kA.end()));
  EXPECT_EQ(handler.packets[1].ts.usec, 1'700'000'001'999'999);
  EXPECT_EQ(handler.packets[1].wire_length, 1500U);
  EXPECT_EQ(handler.packets[1].data, std::vector<std::uint8_t>(kB.begin(), kB.end()));
  EXPECT_EQ(handler.packets[2].ts.usec, 0);
  EXPECT_EQ(handler.packets[2].data, std::vector<std::uint8_t>(kC.begin(), kC.end()));

  const CaptureStats stats = source->stats();
  EXPECT_EQ(stats.packets, 3U);
  EXPECT_EQ(stats.bytes, kA.size() + kB.size() + kC.size());
  EXPECT_FALSE(stats.drops_known);
  // End is stable: a finished file keeps saying so and delivers nothing more.
  EXPECT_EQ(source->dispatch(handler, 64), ReadStatus::End);
  EXPECT_EQ(handler.packets.size(), 3U);
  EXPECT_TRUE(source->error().empty());
}

TEST_F(CaptureFileTest, ConvertsNanosecondTimestampsToMicroseconds) {
  const auto path = dir_ / "ns.pcap";
  PcapFileBuilder(1, /*nanosecond=*/true)
      .add(1'600'000'000, 123'456'789, kA)
      .add(1'600'000'000, 999'999'999, kB)
      .write(path);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  EXPECT_EQ(drain(*source, handler), ReadStatus::End);
  ASSERT_EQ(handler.packets.size(), 2U);
  EXPECT_EQ(handler.packets[0].ts.usec, 1'600'000'000'123'456);
  EXPECT_EQ(handler.packets[1].ts.usec, 1'600'000'000'999'999);
}

TEST_F(CaptureFileTest, DeliversAtMostOneBurstPerDispatch) {
  const auto path = dir_ / "burst.pcap";
  PcapFileBuilder builder(1);
  for (std::uint32_t i = 0; i < 5; ++i) builder.add(i, 0, kA);
  builder.write(path);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  EXPECT_EQ(source->dispatch(handler, 2), ReadStatus::Packets);
  EXPECT_EQ(handler.packets.size(), 2U);
  EXPECT_EQ(source->dispatch(handler, 0), ReadStatus::Packets);  // below 1 counts as 1
  EXPECT_EQ(handler.packets.size(), 3U);
  EXPECT_EQ(source->dispatch(handler, 2), ReadStatus::Packets);
  EXPECT_EQ(handler.packets.size(), 5U);
  EXPECT_EQ(source->dispatch(handler, 2), ReadStatus::End);
  EXPECT_EQ(handler.packets.size(), 5U);
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(handler.packets[i].ts.usec, static_cast<std::int64_t>(i) * 1'000'000);
}

TEST_F(CaptureFileTest, BreakLoopInterruptsTheNextDispatch) {
  const auto path = dir_ / "break.pcap";
  PcapFileBuilder(1).add(1, 0, kA).add(2, 0, kA).write(path);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  source->break_loop();
  EXPECT_EQ(source->dispatch(handler, 64), ReadStatus::Interrupted);
  EXPECT_TRUE(handler.packets.empty());
  // The request is consumed: reading resumes where it stopped.
  EXPECT_EQ(drain(*source, handler), ReadStatus::End);
  EXPECT_EQ(handler.packets.size(), 2U);
}

TEST(CaptureRealFile, ReadsPcapngFromTheSharedCaptures) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto path = pcaps / "ics" / "s7" / "step7_s300_download.pcapng";
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  EXPECT_EQ(source->link_type(), LinkType::Ethernet);
  CollectingHandler handler;
  EXPECT_EQ(drain(*source, handler, 7), ReadStatus::End);
  // Second opinion from tshark/capinfos: 96 packets, 11445 bytes, first at
  // 1446829856.336026 (79 bytes), last at 1446829872.149136.
  ASSERT_EQ(handler.packets.size(), 96U);
  EXPECT_EQ(source->stats().bytes, 11445U);
  EXPECT_EQ(handler.packets.front().ts.usec, 1'446'829'856'336'026);
  EXPECT_EQ(handler.packets.front().wire_length, 79U);
  EXPECT_EQ(handler.packets.front().data.size(), 79U);
  EXPECT_EQ(handler.packets.back().ts.usec, 1'446'829'872'149'136);
  EXPECT_TRUE(source->error().empty());
}

}  // namespace
}  // namespace limen::capture
