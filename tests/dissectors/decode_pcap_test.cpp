// Real captures from ../shared/pcaps through the decoder. Expected numbers were checked by hand
// against tshark (`tshark -r F -Y "ip or ipv6" | wc -l`, with and without ip.defragment).

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <array>
#include <filesystem>
#include <optional>
#include <string>

#include "dissectors/packet/packet_decoder.h"
#include "tests/support/test_paths.h"

namespace limen::decode {
namespace {

struct Tally {
  std::size_t frames = 0;
  std::array<std::size_t, 5> status{};  // by DecodeStatus
  DecodeCounters counters;
  [[nodiscard]] std::size_t of(DecodeStatus s) const { return status[static_cast<int>(s)]; }
};

// pcap_datalink() reports DLT_* values; they equal LINKTYPE_* except for raw IP, whose DLT
// number differs between systems (12 on most, 14 on OpenBSD).
LinkType link_of(int dlt) {
  if (dlt == DLT_RAW || dlt == 12 || dlt == 14) return LinkType::Raw;
  return static_cast<LinkType>(dlt);
}

std::optional<Tally> decode_file(const std::filesystem::path& file) {
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  pcap_t* p = pcap_open_offline(file.c_str(), err.data());
  if (p == nullptr) {
    ADD_FAILURE() << file << ": " << err.data();
    return std::nullopt;
  }
  const LinkType link = link_of(pcap_datalink(p));
  PacketDecoder decoder;
  DecodedPacket out;
  Tally t;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &hdr, &data) == 1) {
    const Timestamp ts = Timestamp::from_parts(hdr->ts.tv_sec, hdr->ts.tv_usec);
    const DecodeStatus s = decoder.decode(link, std::span(data, hdr->caplen), ts, out);
    ++t.frames;
    ++t.status[static_cast<std::size_t>(s)];
    if (s == DecodeStatus::Ok) {
      EXPECT_TRUE(out.src.valid());
      EXPECT_LE(out.ip.size(), out.reassembled ? FragmentReassembler::kMaxDatagram : hdr->caplen);
    }
  }
  pcap_close(p);
  t.counters = decoder.counters();
  return t;
}

TEST(DecodePcap, DnpConformanceOverBsdNull) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto dir = pcaps / "ics/dnp3/opendnp3-3/conformance";
  std::size_t files = 0, frames = 0, tcp = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().filename() != "dump.pcap") continue;
    const auto t = decode_file(entry.path());
    ASSERT_TRUE(t) << entry.path();
    ++files;
    frames += t->frames;
    tcp += t->counters.tcp;
    EXPECT_EQ(t->of(DecodeStatus::Ok), t->frames) << entry.path();
  }
  EXPECT_EQ(files, 159U);
  EXPECT_EQ(frames, 3197U);  // tshark: 3197 frames, all TCP
  EXPECT_EQ(tcp, 3197U);
}

struct Expected {
  const char* file;
  std::size_t frames, ok, tcp, udp;
};

TEST(DecodePcap, CookedRawAndNullCapturesMatchTshark) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const Expected cases[] = {
      // Linux SLL; tshark's "udp" says 37: it also counts the UDP header an ICMP error quotes.
      {"it/pcap/KakaoTalk_chat.pcap", 347, 347, 310, 36},
      {"it/pcap/log4j-webapp-exploit.pcap", 426, 422, 422, 0},  // SLL, 4 frames without IP
      {"it/pcap/rtsp.pcap", 568, 568, 568, 0},                  // SLL
      {"it/pcap/quic-v2.pcapng", 19, 19, 0, 19},                // SLL, pcapng
      {"it/pcap/ocs.pcap", 946, 946, 938, 8},                   // raw IP
      {"it/pcap/nats.pcap", 27, 27, 27, 0},                     // BSD NULL
      {"it/pcap/http_ipv6.pcap", 193, 193, 128, 65},            // Ethernet, IPv6
  };
  for (const Expected& e : cases) {
    const auto t = decode_file(pcaps / e.file);
    ASSERT_TRUE(t) << e.file;
    EXPECT_EQ(t->frames, e.frames) << e.file;
    EXPECT_EQ(t->of(DecodeStatus::Ok), e.ok) << e.file;
    EXPECT_EQ(t->counters.tcp, e.tcp) << e.file;
    EXPECT_EQ(t->counters.udp, e.udp) << e.file;
    EXPECT_EQ(t->counters.malformed, 0U) << e.file;
  }
}

TEST(DecodePcap, DnsFragmentsReassemble) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  // tshark: 4 IPv4 and 3 IPv6 DNS responses in two fragments each; "tcp" 20, "udp" 39.
  const auto t = decode_file(pcaps / "it/pcap/dns_fragmented.pcap");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->frames, 66U);
  EXPECT_EQ(t->counters.fragments, 14U);
  EXPECT_EQ(t->counters.reassembled, 7U);
  EXPECT_EQ(t->of(DecodeStatus::FragmentHeld), 7U);
  EXPECT_EQ(t->of(DecodeStatus::Ok), 59U);
  EXPECT_EQ(t->counters.udp, 39U);
  EXPECT_EQ(t->counters.tcp, 20U);
}

TEST(DecodePcap, FragmentGarbageReassemblesLikeTshark) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  // 1252 IPv4 fragments of garbage TCP. tshark completes four 5000-byte datagrams (frames 313,
  // 626, 939, 1252); two of them have a bogus TCP header length (16 and 8).
  const auto t = decode_file(pcaps / "it/pcap/ip_fragmented_garbage.pcap");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->frames, 1252U);
  EXPECT_EQ(t->counters.fragments, 1252U);
  EXPECT_EQ(t->counters.reassembled, 4U);
  EXPECT_EQ(t->of(DecodeStatus::FragmentHeld), 1248U);
  EXPECT_EQ(t->of(DecodeStatus::Ok), 2U);
  EXPECT_EQ(t->of(DecodeStatus::Malformed), 2U);
  EXPECT_EQ(t->counters.frag_malformed, 0U);
}

}  // namespace
}  // namespace limen::decode
