// The fuzz seeds are meaningful: each one, read in the fuzz target's format, yields a packet.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "dissectors/packet/packet_decoder.h"
#include "tests/support/test_paths.h"

namespace limen::decode {
namespace {

TEST(DecodeCorpus, EverySeedDecodesToAPacket) {
  // Link index table of fuzz_packet_decoder.cpp.
  const LinkType links[] = {LinkType::Null,     LinkType::Ethernet, LinkType::Raw,
                            LinkType::Loop,     LinkType::LinuxSll, LinkType::RawIpv4,
                            LinkType::RawIpv6,  LinkType::LinuxSll2};
  const auto dir = testing::source_dir() / "tests/dissectors/corpus/packet_decoder";
  std::size_t seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    ASSERT_GE(bytes.size(), 3U) << entry.path();
    ASSERT_LT(bytes[0], std::size(links)) << entry.path();
    PacketDecoder decoder;
    DecodedPacket out;
    std::size_t pos = 1, ok = 0;
    while (pos + 2 <= bytes.size()) {
      const std::size_t n = std::size_t{bytes[pos]} << 8 | bytes[pos + 1];
      ASSERT_LE(pos + 2 + n, bytes.size()) << entry.path();
      const auto frame = std::span(bytes).subspan(pos + 2, n);
      if (decoder.decode(links[bytes[0]], frame, Timestamp{}, out) == DecodeStatus::Ok) ++ok;
      pos += 2 + n;
    }
    EXPECT_EQ(pos, bytes.size()) << entry.path();
    EXPECT_EQ(ok, 1U) << entry.path();
    ++seeds;
  }
  EXPECT_GE(seeds, 8U);
}

}  // namespace
}  // namespace limen::decode
