// Real BACnet/IP capture from ../shared/pcaps/ics/BACnet through the session. Expected values
// were taken from tshark (`tshark -r F -T fields -e bacapp.type -e bacapp.confirmed_service
// -e bacapp.property_identifier -e bvlc.function`) and by reading the frames.

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "dissectors/bacnet/bacnet_constants.h"
#include "dissectors/bacnet/bacnet_session.h"
#include "dissectors/packet/packet_decoder.h"
#include "tests/dissectors/bacnet/bacnet_test_util.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::bacnet {
namespace {

using test::RecordingSink;

struct Datagram {
  std::size_t flow = 0;
  Direction dir = Direction::ToServer;
  std::vector<std::uint8_t> bytes;
};

// Test-only UDP extraction: every datagram to or from `port`, grouped into flows by their
// endpoint pair; the first sender of a flow is its client (ToServer).
std::vector<Datagram> udp_datagrams(const std::filesystem::path& file, std::uint16_t port,
                                    std::size_t& flows) {
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  pcap_t* p = pcap_open_offline(file.c_str(), err.data());
  if (p == nullptr) {
    ADD_FAILURE() << file << ": " << err.data();
    return {};
  }
  const auto link = static_cast<decode::LinkType>(pcap_datalink(p));
  using Endpoint = std::tuple<IpAddress, std::uint16_t>;
  std::map<std::tuple<Endpoint, Endpoint>, std::size_t> ids;
  std::vector<Endpoint> clients;
  std::vector<Datagram> out;
  decode::PacketDecoder decoder;
  decode::DecodedPacket pkt;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &hdr, &data) == 1) {
    const Timestamp ts = Timestamp::from_parts(hdr->ts.tv_sec, hdr->ts.tv_usec);
    if (decoder.decode(link, std::span(data, hdr->caplen), ts, pkt) != decode::DecodeStatus::Ok)
      continue;
    if (pkt.ip_proto != decode::kProtoUdp) continue;
    if (pkt.dst_port != port && pkt.src_port != port) continue;
    const Endpoint src{pkt.src, pkt.src_port}, dst{pkt.dst, pkt.dst_port};
    const auto key = src < dst ? std::tuple{src, dst} : std::tuple{dst, src};
    auto [it, fresh] = ids.try_emplace(key, clients.size());
    if (fresh) clients.push_back(src);
    out.push_back(Datagram{it->second,
                           clients[it->second] == src ? Direction::ToServer : Direction::ToClient,
                           {pkt.payload.begin(), pkt.payload.end()}});
  }
  pcap_close(p);
  flows = clients.size();
  return out;
}

TEST(BacnetPcap, ReadPropertyScanAndBbmdRequests) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto file = pcaps / "ics" / "BACnet" / "bacnet_test.pcap";
  std::size_t flow_count = 0;
  const auto datagrams = udp_datagrams(file, kPort, flow_count);
  ASSERT_EQ(datagrams.size(), 26U);  // tshark: 26 frames, all UDP to or from 47808
  std::vector<BacnetSession> sessions(flow_count);
  RecordingSink sink;
  for (const Datagram& d : datagrams)
    EXPECT_EQ(sessions[d.flow].on_data(d.dir, d.bytes, Timestamp{}, sink), d.bytes.size());
  SessionCounters totals;
  for (auto& s : sessions) {
    s.on_close(Timestamp{}, sink);
    totals.requests += s.counters().requests;
    totals.unanswered += s.counters().unanswered;
    totals.unmatched_responses += s.counters().unmatched_responses;
  }
  // Frames 1, 2, 23, 24 are empty UDP probes from ephemeral ports: anomalies, not BACnet.
  EXPECT_EQ(sink.anomalies.size(), 4U);
  for (const auto& a : sink.anomalies) EXPECT_EQ(a, "datagram shorter than a BVLC header");
  // tshark: 9 readProperty requests (bacapp.type 0, service 12), each with a complex ack
  // (type 3), then Read-BDT answered by BVLC-Result 0x0020 and Register-Foreign-Device (TTL
  // 16) answered by 0x0030.
  ASSERT_EQ(sink.transactions.size(), 11U);
  EXPECT_EQ(totals.requests, 11U);
  EXPECT_EQ(totals.unanswered, 0U);
  EXPECT_EQ(totals.unmatched_responses, 0U);
  const std::array<unsigned, 9> properties{75, 120, 121, 44, 12, 77, 70, 28, 58};
  for (std::size_t i = 0; i < properties.size(); ++i) {
    const std::string& t = sink.transactions[i];
    EXPECT_EQ(sink.operations[i], Operation::Read);
    EXPECT_EQ(t.rfind("read req resp ", 0), 0U) << t;
    EXPECT_NE(t.find("service_name=read_property object_type=8 object_type_name=device "
                     "object_instance=4194303 property=" + std::to_string(properties[i]) +
                     " response_pdu=complex_ack"),
              std::string::npos)
        << t;
  }
  EXPECT_NE(sink.transactions[9].find("bvlc=read_broadcast_distribution_table bvlc_result=32"),
            std::string::npos) << sink.transactions[9];
  EXPECT_EQ(sink.operations[10], Operation::Session);
  EXPECT_NE(sink.transactions[10].find("bvlc=register_foreign_device bvlc_result=48"),
            std::string::npos) << sink.transactions[10];
}

}  // namespace
}  // namespace limen::dissect::bacnet
