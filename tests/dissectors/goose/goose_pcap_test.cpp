// GOOSE capture tests: the shared IEC 61850 captures read with libpcap (test only), Ethernet and
// VLAN tags stripped here, one GooseSession per publisher (source MAC, APPID, gocbRef) as the
// probe will key them. Expected values come from tshark (`-Y goose -T fields -e goose.stNum
// -e goose.sqNum ...`): frame counts, sums of stNum and sqNum, publishers and state changes.

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "dissectors/goose/goose_constants.h"
#include "dissectors/goose/goose_decoder.h"
#include "dissectors/goose/goose_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::goose {
namespace {

struct Result {
  std::size_t frames = 0;
  std::size_t decoded = 0;
  std::uint64_t st_sum = 0;
  std::uint64_t sq_sum = 0;
  std::map<std::string, GooseSession> sessions;
  testing::RecordingSink sink;
};

Result run(const std::filesystem::path& file) {
  Result out;
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  pcap_t* p = pcap_open_offline(file.c_str(), err.data());
  if (p == nullptr) {
    ADD_FAILURE() << file << ": " << err.data();
    return out;
  }
  EXPECT_EQ(pcap_datalink(p), DLT_EN10MB);
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &hdr, &data) == 1) {
    const std::span<const std::uint8_t> frame(data, hdr->caplen);
    if (frame.size() < 14) continue;
    std::size_t off = 12;
    auto type = static_cast<std::uint16_t>((frame[off] << 8) | frame[off + 1]);
    while ((type == 0x8100 || type == 0x88A8) && off + 6 <= frame.size()) {
      off += 4;
      type = static_cast<std::uint16_t>((frame[off] << 8) | frame[off + 1]);
    }
    if (type != kEthertypeGoose) continue;
    const auto payload = frame.subspan(off + 2);
    ++out.frames;
    GoosePdu pdu;
    if (decode_goose(payload, pdu).status != DecodeStatus::Ok) continue;
    ++out.decoded;
    out.st_sum += pdu.st_num;
    out.sq_sum += pdu.sq_num;
    std::string key(frame.begin() + 6, frame.begin() + 12);
    key += std::to_string(pdu.header.appid) + '/' + std::string(as_text(pdu.gocb_ref));
    out.sessions[key].on_data(Direction::ToClient, payload,
                              Timestamp::from_parts(hdr->ts.tv_sec, hdr->ts.tv_usec), out.sink);
  }
  pcap_close(p);
  return out;
}

std::size_t count(const std::vector<std::string>& v, const std::string& s) {
  std::size_t n = 0;
  for (const auto& x : v) n += x == s ? 1U : 0U;
  return n;
}

TEST(GoosePcap, GeF650HeartbeatsAndSqNumRestart) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const Result r = run(pcaps / "ics/IEC61850/GOOSE/GOOSE.pcap");
  EXPECT_EQ(r.frames, 8U);
  EXPECT_EQ(r.decoded, 8U);
  EXPECT_EQ(r.st_sum, 8U);
  EXPECT_EQ(r.sq_sum, 48U);
  ASSERT_EQ(r.sessions.size(), 1U);
  ASSERT_EQ(r.sink.transactions.size(), 1U);  // stNum stays 1: one state, seven heartbeats
  EXPECT_NE(r.sink.transactions[0].find("gocb_ref=GEDeviceF650/LLN0$GO$gcb01"),
            std::string::npos);
  EXPECT_NE(r.sink.transactions[0].find("time_allowed_to_live=40000"), std::string::npos);
  EXPECT_EQ(r.sessions.begin()->second.counters().heartbeats, 7U);
  // sqNum 12 -> 1 with stNum still 1: the publisher restarted its sequence.
  EXPECT_EQ(count(r.sink.anomalies, "GOOSE sqNum regression without stNum change"), 1U);
}

TEST(GoosePcap, DemoFrame) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const Result r = run(pcaps / "ics/IEC61850/GOOSE/GOOSE_DEMO.pcap");
  ASSERT_EQ(r.sink.transactions.size(), 1U);
  EXPECT_EQ(r.sink.transactions[0].substr(0, r.sink.transactions[0].find(" time_usec")),
            "report resp appid=8192 gocb_ref=111 dataset=222 go_id=333 st_num=1 sq_num=1 "
            "time_allowed_to_live=10000 conf_rev=1 simulation=0 entries=10 nds_com=0 "
            "data_count=10");
  EXPECT_TRUE(r.sink.anomalies.empty());
}

TEST(GoosePcap, SampleFileStateChangeBursts) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const Result r = run(pcaps / "ics/IEC61850/GOOSE/Sample_File_GOOSE.pcap");
  EXPECT_EQ(r.frames, 451U);
  EXPECT_EQ(r.decoded, 451U);
  EXPECT_EQ(r.st_sum, 16282820U);
  EXPECT_EQ(r.sq_sum, 525U);
  EXPECT_EQ(r.sessions.size(), 3U);
  EXPECT_EQ(r.sink.transactions.size(), 253U);  // first frames + stNum changes (tshark)
  // stNum changes every few milliseconds: far above 10 per second.
  EXPECT_GE(count(r.sink.anomalies, "GOOSE state change burst"), 1U);
  EXPECT_EQ(count(r.sink.anomalies, "GOOSE stNum regression"), 0U);
}

TEST(GoosePcap, MmsAndGooseMixed) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const Result r = run(pcaps / "ics/IEC61850/Sample_File_MMS_and_GOOSE.pcap");
  EXPECT_EQ(r.frames, 34U);
  EXPECT_EQ(r.decoded, 34U);
  EXPECT_EQ(r.st_sum, 188043U);
  EXPECT_EQ(r.sq_sum, 280204U);
  EXPECT_EQ(r.sessions.size(), 3U);
  EXPECT_EQ(r.sink.transactions.size(), 10U);
}

}  // namespace
}  // namespace limen::dissect::goose
