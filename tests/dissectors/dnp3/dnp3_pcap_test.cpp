// DNP3 on real captures (../shared/pcaps/ics/dnp3 and ics/bro/dnp3): each labelled file must
// give the operation its name says, with function codes as tshark decodes them. libpcap is used
// here only; TCP payload is put in order per direction by a small extractor (retransmitted bytes
// dropped, holes reported as gaps), standing in for the stream reassembler.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "dissectors/dnp3/dnp3_fields.h"
#include "dissectors/dnp3/dnp3_session.h"
#include "dissectors/packet/packet_decoder.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::dnp3 {
namespace {

// What the test keeps of each transaction.
struct Seen {
  std::uint64_t function = 0;
  std::uint64_t response_function = 0;  // 0 when no response
  Operation operation = Operation::Unknown;
};

class CollectSink final : public TransactionSink {
 public:
  void on_transaction(const Transaction& t) override {
    Seen s;
    s.operation = t.operation;
    if (const auto* v = t.find(field_id(Dnp3Field::FunctionCode))) s.function = v->number;
    if (const auto* v = t.find(field_id(Dnp3Field::ResponseFunctionCode)))
      s.response_function = v->number;
    seen.push_back(s);
  }
  void on_anomaly(const Anomaly& a) override { anomalies.emplace_back(a.reason); }
  std::vector<Seen> seen;
  std::vector<std::string> anomalies;
};

struct Side {
  bool started = false;
  std::uint32_t next = 0;  // next expected TCP sequence number
  std::vector<std::uint8_t> held;
};
struct Flow {
  Dnp3Session session;
  std::array<Side, 2> sides;
};
using Key = std::tuple<IpAddress, std::uint16_t, IpAddress, std::uint16_t>;

struct PcapResult {
  std::vector<Seen> seen;
  std::vector<std::string> anomalies;
  std::uint64_t frames = 0;
};

void deliver(Flow& f, Direction dir, std::span<const std::uint8_t> data, CollectSink& sink) {
  auto& held = f.sides[static_cast<std::size_t>(dir)].held;
  held.insert(held.end(), data.begin(), data.end());
  const std::size_t used = f.session.on_data(dir, held, Timestamp{}, sink);
  held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(used));
}

PcapResult run_pcap(const std::filesystem::path& file) {
  PcapResult out;
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  std::unique_ptr<pcap_t, decltype(&pcap_close)> pcap(pcap_open_offline(file.c_str(), err.data()),
                                                      &pcap_close);
  EXPECT_NE(pcap, nullptr) << err.data();
  if (!pcap) return out;
  const auto link = static_cast<decode::LinkType>(pcap_datalink(pcap.get()));
  decode::PacketDecoder decoder;
  CollectSink sink;
  std::map<Key, std::unique_ptr<Flow>> flows;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(pcap.get(), &hdr, &data) == 1) {
    decode::DecodedPacket pkt;
    if (decoder.decode(link, {data, hdr->caplen}, Timestamp{}, pkt) != decode::DecodeStatus::Ok)
      continue;
    if (pkt.ip_proto != 6 && pkt.ip_proto != 17) continue;
    // The side on a DNP3 port (20000, or 20001 in one Bro capture) is the server.
    const bool to_server = pkt.dst_port == 20000 || pkt.dst_port == 20001;
    const Key key = to_server ? Key{pkt.src, pkt.src_port, pkt.dst, pkt.dst_port}
                              : Key{pkt.dst, pkt.dst_port, pkt.src, pkt.src_port};
    auto& flow = flows[key];
    if (!flow) flow = std::make_unique<Flow>();
    const Direction dir = to_server ? Direction::ToServer : Direction::ToClient;
    if (pkt.ip_proto == 17) {
      flow->session.on_data(dir, pkt.payload, Timestamp{}, sink);
      continue;
    }
    Side& side = flow->sides[static_cast<std::size_t>(dir)];
    const bool syn = (pkt.tcp_flags & 0x02) != 0;
    if (syn) {
      side.started = true;
      side.next = pkt.tcp_seq + 1;
      continue;
    }
    if (pkt.payload.empty()) continue;
    if (!side.started) {
      side.started = true;
      side.next = pkt.tcp_seq;
    }
    auto payload = pkt.payload;
    const auto delta = static_cast<std::int32_t>(pkt.tcp_seq - side.next);
    if (delta < 0) {  // retransmitted bytes: keep only what is new
      const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(delta));
      if (old >= payload.size()) continue;
      payload = payload.subspan(old);
    } else if (delta > 0) {
      flow->session.on_gap(dir, static_cast<std::size_t>(delta));
      side.held.clear();
    }
    side.next = pkt.tcp_seq + static_cast<std::uint32_t>(pkt.payload.size());
    deliver(*flow, dir, payload, sink);
  }
  for (auto& [key, flow] : flows) {
    flow->session.on_close(Timestamp{}, sink);
    out.frames += flow->session.stats().frames;
  }
  out.seen = std::move(sink.seen);
  out.anomalies = std::move(sink.anomalies);
  if (std::getenv("LIMEN_DNP3_DUMP") != nullptr) {
    std::cout << file << ": " << out.frames << " frames\n";
    for (const Seen& s : out.seen)
      std::cout << "  " << s.function << " -> " << s.response_function << " "
                << operation_name(s.operation) << "\n";
    for (const auto& a : out.anomalies) std::cout << "  anomaly: " << a << "\n";
  }
  return out;
}

bool has(const PcapResult& r, std::uint64_t function, Operation op) {
  for (const Seen& s : r.seen)
    if (s.function == function && s.operation == op) return true;
  return false;
}

struct Labelled {
  const char* file;
  std::uint64_t function;
  Operation operation;
};

TEST(Dnp3Pcap, LabelledCapturesNameTheirOperation) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  using enum Operation;
  const std::vector<Labelled> cases{
      {"ics/dnp3/cold_restart_and_response.pcap", 13, Restart},
      {"ics/dnp3/warm_restart_and_response.pcap", 14, Restart},
      {"ics/dnp3/file_delete.pcap", 27, File},
      {"ics/dnp3/file_read.pcap", 25, File},
      {"ics/dnp3/file_write.pcap", 25, File},
      {"ics/dnp3/file_list_directory.pcap", 1, Read},
      {"ics/dnp3/read_and_response.pcap", 1, Read},
      {"ics/dnp3/write_iin_and_response.pcap", 2, Write},
      {"ics/dnp3/write_binary_output.pcap", 2, Write},
      {"ics/dnp3/write_vto_empty_string.pcap", 2, Write},
      {"ics/dnp3/select_operate_and_responses.pcap", 3, Control},
      {"ics/dnp3/select_operate_and_responses.pcap", 4, Control},
      {"ics/dnp3/directoperate_and_response.pcap", 5, Control},
      {"ics/dnp3/direct_operate_analog_output.pcap", 5, Control},
      {"ics/dnp3/direct_operate_no_ack_crob.pcap", 6, Control},
      {"ics/dnp3/operate_aggressive_mode.pcap", 5, Control},
      {"ics/dnp3/immediate_freeze.pcap", 7, Control},
      {"ics/dnp3/enable_unsolicited_and_response.pcap", 20, Write},
      {"ics/dnp3/disable_unsolcited_and_response.pcap", 21, Write},
      {"ics/dnp3/assign_class.pcap", 22, Write},
      {"ics/dnp3/unsolcited_response_and_confirm.pcap", 130, Report},
      {"ics/dnp3/serial_time_sync.pcap", 23, Diagnostic},
      {"ics/dnp3/lan_time_sync.pcap", 24, Diagnostic},
      {"ics/dnp3/auth_change_session_keys.pcap", 32, Auth},
      {"ics/dnp3/auth_control_challenge_response.pcap", 5, Control},
      {"ics/dnp3/auth_control_challenge_response.pcap", 131, Auth},
      {"ics/bro/dnp3/dnp3_del_measure.pcap", 23, Diagnostic},
      {"ics/bro/dnp3/dnp3_en_spon.pcap", 20, Write},
      {"ics/bro/dnp3/dnp3_file_del.pcap", 27, File},
      {"ics/bro/dnp3/dnp3_rec_time.pcap", 24, Diagnostic},
      {"ics/bro/dnp3/dnp3_select_operate.pcap", 4, Control},
      {"ics/bro/dnp3/dnp3_write.pcap", 2, Write},
      {"ics/bro/dnp3/dnp3_read.pcap", 1, Read},
      {"ics/bro/dnp3/dnp3.pcap", 13, Restart},
  };
  for (const Labelled& c : cases) {
    const auto r = run_pcap(pcaps / c.file);
    EXPECT_TRUE(has(r, c.function, c.operation))
        << c.file << ": no " << function_name(static_cast<std::uint8_t>(c.function)) << " / "
        << operation_name(c.operation);
  }
}

TEST(Dnp3Pcap, ExchangesArePairedLikeTshark) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  // cold_restart_and_response: tshark shows func 13 then 129, both sequence 0.
  auto r = run_pcap(pcaps / "ics/dnp3/cold_restart_and_response.pcap");
  ASSERT_EQ(r.seen.size(), 1U);
  EXPECT_EQ(r.seen[0].function, 13U);
  EXPECT_EQ(r.seen[0].response_function, 129U);
  EXPECT_TRUE(r.anomalies.empty());
  // select_operate_and_responses: 3/129 seq 0 then 4/129 seq 1.
  r = run_pcap(pcaps / "ics/dnp3/select_operate_and_responses.pcap");
  ASSERT_EQ(r.seen.size(), 2U);
  EXPECT_EQ(r.seen[0].function, 3U);
  EXPECT_EQ(r.seen[1].function, 4U);
  EXPECT_EQ(r.seen[1].response_function, 129U);
  // file_read: open (25), read (1), close (26), each answered.
  r = run_pcap(pcaps / "ics/dnp3/file_read.pcap");
  ASSERT_EQ(r.seen.size(), 3U);
  EXPECT_EQ(r.seen[0].function, 25U);
  EXPECT_EQ(r.seen[1].function, 1U);
  EXPECT_EQ(r.seen[2].function, 26U);
  for (const Seen& s : r.seen) EXPECT_EQ(s.response_function, 129U);
}

TEST(Dnp3Pcap, EveryCaptureDecodesWithoutCrcErrors) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  std::size_t files = 0;
  for (const char* dir : {"ics/dnp3", "ics/bro/dnp3"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(pcaps / dir)) {
      if (e.path().extension() != ".pcap") continue;
      ++files;
      const auto r = run_pcap(e.path());
      for (const auto& a : r.anomalies)
        EXPECT_NE(a, "link data CRC mismatch") << e.path();
    }
  }
  EXPECT_GT(files, 100U);
}

}  // namespace
}  // namespace limen::dissect::dnp3
