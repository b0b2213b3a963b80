// Capture-driven tests: the labelled S7 captures in ../shared/pcaps/ics/s7 through the session,
// with the function codes checked against counts taken from tshark 4.0
// (`tshark -r FILE -Y s7comm -T fields -e s7comm.header.rosctr -e s7comm.param.func`).
// libpcap and a minimal in-order TCP payload extractor live in this test only.

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <map>
#include <string>
#include <tuple>

#include "dissectors/packet/packet_decoder.h"
#include "dissectors/s7comm/s7comm_fields.h"
#include "dissectors/s7comm/s7comm_session.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::s7comm {
namespace {

struct Tally final : TransactionSink {
  void on_transaction(const Transaction& t) override {
    ++transactions;
    ++operations[std::string(operation_name(t.operation))];
    const auto* f = t.find(field(S7Field::FunctionCode));
    if (f != nullptr) {
      if (t.has_request) ++requests[f->number];
      if (t.has_response) ++responses[f->number];
      if (t.has_request && t.has_response) ++paired[f->number];
    }
    if (const auto* g = t.find(field(S7Field::UserdataGroup)); g != nullptr) ++groups[g->number];
    if (const auto* p = t.find(field(S7Field::PlusFunction)); p != nullptr)
      ++plus_functions[std::string(t.text(*p))];
    if (const auto* pi = t.find(field(S7Field::PiService)); pi != nullptr)
      ++pi_services[std::string(t.text(*pi))];
    if (const auto* b = t.find(field(S7Field::BlockTypeName)); b != nullptr) {
      const auto* n = t.find(field(S7Field::BlockNumber));
      ++blocks[std::string(t.text(*b)) + std::to_string(n->number)];
    }
    if (const auto* s = t.find(field(S7Field::SzlId)); s != nullptr) ++szl_ids[s->number];
    if (const auto* i = t.find(field(S7Field::PlusIntegrityProtected)); i != nullptr && i->number)
      ++integrity;
  }
  void on_anomaly(const Anomaly& a) override { ++anomalies[std::string(a.reason)]; }

  std::size_t transactions = 0;
  std::size_t integrity = 0;
  std::map<std::string, std::size_t> operations, plus_functions, pi_services, blocks, anomalies;
  std::map<std::uint64_t, std::size_t> requests, responses, paired, groups, szl_ids;
};

struct Side {
  bool started = false;
  std::uint32_t next = 0;
  std::vector<std::uint8_t> held;
};
struct Flow {
  S7commSession session;
  std::array<Side, 2> sides;
};

// Feeds every TCP flow on port 102 of `file` to its own session; in-order payloads only
// (retransmitted bytes are trimmed, a hole is reported as a gap).
Tally analyse(const std::filesystem::path& file) {
  Tally tally;
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(file.c_str(), err);
  EXPECT_NE(p, nullptr) << err;
  if (p == nullptr) return tally;
  const int dlt = pcap_datalink(p);
  const auto link = (dlt == DLT_RAW || dlt == 12 || dlt == 14) ? decode::LinkType::Raw
                                                               : static_cast<decode::LinkType>(dlt);
  decode::PacketDecoder decoder;
  std::map<std::tuple<std::string, std::string, std::uint16_t>, Flow> flows;
  pcap_pkthdr* hdr = nullptr;
  const std::uint8_t* data = nullptr;
  while (pcap_next_ex(p, &hdr, &data) == 1) {
    decode::DecodedPacket pkt;
    const Timestamp ts = Timestamp::from_parts(hdr->ts.tv_sec, hdr->ts.tv_usec);
    if (decoder.decode(link, std::span(data, hdr->caplen), ts, pkt) != decode::DecodeStatus::Ok)
      continue;
    if (pkt.ip_proto != 6 || (pkt.src_port != 102 && pkt.dst_port != 102)) continue;
    const bool to_server = pkt.dst_port == 102;
    const auto key = to_server ? std::make_tuple(pkt.src.to_string(), pkt.dst.to_string(),
                                                 pkt.src_port)
                               : std::make_tuple(pkt.dst.to_string(), pkt.src.to_string(),
                                                 pkt.dst_port);
    Flow& flow = flows[key];
    const Direction dir = to_server ? Direction::ToServer : Direction::ToClient;
    Side& side = flow.sides[static_cast<std::size_t>(dir)];
    std::uint32_t seq = pkt.tcp_seq;
    if ((pkt.tcp_flags & 0x02) != 0) {  // SYN
      side.started = true;
      side.next = seq + 1;
      continue;
    }
    auto payload = pkt.payload;
    if (payload.empty()) continue;
    if (!side.started) {
      side.started = true;
      side.next = seq;
    }
    const auto ahead = static_cast<std::int32_t>(seq - side.next);
    if (ahead < 0) {  // retransmission or overlap: keep only new bytes
      const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(ahead));
      if (old >= payload.size()) continue;
      payload = payload.subspan(old);
      seq = side.next;
    } else if (ahead > 0) {
      flow.session.on_gap(dir, static_cast<std::size_t>(ahead));
      side.held.clear();
    }
    side.next = seq + static_cast<std::uint32_t>(payload.size());
    side.held.insert(side.held.end(), payload.begin(), payload.end());
    const std::size_t used = flow.session.on_data(dir, side.held, ts, tally);
    side.held.erase(side.held.begin(), side.held.begin() + static_cast<std::ptrdiff_t>(used));
  }
  pcap_close(p);
  for (auto& [key, flow] : flows) flow.session.on_close(Timestamp{}, tally);
  return tally;
}

std::string dump(const Tally& t) {
  std::string s;
  for (const auto& [k, v] : t.requests) s += " req" + std::to_string(k) + "=" + std::to_string(v);
  for (const auto& [k, v] : t.responses)
    s += " resp" + std::to_string(k) + "=" + std::to_string(v);
  for (const auto& [k, v] : t.operations) s += " " + k + "=" + std::to_string(v);
  for (const auto& [k, v] : t.groups) s += " group" + std::to_string(k) + "=" + std::to_string(v);
  for (const auto& [k, v] : t.plus_functions) s += " " + k + "=" + std::to_string(v);
  for (const auto& [k, v] : t.pi_services) s += " pi:" + k + "=" + std::to_string(v);
  for (const auto& [k, v] : t.blocks) s += " block:" + k + "=" + std::to_string(v);
  for (const auto& [k, v] : t.anomalies) s += " anomaly[" + k + "]=" + std::to_string(v);
  return s;
}

#define S7_CAPTURE(var, name)                                 \
  LIMEN_REQUIRE_SHARED_PCAPS(var##_dir);                      \
  const Tally var = analyse(var##_dir / "ics/s7" / (name));   \
  SCOPED_TRACE(dump(var))

// Every capture decodes without an anomaly: the shared set is clean traffic.
TEST(S7commPcap, NoAnomaliesOnAnyCapture) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(pcaps / "ics/s7")) {
    const auto ext = entry.path().extension();
    if (ext != ".pcap" && ext != ".pcapng") continue;
    ++files;
    const Tally t = analyse(entry.path());
    EXPECT_TRUE(t.anomalies.empty()) << entry.path().filename() << dump(t);
  }
  EXPECT_GE(files, 30U);
}

TEST(S7commPcap, PlcStop) {
  for (const char* name : {"snap7_s300_stop.pcapng", "step7_s300_stop.pcapng"}) {
    S7_CAPTURE(t, name);
    EXPECT_EQ(t.paired.at(0x29), 1U);
    EXPECT_EQ(t.operations.at("stop"), 1U);
    EXPECT_EQ(t.pi_services.at("P_PROGRAM"), 1U);
  }
}

TEST(S7commPcap, Step7Download) {
  S7_CAPTURE(t, "step7_s300_download.pcapng");
  for (const std::uint64_t f : {0x1AU, 0x1BU, 0x1CU, 0x28U, 0xF0U}) EXPECT_EQ(t.paired.at(f), 1U);
  EXPECT_GE(t.operations.at("program"), 4U);
  EXPECT_EQ(t.pi_services.at("_INSE"), 1U);
  EXPECT_EQ(t.blocks.at("db1"), 4U);
  EXPECT_EQ(t.groups.at(3), 40U);  // block functions: list blocks / block info
}

TEST(S7commPcap, DownloadsMatchTshark) {
  {
    S7_CAPTURE(t, "tia_s300_downloadHwConfig.pcapng");
    const std::map<std::uint64_t, std::size_t> jobs{{0x1A, 7}, {0x1B, 13}, {0x1C, 7},
                                                    {0x28, 12}, {0x29, 1}, {0xF0, 6}};
    EXPECT_EQ(t.requests, jobs);
    EXPECT_EQ(t.responses, jobs);
    EXPECT_EQ(t.pi_services.at("_DELE"), 3U);
    EXPECT_EQ(t.blocks.at("sdb0"), 4U);
  }
  {
    S7_CAPTURE(t, "tia_s300_downloadOb1.pcapng");
    EXPECT_EQ(t.paired.at(0x1B), 2U);
    EXPECT_EQ(t.blocks.at("ob1"), 5U);
  }
  {
    S7_CAPTURE(t, "s7comm_downloading_block_db1.pcap");
    EXPECT_EQ(t.requests.at(0x1B), 3U);
    EXPECT_EQ(t.blocks.at("db1"), 6U);
  }
}

TEST(S7commPcap, UploadStartAndPiServices) {
  S7_CAPTURE(t, "snap7_s300_everything.pcapng");
  const std::map<std::uint64_t, std::size_t> jobs{{0x04, 2}, {0x05, 2}, {0x1D, 5}, {0x1E, 4},
                                                  {0x1F, 4}, {0x28, 3}, {0x29, 1}, {0xF0, 1}};
  EXPECT_EQ(t.requests, jobs);
  EXPECT_EQ(t.operations.at("start"), 1U);  // PI P_PROGRAM
  EXPECT_EQ(t.operations.at("stop"), 1U);
  EXPECT_EQ(t.pi_services.at("_GARB"), 1U);
  EXPECT_EQ(t.pi_services.at("_MODU"), 1U);
  EXPECT_EQ(t.groups.at(7), 2U);  // time functions
  S7_CAPTURE(copy, "step7_s300_copyRamToRom.pcapng");
  EXPECT_EQ(copy.pi_services.at("_MODU"), 1U);
  EXPECT_EQ(copy.operations.at("program"), 1U);
}

TEST(S7commPcap, ReadWriteVarMatchTshark) {
  {
    S7_CAPTURE(t, "s7comm_varservice_libnodavedemo_bench.pcap");
    EXPECT_EQ(t.paired.at(0x04), 3000U);
    EXPECT_EQ(t.paired.at(0x05), 2002U);
    EXPECT_EQ(t.operations.at("write"), 2002U);
  }
  {
    S7_CAPTURE(t, "wincc_s400_production.pcapng");
    EXPECT_EQ(t.requests.at(0x04), 84U);
    EXPECT_EQ(t.requests.at(0x05), 27U);
    EXPECT_EQ(t.groups.at(2), 996U);  // cyclic data: subscriptions and their pushes
  }
  {
    S7_CAPTURE(t, "S7Comm/s7comm_clean.pcap");
    EXPECT_EQ(t.requests.at(0x04), 2637U);
    EXPECT_GE(t.responses.at(0x04), 2625U);
  }
}

TEST(S7commPcap, Userdata) {
  {
    S7_CAPTURE(t, "step7_s300_AuthPassword.pcapng");
    EXPECT_EQ(t.operations.at("auth"), 1U);
    EXPECT_EQ(t.groups.at(5), 1U);
  }
  {
    S7_CAPTURE(t, "s7comm_reading_plc_status.pcap");
    EXPECT_EQ(t.groups.at(4), 70U);
    EXPECT_EQ(t.szl_ids.at(0x0074), 7U);  // module LED status, as tshark lists
  }
  {
    S7_CAPTURE(t, "s7comm_program_blocklist_onlineview.pcap");
    EXPECT_EQ(t.groups.at(3), 19U);
    EXPECT_GE(t.operations.at("discovery"), 15U);
  }
  {
    S7_CAPTURE(t, "s7comm_reading_setting_plc_time.pcap");
    EXPECT_EQ(t.groups.at(7), 6U);
    EXPECT_EQ(t.operations.at("write"), 1U);  // set clock
  }
}

TEST(S7commPcap, S7commPlusRecognised) {
  {
    S7_CAPTURE(t, "S7-1200-Uploading-OB1-TIAV12.pcap");
    EXPECT_EQ(t.plus_functions.at("create_object"), 2U);
    EXPECT_EQ(t.plus_functions.at("explore"), 2U);
    EXPECT_EQ(t.plus_functions.at("get_multi_variables"), 31U);
    EXPECT_EQ(t.integrity, 0U);
  }
  {
    S7_CAPTURE(t, "s7-1200-hmi.pcap");
    EXPECT_EQ(t.plus_functions.at("set_multi_variables"), 2U);
    EXPECT_EQ(t.operations.at("write"), 2U);
  }
  {
    S7_CAPTURE(t, "V13_1200_TP1200sim_MW100_Int_SPS_5s_MW102_Int_SPS_10s_MW102_ab_1000_"
                  "Timer_sync.pcapng");
    EXPECT_EQ(t.plus_functions.at("set_variable"), 10U);
    EXPECT_EQ(t.operations.at("report"), 32U);  // notifications
  }
}

}  // namespace
}  // namespace limen::dissect::s7comm
