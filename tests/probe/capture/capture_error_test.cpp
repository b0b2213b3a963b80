// File replay errors: every way a capture file fails to open or read gives one line naming the
// file and the cause; damage part-way delivers the packets before it, then Error.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "probe/capture/packet_source.h"
#include "tests/probe/capture/capture_test_support.h"
#include "tests/probe/capture/pcap_file_builder.h"
#include "tests/support/test_paths.h"

namespace limen::capture {
namespace {

using testing::CollectingHandler;
using testing::drain;
using testing::PcapFileBuilder;

class CaptureFileErrorTest : public testing::TempDirTest {
 protected:
  CaptureFileErrorTest() : TempDirTest("capture-error") {}
  // Opening must fail: returns the message (and checks no source came back).
  static std::string open_error(const std::filesystem::path& path) {
    std::string error;
    auto source = open_file(path, error);
    EXPECT_EQ(source, nullptr) << path;
    return error;
  }
};

// Three records of 10, 20 and 30 bytes: 24 + (16+10) + (16+20) + (16+30) = 132 bytes.
PcapFileBuilder three_packets() {
  PcapFileBuilder builder(1);
  const std::array<std::uint8_t, 30> payload{};
  builder.add(1, 0, std::span(payload).first(10));
  builder.add(2, 0, std::span(payload).first(20));
  builder.add(3, 0, std::span(payload).first(30));
  return builder;
}

TEST_F(CaptureFileErrorTest, MissingFile) {
  const auto path = dir_ / "missing.pcap";
  EXPECT_EQ(open_error(path), path.string() + ": cannot open (No such file or directory)");
}

TEST_F(CaptureFileErrorTest, Directory) {
  EXPECT_EQ(open_error(dir_), dir_.string() + ": is a directory, not a capture file");
}

TEST_F(CaptureFileErrorTest, EmptyFile) {
  const auto path = dir_ / "empty.pcap";
  std::ofstream(path).close();
  EXPECT_EQ(open_error(path), path.string() + ": empty file, not a pcap or pcapng file");
}

TEST_F(CaptureFileErrorTest, UnreadableFile) {
  const auto path = dir_ / "secret.pcap";
  three_packets().write(path);
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  const auto error = testing::run_unprivileged([&] {
    std::string message;
    auto source = open_file(path, message);
    return source ? std::string("opened") : message;
  });
  ASSERT_TRUE(error.has_value()) << "could not run the check as user nobody";
  EXPECT_EQ(*error, path.string() + ": cannot open (Permission denied)");
}

TEST_F(CaptureFileErrorTest, NotACapture) {
  const auto path = dir_ / "notes.pcap";
  std::ofstream(path) << "this is a text file, not a capture\n";
  EXPECT_EQ(open_error(path), path.string() + ": not a pcap or pcapng file (unknown file format)");
}

TEST_F(CaptureFileErrorTest, TruncatedFileHeader) {
  const auto path = dir_ / "header.pcap";
  three_packets().write(path, 10);
  EXPECT_EQ(open_error(path),
            path.string() +
                ": truncated capture file header (truncated dump file; tried to read "
                "24 file header bytes, only got 6)");
}

TEST_F(CaptureFileErrorTest, UnsupportedLinkTypeFromWrittenFile) {
  const auto path = dir_ / "user0.pcap";
  const std::array<std::uint8_t, 1> byte{0};
  PcapFileBuilder(147).add(1, 0, byte).write(path);
  EXPECT_EQ(open_error(path), path.string() + ": unsupported link type 147 (unknown to libpcap)");
}

TEST_F(CaptureFileErrorTest, UnsupportedLinkTypeFromSharedZigbeeCapture) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto path = pcaps / "ics" / "Zigbee" / "control4-sample.pcap";
  const std::string error = open_error(path);
  // libpcap names DLT 195 "IEEE802_15_4" (1.10) or "IEEE802_15_4_WITHFCS" (other releases).
  const std::string prefix = path.string() + ": unsupported link type 195 (IEEE802_15_4";
  EXPECT_TRUE(error == prefix + ")" || error == prefix + "_WITHFCS)") << error;
}

TEST_F(CaptureFileErrorTest, TruncatedInsideARecordDeliversThePacketsBefore) {
  const auto path = dir_ / "cut.pcap";
  three_packets().write(path, 132 - 5);  // the last record lacks 5 of its 30 bytes
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  // The burst that meets the damage still reports its packets; the error comes next call.
  EXPECT_EQ(source->dispatch(handler, 64), ReadStatus::Packets);
  EXPECT_EQ(handler.packets.size(), 2U);
  EXPECT_EQ(source->dispatch(handler, 64), ReadStatus::Error);
  EXPECT_EQ(source->error(),
            path.string() +
                ": truncated capture after packet 2 (truncated dump file; tried to "
                "read 30 captured bytes, only got 25)");
  // Sticky: no more packets and the same error.
  EXPECT_EQ(source->dispatch(handler, 64), ReadStatus::Error);
  EXPECT_EQ(handler.packets.size(), 2U);
  EXPECT_EQ(source->stats().packets, 2U);
  EXPECT_EQ(source->stats().bytes, 30U);
}

TEST_F(CaptureFileErrorTest, TruncatedInsideARecordHeader) {
  const auto path = dir_ / "cut-header.pcap";
  three_packets().write(path, 24 + 26 + 5);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  EXPECT_EQ(drain(*source, handler, 1), ReadStatus::Error);
  EXPECT_EQ(handler.packets.size(), 1U);
  EXPECT_EQ(source->error(),
            path.string() +
                ": truncated capture after packet 1 (truncated dump file; tried to "
                "read 16 header bytes, only got 5)");
}

TEST_F(CaptureFileErrorTest, EveryPrefixEitherFailsCleanlyOrReadsWholeRecords) {
  const PcapFileBuilder builder = three_packets();
  const std::array<std::size_t, 4> boundaries{24, 50, 86, 132};
  const auto path = dir_ / "prefix.pcap";
  for (std::size_t length = 0; length <= builder.bytes().size(); ++length) {
    builder.write(path, length);
    std::string error;
    auto source = open_file(path, error);
    if (length < 24) {
      ASSERT_EQ(source, nullptr) << length;
      EXPECT_EQ(error.rfind(path.string() + ": ", 0), 0U) << error;
      continue;
    }
    ASSERT_NE(source, nullptr) << length << ": " << error;
    CollectingHandler handler;
    const ReadStatus status = drain(*source, handler);
    std::size_t whole = 0;
    while (whole + 1 < boundaries.size() && boundaries[whole + 1] <= length) ++whole;
    EXPECT_EQ(handler.packets.size(), whole) << length;
    const bool at_boundary =
        std::find(boundaries.begin(), boundaries.end(), length) != boundaries.end();
    EXPECT_EQ(status, at_boundary ? ReadStatus::End : ReadStatus::Error) << length;
    if (!at_boundary) {
      EXPECT_EQ(source->error().rfind(path.string() + ": truncated capture after packet " +
                                          std::to_string(whole) + " (",
                                      0),
                0U)
          << source->error();
    }
  }
}

TEST_F(CaptureFileErrorTest, AbsurdCaptureLengthIsAnErrorNotACrash) {
  const auto path = dir_ / "absurd.pcap";
  const std::array<std::uint8_t, 8> bytes{};
  PcapFileBuilder(1).add(1, 0, bytes).add_raw(2, 0, 0xffffffff, 0xffffffff, bytes).write(path);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  EXPECT_EQ(drain(*source, handler), ReadStatus::Error);
  EXPECT_EQ(handler.packets.size(), 1U);
  EXPECT_EQ(source->error(), path.string() +
                                 ": damaged capture after packet 1 (invalid packet capture "
                                 "length 4294967295, bigger than snaplen of 65535)");
}

TEST_F(CaptureFileErrorTest, RecordLongerThanSnaplenIsCutToSnaplen) {
  const auto path = dir_ / "oversnap.pcap";
  const std::array<std::uint8_t, 200> big{};
  const std::array<std::uint8_t, 5> small{9, 9, 9, 9, 9};
  PcapFileBuilder(1, false, /*snaplen=*/100).add(1, 0, big).add(2, 0, small).write(path);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  EXPECT_EQ(drain(*source, handler), ReadStatus::End);
  ASSERT_EQ(handler.packets.size(), 2U);
  EXPECT_EQ(handler.packets[0].data.size(), 100U);
  EXPECT_EQ(handler.packets[0].wire_length, 200U);
  // The excess was skipped, so the next record is read from the right place.
  EXPECT_EQ(handler.packets[1].data, std::vector<std::uint8_t>(small.begin(), small.end()));
}

TEST_F(CaptureFileErrorTest, WireLengthNeverBelowCapturedLength) {
  const auto path = dir_ / "short-wire.pcap";
  const std::array<std::uint8_t, 10> bytes{};
  PcapFileBuilder(1).add(1, 0, bytes, /*wire_length=*/5).write(path);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  EXPECT_EQ(drain(*source, handler), ReadStatus::End);
  ASSERT_EQ(handler.packets.size(), 1U);
  EXPECT_EQ(handler.packets[0].data.size(), 10U);
  EXPECT_EQ(handler.packets[0].wire_length, 10U);
}

TEST_F(CaptureFileErrorTest, TruncatedPcapngFromTheSharedCaptures) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto original = pcaps / "ics" / "s7" / "step7_s300_download.pcapng";
  const auto path = dir_ / "cut.pcapng";
  std::filesystem::copy_file(original, path);
  std::filesystem::resize_file(path, 400);  // inside the fourth packet's block
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  EXPECT_EQ(drain(*source, handler), ReadStatus::Error);
  EXPECT_EQ(handler.packets.size(), 3U);
  EXPECT_EQ(source->error().rfind(path.string() + ": truncated capture after packet 3 (", 0), 0U)
      << source->error();
}

}  // namespace
}  // namespace limen::capture
