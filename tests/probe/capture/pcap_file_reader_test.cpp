// PcapFileReader against libpcap itself: on every shared capture and on crafted files (both byte
// orders, nanoseconds, negative times, records cut to the snapshot length, every kind of damage
// at every length), open_file must deliver exactly what pcap_next_ex delivers and stop after the
// same packet with libpcap's own description of the damage.

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "probe/capture/packet_source.h"
#include "probe/capture/pcap_file_reader.h"
#include "tests/probe/capture/capture_test_support.h"
#include "tests/probe/capture/pcap_file_builder.h"
#include "tests/support/test_paths.h"

namespace limen::capture {
namespace {

using testing::CollectingHandler;
using testing::CopiedPacket;
using testing::PcapFileBuilder;

struct Reading {
  std::vector<CopiedPacket> packets;
  bool clean_end = false;
  std::string error;  // libpcap's text, or ours (which quotes libpcap's in parentheses)
};

Reading read_with_libpcap(const std::filesystem::path& path) {
  Reading out;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (handle == nullptr) {
    out.error = errbuf;
    return out;
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(handle, &header, &data)) == 1) {
    out.packets.push_back({Timestamp::from_parts(header->ts.tv_sec, header->ts.tv_usec),
                           std::max(header->len, header->caplen),
                           {data, data + header->caplen}});
  }
  out.clean_end = rc == PCAP_ERROR_BREAK;
  if (!out.clean_end) out.error = pcap_geterr(handle);
  pcap_close(handle);
  return out;
}

Reading read_with_probe(const std::filesystem::path& path, bool& used_reader) {
  Reading out;
  std::string error;
  auto source = open_file(path, error);
  used_reader = dynamic_cast<PcapFileReader*>(source.get()) != nullptr;
  if (!source) {
    out.error = error;
    return out;
  }
  CollectingHandler handler;
  const ReadStatus status = testing::drain(*source, handler, 7);
  out.packets = std::move(handler.packets);
  out.clean_end = status == ReadStatus::End;
  if (!out.clean_end) out.error = source->error();
  return out;
}

// Same packets, same end; a damaged file fails after the same packet with libpcap's words.
::testing::AssertionResult same_as_libpcap(const std::filesystem::path& path,
                                           bool expect_reader = true) {
  bool used_reader = false;
  const Reading ours = read_with_probe(path, used_reader);
  const Reading theirs = read_with_libpcap(path);
  if (!ours.clean_end && ours.packets.empty() &&
      ours.error.find(": unsupported link type ") != std::string::npos)
    return ::testing::AssertionSuccess();  // refused at open, as the capture tests check
  if (used_reader != expect_reader)
    return ::testing::AssertionFailure()
           << path << ": read " << (used_reader ? "by PcapFileReader" : "by libpcap");
  const std::size_t n = std::min(ours.packets.size(), theirs.packets.size());
  for (std::size_t i = 0; i < n; ++i) {
    const CopiedPacket& a = ours.packets[i];
    const CopiedPacket& b = theirs.packets[i];
    if (a.ts.usec != b.ts.usec || a.wire_length != b.wire_length || a.data != b.data)
      return ::testing::AssertionFailure()
             << path << ": packet " << i + 1 << " differs (time " << a.ts.usec << " vs "
             << b.ts.usec << ", wire " << a.wire_length << " vs " << b.wire_length << ", captured "
             << a.data.size() << " vs " << b.data.size() << ")";
  }
  if (ours.packets.size() != theirs.packets.size())
    return ::testing::AssertionFailure()
           << path << ": " << ours.packets.size() << " packets, libpcap " << theirs.packets.size();
  if (ours.clean_end != theirs.clean_end)
    return ::testing::AssertionFailure()
           << path << ": ours " << (ours.clean_end ? "ends" : ours.error) << "; libpcap "
           << (theirs.clean_end ? "ends" : theirs.error);
  if (!ours.clean_end && ours.packets.size() + theirs.packets.size() != 0 &&
      ours.error.find("(" + theirs.error + ")") == std::string::npos)
    return ::testing::AssertionFailure()
           << path << ": " << ours.error << "; libpcap says " << theirs.error;
  return ::testing::AssertionSuccess();
}

class PcapFileReaderTest : public testing::TempDirTest {
 protected:
  PcapFileReaderTest() : TempDirTest("pcap-reader") {}
  std::filesystem::path file(const std::string& name) { return dir_ / name; }
};

TEST_F(PcapFileReaderTest, EverySharedCaptureReadsAsLibpcapReadsIt) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  std::size_t classic = 0, other = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(pcaps)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".pcap" && ext != ".pcapng" && ext != ".cap")) continue;
    bool used_reader = false;
    read_with_probe(entry.path(), used_reader);
    ++(used_reader ? classic : other);
    EXPECT_TRUE(same_as_libpcap(entry.path(), used_reader));
  }
  // The shared set holds hundreds of classic files; if none took the reader, it is not used.
  EXPECT_GT(classic, 100U);
  EXPECT_GT(other, 10U);
}

PcapFileBuilder varied(bool nanosecond, bool big_endian, std::uint32_t snaplen = 65535) {
  PcapFileBuilder builder(1, nanosecond, snaplen, big_endian);
  std::vector<std::uint8_t> bytes(3000);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7);
  builder.add(1'700'000'000, nanosecond ? 999'999'999 : 999'999, std::span(bytes).first(60));
  builder.add(0xfffffff0, 5, std::span(bytes).first(1), 1500);  // past 2038: unsigned
  builder.add(3, 0x80000000, std::span(bytes).first(0));  // a fraction with its top bit set; empty
  builder.add(4, 1, std::span(bytes).first(3000), 9000);
  builder.add(5, 2, std::span(bytes).first(100), 10);  // wire length below captured
  return builder;
}

TEST_F(PcapFileReaderTest, ByteOrdersAndPrecisionsMatchLibpcap) {
  for (const bool nanosecond : {false, true}) {
    for (const bool big_endian : {false, true}) {
      const auto path = file("v" + std::to_string(nanosecond) + std::to_string(big_endian));
      varied(nanosecond, big_endian).write(path);
      EXPECT_TRUE(same_as_libpcap(path)) << nanosecond << big_endian;
    }
  }
}

TEST_F(PcapFileReaderTest, SnapshotLengthsMatchLibpcap) {
  // 0 and above the maximum mean "the maximum" to libpcap; 100 cuts the 3000-byte record.
  for (const std::uint32_t snaplen : {0U, 100U, 3000U, 262144U, 262145U, 0xffffffffU}) {
    const auto path = file("snap" + std::to_string(snaplen));
    varied(false, snaplen % 2 == 1, snaplen).write(path);
    EXPECT_TRUE(same_as_libpcap(path)) << snaplen;
  }
}

TEST_F(PcapFileReaderTest, EveryPrefixFailsAsLibpcapFails) {
  // Cuts inside headers, inside kept bytes and inside the bytes skipped past the snapshot.
  const PcapFileBuilder builder = varied(true, true, 100);
  const auto path = file("prefix.pcap");
  for (std::size_t length = 24; length <= builder.bytes().size(); ++length) {
    builder.write(path, length);
    ASSERT_TRUE(same_as_libpcap(path)) << length;
  }
}

TEST_F(PcapFileReaderTest, AbsurdLengthsMatchLibpcap) {
  const std::array<std::uint8_t, 8> bytes{};
  for (const std::uint32_t caplen : {262144U, 262145U, 0x7fffffffU, 0xffffffffU}) {
    const auto path = file("absurd" + std::to_string(caplen));
    PcapFileBuilder(1, false, 1000)
        .add(1, 0, bytes)
        .add_raw(2, 0, caplen, caplen, bytes)
        .write(path);
    EXPECT_TRUE(same_as_libpcap(path)) << caplen;
  }
}

TEST_F(PcapFileReaderTest, RecordsAcrossBufferRefillsArriveWhole) {
  // Some 40 MB of records of every size up to the maximum, so many land across the edge of a
  // refill and a few are larger than what is left of the buffer.
  PcapFileBuilder builder(1, false, 262144);
  std::vector<std::uint8_t> bytes(262144);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i ^ (i >> 8));
  std::uint32_t size = 1;
  for (std::uint32_t i = 0; i < 400; ++i) {
    size = (size * 2654435761U + 12345U) % 262145U;
    builder.add(i, i, std::span(bytes).first(i % 5 == 0 ? size : size % 1600));
  }
  const auto path = file("refills.pcap");
  builder.write(path);
  EXPECT_TRUE(same_as_libpcap(path));
}

// Large files are read ahead by a second thread, one block at a time: damage far into the file,
// in the middle of a block or of a record, is found exactly where libpcap finds it.
TEST_F(PcapFileReaderTest, DamageFarIntoALargeFileFailsAsLibpcapFails) {
  PcapFileBuilder builder(1, false, 262144);
  std::vector<std::uint8_t> bytes(70000);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7);
  for (std::uint32_t i = 0; i < 600; ++i)
    builder.add(i, i, std::span(bytes).first(60 + (i * 7919U) % 69000));
  const std::size_t total = builder.bytes().size();  // some 20 MB
  const auto path = file("large-damaged.pcap");
  for (const std::size_t length :
       {total, total - 1, total - 16, total / 2, total / 2 + 9, std::size_t{770048 + 24},
        std::size_t{770048 + 24 + 5}, std::size_t{3 * 770048 + 100}}) {
    builder.write(path, length);
    EXPECT_TRUE(same_as_libpcap(path)) << length;
  }
}

TEST_F(PcapFileReaderTest, ALargeFileThatGrowsAfterItsEndIsReadOn) {
  // As libpcap does for a capture still being written: after the end, a later read takes what
  // was added since.
  PcapFileBuilder builder(1, false, 65535);
  std::vector<std::uint8_t> bytes(1500, 0x42);
  for (std::uint32_t i = 0; i < 4000; ++i) builder.add(i, 0, bytes);  // 6 MB
  const auto path = file("growing.pcap");
  const std::size_t first = 24 + 2500 * (16 + 1500);
  builder.write(path, first);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_TRUE(source) << error;
  CollectingHandler handler;
  EXPECT_EQ(testing::drain(*source, handler), ReadStatus::End) << source->error();
  EXPECT_EQ(handler.packets.size(), 2500U);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(builder.bytes().data() + first),
              static_cast<std::streamsize>(builder.bytes().size() - first));
  }
  EXPECT_EQ(testing::drain(*source, handler), ReadStatus::End);
  ASSERT_EQ(handler.packets.size(), 4000U);
  EXPECT_EQ(handler.packets.back().ts.usec, 3999 * kUsecPerSecond);
}

TEST_F(PcapFileReaderTest, OtherFormatsStayWithLibpcap) {
  // Version 2.3 (lengths possibly swapped), and a file too short for its header.
  PcapFileBuilder old(1);
  std::vector<std::uint8_t> bytes = old.bytes();
  bytes[6] = 3;
  const auto path = file("v23.pcap");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  EXPECT_TRUE(same_as_libpcap(path, /*expect_reader=*/false));
  EXPECT_FALSE(classic_pcap_format(std::span(bytes).first(23)).has_value());
  EXPECT_TRUE(classic_pcap_format(PcapFileBuilder(1).bytes()).has_value());
}

TEST_F(PcapFileReaderTest, BreakLoopEndsTheBurstAndIsConsumedOnce) {
  const auto path = file("break.pcap");
  varied(false, false).write(path);
  std::string error;
  auto source = open_file(path, error);
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  ASSERT_EQ(source->dispatch(handler, 2), ReadStatus::Packets);
  source->break_loop();
  EXPECT_EQ(source->dispatch(handler, 2), ReadStatus::Interrupted);
  EXPECT_EQ(testing::drain(*source, handler), ReadStatus::End);
  EXPECT_EQ(handler.packets.size(), 5U);
  EXPECT_EQ(source->stats().packets, 5U);
  EXPECT_EQ(source->stats().bytes, 60U + 1 + 0 + 3000 + 100);
}

}  // namespace
}  // namespace limen::capture
