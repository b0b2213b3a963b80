// IEC 104 decoder tests from hand-built APDUs: I/S/U formats, ASDU header bits, object walking
// with and without SQ, every hostile APCI length and a truncation sweep.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "dissectors/iec104/iec104_constants.h"
#include "dissectors/iec104/iec104_decoder.h"

namespace limen::dissect::iec104 {
namespace {

using Bytes = std::vector<std::uint8_t>;

// An I frame with N(S)=tx, N(R)=rx around the ASDU bytes given.
Bytes i_frame(const Bytes& asdu, std::uint16_t tx = 0, std::uint16_t rx = 0) {
  Bytes out{kStart, static_cast<std::uint8_t>(asdu.size() + 4),
            static_cast<std::uint8_t>((tx << 1) & 0xFF), static_cast<std::uint8_t>(tx >> 7),
            static_cast<std::uint8_t>((rx << 1) & 0xFF), static_cast<std::uint8_t>(rx >> 7)};
  out.reserve(out.size() + asdu.size());
  for (const std::uint8_t b : asdu) out.push_back(b);
  return out;
}

// C_SC_NA_1 act, CA 1, IOA 0x0F4240 & 0xFFFFFF, SCO select + on.
const Bytes kSingleCommand{45, 0x01, 0x06, 0x00, 0x01, 0x00, 0x40, 0x42, 0x0F, 0x81};

TEST(Iec104Decoder, IFrameWithSingleCommand) {
  const Bytes b = i_frame(kSingleCommand, 5, 300);
  Apdu a;
  const auto r = decode_apdu(b, a);
  ASSERT_EQ(r.status, DecodeStatus::Ok);
  EXPECT_EQ(r.size, b.size());
  EXPECT_EQ(a.format, Format::I);
  EXPECT_EQ(a.tx_seq, 5);
  EXPECT_EQ(a.rx_seq, 300);
  EXPECT_EQ(a.asdu.type_id, 45);
  EXPECT_EQ(type_name(a.asdu.type_id), "C_SC_NA_1");
  EXPECT_EQ(a.asdu.count, 1);
  EXPECT_FALSE(a.asdu.sq);
  EXPECT_EQ(a.asdu.cot, 6);
  EXPECT_EQ(cause_name(a.asdu.cot), "activation");
  EXPECT_EQ(a.asdu.common_address, 1);
  EXPECT_TRUE(a.asdu.objects_consistent);
  std::uint32_t ioa = 0;
  ASSERT_TRUE(ioa_at(a.asdu, 0, ioa));
  EXPECT_EQ(ioa, 0x0F4240U);
  EXPECT_FALSE(ioa_at(a.asdu, 1, ioa));
  std::uint8_t q = 0;
  ASSERT_TRUE(qualifier_at(a.asdu, 0, q));
  EXPECT_EQ(q, 0x81);
  EXPECT_EQ(operation_of(45, 6), Operation::Control);
}

TEST(Iec104Decoder, CauseBitsAndOriginator) {
  Bytes asdu = kSingleCommand;
  asdu[2] = 0xC7;  // test + negative + activation_con
  asdu[3] = 9;
  Apdu a;
  const Bytes b = i_frame(asdu);
  ASSERT_EQ(decode_apdu(b, a).status, DecodeStatus::Ok);
  EXPECT_TRUE(a.asdu.test);
  EXPECT_TRUE(a.asdu.negative);
  EXPECT_EQ(a.asdu.cot, 7);
  EXPECT_EQ(a.asdu.originator, 9);
}

TEST(Iec104Decoder, SequenceAndListObjects) {
  // M_ME_NC_1 (float + QDS, 5 bytes), SQ=1, 3 objects from IOA 100.
  const Bytes sq{13, 0x83, 0x14, 0, 0x02, 0x00, 100, 0, 0, 1, 2, 3, 4, 0, 5, 6, 7, 8, 0,
                 9, 10, 11, 12, 0};
  Apdu a;
  const Bytes b = i_frame(sq);
  ASSERT_EQ(decode_apdu(b, a).status, DecodeStatus::Ok);
  EXPECT_TRUE(a.asdu.sq);
  EXPECT_EQ(a.asdu.count, 3);
  EXPECT_TRUE(a.asdu.objects_consistent);
  std::uint32_t ioa = 0;
  ASSERT_TRUE(ioa_at(a.asdu, 2, ioa));
  EXPECT_EQ(ioa, 102U);
  EXPECT_EQ(operation_of(13, 20), Operation::Read);
  EXPECT_EQ(operation_of(13, 3), Operation::Report);
  // M_SP_NA_1, SQ=0, 2 objects at IOA 7 and 9.
  const Bytes list{1, 0x02, 0x03, 0, 0x02, 0x00, 7, 0, 0, 1, 9, 0, 0, 0};
  const Bytes b2 = i_frame(list);
  ASSERT_EQ(decode_apdu(b2, a).status, DecodeStatus::Ok);
  ASSERT_TRUE(ioa_at(a.asdu, 1, ioa));
  EXPECT_EQ(ioa, 9U);
  EXPECT_TRUE(a.asdu.objects_consistent);
  // One byte short, or a count claiming more objects than present: kept, flagged inconsistent.
  Bytes short_list(list.begin(), list.end() - 1);
  const Bytes b3 = i_frame(short_list);
  ASSERT_EQ(decode_apdu(b3, a).status, DecodeStatus::Ok);
  EXPECT_FALSE(a.asdu.objects_consistent);
  EXPECT_FALSE(ioa_at(a.asdu, 1, ioa) && ioa != 9U);  // never reads past the objects
  Bytes many = list;
  many[1] = 0x7F;
  const Bytes b4 = i_frame(many);
  ASSERT_EQ(decode_apdu(b4, a).status, DecodeStatus::Ok);
  EXPECT_FALSE(a.asdu.objects_consistent);
  EXPECT_FALSE(ioa_at(a.asdu, 100, ioa));
  EXPECT_FALSE(ioa_at(a.asdu, 5, ioa));
}

TEST(Iec104Decoder, SAndUFrames) {
  Apdu a;
  const Bytes s{0x68, 0x04, 0x01, 0x00, 0x0A, 0x00};
  ASSERT_EQ(decode_apdu(s, a).status, DecodeStatus::Ok);
  EXPECT_EQ(a.format, Format::S);
  EXPECT_EQ(a.rx_seq, 5);
  const Bytes u{0x68, 0x04, 0x43, 0x00, 0x00, 0x00};
  ASSERT_EQ(decode_apdu(u, a).status, DecodeStatus::Ok);
  EXPECT_EQ(a.format, Format::U);
  EXPECT_EQ(u_function_name(a.u_function), "testfr_act");
  EXPECT_EQ(u_operation(a.u_function), Operation::Diagnostic);
  EXPECT_EQ(u_operation(0x04), Operation::Session);
  // Two function bits at once, an S frame with an ASDU, a U frame with one.
  EXPECT_EQ(decode_apdu(Bytes{0x68, 0x04, 0x0F, 0, 0, 0}, a).status, DecodeStatus::Malformed);
  EXPECT_EQ(decode_apdu(Bytes{0x68, 0x05, 0x01, 0, 0, 0, 0}, a).status, DecodeStatus::Malformed);
  EXPECT_EQ(decode_apdu(Bytes{0x68, 0x05, 0x07, 0, 0, 0, 0}, a).status, DecodeStatus::Malformed);
  // An I frame too short for the ASDU header.
  EXPECT_EQ(decode_apdu(Bytes{0x68, 0x06, 0x00, 0, 0, 0, 45, 1}, a).status,
            DecodeStatus::Malformed);
}

TEST(Iec104Decoder, EveryHostileLength) {
  const Bytes base = i_frame(kSingleCommand);
  for (unsigned length = 0; length <= 0xFF; ++length) {
    Bytes b = base;
    b[1] = static_cast<std::uint8_t>(length);
    Apdu a;
    const auto r = decode_apdu(b, a);
    if (length < 4 || length > 253) {
      EXPECT_EQ(r.status, DecodeStatus::Invalid) << length;
    } else if (length + 2 > b.size()) {
      EXPECT_EQ(r.status, DecodeStatus::NeedMore) << length;
      EXPECT_EQ(r.size, length + 2U);
    } else {
      EXPECT_NE(r.status, DecodeStatus::Invalid) << length;
      EXPECT_EQ(r.size, length + 2U);
    }
  }
  Apdu a;
  EXPECT_EQ(decode_apdu(Bytes{0x67, 0x04, 0x01, 0, 0, 0}, a).status, DecodeStatus::Invalid);
}

TEST(Iec104Decoder, TruncationSweep) {
  const std::vector<Bytes> frames{
      i_frame(kSingleCommand, 1, 2),
      i_frame({13, 0x83, 0x14, 0, 0x02, 0x00, 100, 0, 0, 1, 2, 3, 4, 0}),
      Bytes{0x68, 0x04, 0x07, 0x00, 0x00, 0x00},
      Bytes{0x68, 0x04, 0x01, 0x00, 0x0A, 0x00},
  };
  for (const auto& full : frames) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      const Bytes prefix(full.begin(), full.begin() + static_cast<long>(n));
      Apdu a;
      const auto r = decode_apdu(prefix, a);
      EXPECT_EQ(r.status, DecodeStatus::NeedMore) << n;
      EXPECT_GT(r.size, n);
    }
    // Cut with a consistent APCI length: malformed or a kept, inconsistent ASDU.
    for (std::size_t cut = 6; cut < full.size(); ++cut) {
      Bytes b(full.begin(), full.begin() + static_cast<long>(cut));
      b[1] = static_cast<std::uint8_t>(cut - 2);
      Apdu a;
      const auto r = decode_apdu(b, a);
      EXPECT_NE(r.status, DecodeStatus::Invalid) << cut;
      if (r.status == DecodeStatus::Ok) {
        EXPECT_FALSE(a.asdu.objects_consistent) << cut;
      }
    }
  }
}

TEST(Iec104Decoder, OperationMapping) {
  EXPECT_EQ(operation_of(46, 6), Operation::Control);
  EXPECT_EQ(operation_of(50, 6), Operation::Write);
  EXPECT_EQ(operation_of(63, 6), Operation::Write);
  EXPECT_EQ(operation_of(100, 6), Operation::Read);
  EXPECT_EQ(operation_of(103, 6), Operation::Write);
  EXPECT_EQ(operation_of(105, 6), Operation::Restart);
  EXPECT_EQ(operation_of(122, 13), Operation::File);
  EXPECT_EQ(operation_of(1, 3), Operation::Report);
  EXPECT_EQ(operation_of(1, 20), Operation::Read);
  EXPECT_EQ(operation_of(70, 4), Operation::Report);
  EXPECT_EQ(operation_of(200, 6), Operation::Unknown);
  EXPECT_EQ(category_of(45), "control");
  EXPECT_EQ(category_of(103), "system_control");
}

}  // namespace
}  // namespace limen::dissect::iec104
