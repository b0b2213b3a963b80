// GOOSE / SV pure decoder tests: a real frame, built frames, every hostile length, truncation.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "common/byte_reader.h"
#include "dissectors/goose/goose_constants.h"
#include "dissectors/goose/goose_decoder.h"
#include "tests/dissectors/goose/goose_frames.h"

namespace limen::dissect::goose {
namespace {

using testing::Bytes;
using testing::GooseSpec;

// GOOSE_DEMO.pcap, frame 1, after the Ethertype (tshark: appid 0x2000, gocbRef "111",
// timeAllowedtoLive 10000, stNum 1, sqNum 1, confRev 1, numDatSetEntries 10).
const Bytes kDemo = [] {
  Bytes b{0x20, 0x00, 0x00, 0x6c, 0x00, 0x00, 0x00, 0x00, 0x61, 0x62, 0x80, 0x03, 0x31, 0x31,
          0x31, 0x81, 0x05, 0x00, 0x00, 0x00, 0x27, 0x10, 0x82, 0x03, 0x32, 0x32, 0x32, 0x83,
          0x03, 0x33, 0x33, 0x33, 0x84, 0x08, 0x4d, 0xdd, 0xa5, 0x1a, 0xdb, 0xe7, 0x6d, 0x00,
          0x85, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01,
          0x87, 0x01, 0x00, 0x88, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x89, 0x01, 0x00, 0x8a,
          0x05, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xab, 0x1e};
  for (int i = 0; i < 10; ++i) b.insert(b.end(), {0x83, 0x01, 0x00});
  return b;
}();

TEST(GooseDecoder, RealFrame) {
  GoosePdu p;
  const auto r = decode_goose(kDemo, p);
  ASSERT_EQ(r.status, DecodeStatus::Ok) << r.reason;
  EXPECT_EQ(r.size, 108U);
  EXPECT_EQ(p.header.appid, 0x2000);
  EXPECT_EQ(as_text(p.gocb_ref), "111");
  EXPECT_EQ(as_text(p.dataset), "222");
  EXPECT_TRUE(p.has_go_id);
  EXPECT_EQ(as_text(p.go_id), "333");
  EXPECT_EQ(p.time_allowed_to_live, 10000U);
  EXPECT_EQ(p.st_num, 1U);
  EXPECT_EQ(p.sq_num, 1U);
  EXPECT_FALSE(p.simulation);
  EXPECT_EQ(p.conf_rev, 1U);
  EXPECT_FALSE(p.nds_com);
  EXPECT_EQ(p.num_dat_set_entries, 10U);
  EXPECT_EQ(p.all_data_count, 10U);
  EXPECT_EQ(utc_time_usec(p.utc_time) / 1'000'000, 0x4ddda51a);
}

TEST(GooseDecoder, BuiltFrameAndPadding) {
  GooseSpec s;
  s.st_num = 0xFFFFFFFFU;  // needs a leading zero octet: 5 content octets
  s.sq_num = 300;
  s.simulation = true;
  s.entries = 70;  // allData over 127 bytes: long-form length
  Bytes f = testing::goose_frame(s);
  const std::size_t length = f.size();
  f.insert(f.end(), 20, 0);  // Ethernet padding after the declared length
  GoosePdu p;
  const auto r = decode_goose(f, p);
  ASSERT_EQ(r.status, DecodeStatus::Ok) << r.reason;
  EXPECT_EQ(r.size, length);
  EXPECT_EQ(p.st_num, 0xFFFFFFFFU);
  EXPECT_EQ(p.sq_num, 300U);
  EXPECT_TRUE(p.simulation);
  EXPECT_EQ(p.all_data_count, 70U);
  EXPECT_EQ(as_text(p.gocb_ref), s.gocb_ref);
}

TEST(GooseDecoder, HeaderLengths) {
  Bytes f = testing::goose_frame({});
  GoosePdu p;
  for (const unsigned len : {0U, 1U, 7U}) {
    Bytes g = f;
    g[2] = static_cast<std::uint8_t>(len >> 8);
    g[3] = static_cast<std::uint8_t>(len);
    EXPECT_EQ(decode_goose(g, p).status, DecodeStatus::Invalid) << len;
  }
  Bytes g = f;
  g[2] = 0xFF;  // longer than the frame: the frame was cut
  const auto r = decode_goose(g, p);
  EXPECT_EQ(r.status, DecodeStatus::NeedMore);
  EXPECT_EQ(r.size, (0xFFU << 8) | g[3]);
  g[2] = 0x00;
  g[3] = 8;  // a header and nothing else
  EXPECT_EQ(decode_goose(g, p).status, DecodeStatus::Invalid);
}

// Each case replaces the goosePdu with hostile bytes; none may decode.
TEST(GooseDecoder, HostileBer) {
  const Bytes members = testing::goose_members({});
  std::vector<std::pair<const char*, Bytes>> cases;
  Bytes b = testing::tlv(0x61, members);
  b[1] = 0x80;  // indefinite length
  cases.emplace_back("indefinite", b);
  b = {0x61, 0x83, 0x00, 0x00, 0x10};
  cases.emplace_back("3 length octets", b);
  b = {0x61, 0x82, 0xFF, 0xFF, 0x80, 0x00};
  cases.emplace_back("outer length past frame", b);
  b = {0x7F, 0x01, 0x00};
  cases.emplace_back("multi-octet tag", b);
  b = testing::tlv(0x62, members);
  cases.emplace_back("wrong application tag", b);
  Bytes m = members;
  m[1] = 0x7F;  // gocbRef length past the PDU
  cases.emplace_back("member length past parent", testing::tlv(0x61, m));
  // Members out of order: timeAllowedtoLive before gocbRef.
  m = testing::tlv(0x81, {1});
  testing::append(m, members);
  cases.emplace_back("out of order", testing::tlv(0x61, m));
  // Missing mandatory: only gocbRef.
  cases.emplace_back("missing members", testing::tlv(0x61, testing::tlv(0x80, {0x41})));
  cases.emplace_back("empty pdu", testing::tlv(0x61, {}));
  cases.emplace_back("unknown member", testing::tlv(0x61, testing::tlv(0x8D, {0})));
  cases.emplace_back("universal tag member", testing::tlv(0x61, testing::tlv(0x04, {0})));
  cases.emplace_back("constructed gocbRef", testing::tlv(0x61, testing::tlv(0xA0, {})));
  for (const auto& [name, apdu] : cases) {
    GoosePdu p;
    const auto r = decode_goose(testing::with_header(1, apdu), p);
    EXPECT_EQ(r.status, DecodeStatus::Invalid) << name;
    EXPECT_FALSE(r.reason.empty()) << name;
  }
}

// Integer, boolean, time and allData members with impossible contents.
TEST(GooseDecoder, HostileValues) {
  const Bytes good = testing::goose_members({});
  struct Case {
    std::uint8_t tag;
    Bytes value;
  };
  const std::vector<Case> cases{
      {0x81, {}},                                   // empty INTEGER
      {0x81, Bytes(10, 0)},                         // 10 octets
      {0x85, {0x80}},                               // negative stNum
      {0x85, {0x01, 0x00, 0x00, 0x00, 0x00}},       // stNum above 32 bits
      {0x86, {0x00, 0x01, 0x00, 0x00, 0x00, 0x00}}, // sqNum above 32 bits
      {0x84, {0x00, 0x01}},                         // UtcTime not 8 octets
      {0x87, {0x00, 0x00}},                         // BOOLEAN of 2 octets
      {0xAB, {0x83, 0x05, 0x00}},                   // allData element past its parent
  };
  for (const auto& c : cases) {
    // Rebuild the member list with the one member replaced.
    limen::ByteReader r(good);
    Bytes m;
    while (!r.empty()) {
      const std::uint8_t tag = r.u8();
      std::size_t len = r.u8();
      if (len == 0x81) len = r.u8();
      const auto v = r.bytes(len);
      testing::append(m, testing::tlv(tag, tag == c.tag ? c.value : Bytes(v.begin(), v.end())));
    }
    GoosePdu p;
    EXPECT_EQ(decode_goose(testing::with_header(1, testing::tlv(0x61, m)), p).status,
              DecodeStatus::Invalid)
        << int{c.tag};
  }
}

// Every prefix of a frame: NeedMore while the declared length is intact, Invalid when the
// header is rewritten to claim exactly the prefix; never Ok, never a read past the input.
TEST(GooseDecoder, TruncationSweep) {
  const Bytes f = testing::goose_frame({});
  for (std::size_t n = 0; n < f.size(); ++n) {
    Bytes cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    GoosePdu p;
    EXPECT_EQ(decode_goose(cut, p).status, DecodeStatus::NeedMore) << n;
    if (n < kHeaderSize) continue;
    cut[2] = static_cast<std::uint8_t>(n >> 8);
    cut[3] = static_cast<std::uint8_t>(n);
    EXPECT_EQ(decode_goose(cut, p).status, DecodeStatus::Invalid) << n;
  }
}

TEST(SvDecoder, BuiltFrame) {
  std::vector<testing::AsduSpec> asdus(8);
  for (std::size_t i = 0; i < asdus.size(); ++i) asdus[i].smp_cnt = static_cast<std::uint16_t>(i);
  const Bytes f = testing::sv_frame(asdus, 0x4001);
  SvPdu p;
  const auto r = decode_sv(f, p);
  ASSERT_EQ(r.status, DecodeStatus::Ok) << r.reason;
  EXPECT_EQ(p.header.appid, 0x4001);
  EXPECT_EQ(p.no_asdu, 8U);
  ASSERT_EQ(p.asdu_list().size(), 8U);
  EXPECT_EQ(as_text(p.asdus[0].sv_id), "MU01");
  EXPECT_EQ(p.asdus[7].smp_cnt, 7U);
  EXPECT_EQ(p.asdus[7].conf_rev, 1U);
  EXPECT_EQ(p.asdus[7].smp_synch, 2U);
}

TEST(SvDecoder, HostileCounts) {
  SvPdu p;
  std::vector<testing::AsduSpec> two(2);
  EXPECT_EQ(decode_sv(testing::sv_frame(two, 1, 3), p).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode_sv(testing::sv_frame(two, 1, 1), p).status, DecodeStatus::Invalid);
  std::vector<testing::AsduSpec> many(SvPdu::kMaxAsdus + 1);
  EXPECT_EQ(decode_sv(testing::sv_frame(many), p).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode_sv(testing::sv_frame({}), p).status, DecodeStatus::Invalid);  // noASDU 0
  // smpCnt of 3 octets, ASDU without svID, seqASDU element not a SEQUENCE.
  Bytes a = testing::tlv(0x80, testing::text("X"));
  testing::append(a, testing::tlv(0x82, {0, 0, 1}));
  Bytes pdu = testing::tlv(0x80, {1});
  testing::append(pdu, testing::tlv(0xA2, testing::tlv(0x30, a)));
  EXPECT_EQ(decode_sv(testing::with_header(1, testing::tlv(0x60, pdu)), p).status,
            DecodeStatus::Invalid);
  pdu = testing::tlv(0x80, {1});
  testing::append(pdu, testing::tlv(0xA2, testing::tlv(0x31, {})));
  EXPECT_EQ(decode_sv(testing::with_header(1, testing::tlv(0x60, pdu)), p).status,
            DecodeStatus::Invalid);
  EXPECT_EQ(decode_sv(testing::goose_frame({}), p).status, DecodeStatus::Invalid);
}

TEST(SvDecoder, TruncationSweep) {
  const Bytes f = testing::sv_frame(std::vector<testing::AsduSpec>(2));
  for (std::size_t n = 0; n < f.size(); ++n) {
    Bytes cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    SvPdu p;
    EXPECT_EQ(decode_sv(cut, p).status, DecodeStatus::NeedMore) << n;
    if (n < kHeaderSize) continue;
    cut[2] = static_cast<std::uint8_t>(n >> 8);
    cut[3] = static_cast<std::uint8_t>(n);
    EXPECT_EQ(decode_sv(cut, p).status, DecodeStatus::Invalid) << n;
  }
}

}  // namespace
}  // namespace limen::dissect::goose
