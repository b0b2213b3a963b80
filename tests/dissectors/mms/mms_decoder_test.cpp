// Decoder tests from byte arrays: real frames from the shared captures, hand-built PDUs of every
// kind, every hostile length, and a truncation sweep over every prefix.

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "dissectors/mms/mms_ber.h"
#include "dissectors/mms/mms_constants.h"
#include "dissectors/mms/mms_decoder.h"
#include "tests/dissectors/mms/mms_test_util.h"

namespace limen::dissect::mms {
namespace {

using test::Bytes;
using test::hex;
using test::tlv;
using test::tsdu_of;
using test::wrap;

std::string text(std::span<const std::uint8_t> s) { return {s.begin(), s.end()}; }

// A decoded message holds views into its input, so the input must outlive it. Builders return
// temporaries: the bytes a test decodes are kept here for the rest of the run.
std::span<const std::uint8_t> kept(Bytes b) {
  static std::deque<Bytes> store;
  return store.emplace_back(std::move(b));
}

DecodeResult decode_ok(Bytes tsdu, Pdu& pdu) {
  const DecodeResult r = decode(kept(std::move(tsdu)), pdu);
  EXPECT_EQ(r.status, DecodeStatus::Ok) << r.reason;
  return r;
}

TEST(MmsDecoder, ConnectCarriesAarqWithInitiateRequest) {
  Pdu pdu;
  decode_ok(tsdu_of(test::kConnect), pdu);
  EXPECT_EQ(pdu.spdu, 0x0D);
  EXPECT_EQ(pdu.acse, 0x60);
  ASSERT_TRUE(pdu.has_mms);
  EXPECT_EQ(pdu.type, static_cast<std::uint8_t>(PduType::InitiateRequest));
  EXPECT_FALSE(pdu.has_invoke_id);
}

TEST(MmsDecoder, AcceptCarriesAareWithInitiateResponse) {
  Pdu pdu;
  decode_ok(tsdu_of(test::kAccept), pdu);
  EXPECT_EQ(pdu.spdu, 0x0E);
  EXPECT_EQ(pdu.acse, 0x61);
  EXPECT_EQ(pdu.type, static_cast<std::uint8_t>(PduType::InitiateResponse));
}

TEST(MmsDecoder, ConfirmedRequestNamesServiceAndVariable) {
  Pdu pdu;
  decode_ok(tsdu_of(test::kAttributesRequest), pdu);
  EXPECT_EQ(pdu.spdu, 0x01);
  EXPECT_EQ(pdu.type, 0);
  EXPECT_EQ(pdu.invoke_id, 303731U);
  EXPECT_EQ(pdu.service, 6U);
  EXPECT_EQ(text(pdu.domain), "AA1E1Q01FP2LD0");
  EXPECT_EQ(text(pdu.item), "LLN0$BR$rcb_B02");

  decode_ok(tsdu_of(test::kReadRequest), pdu);
  EXPECT_EQ(pdu.service, 4U);
  EXPECT_EQ(pdu.invoke_id, 303732U);
  EXPECT_EQ(text(pdu.item), "LLN0$BR$rcb_B02");
}

TEST(MmsDecoder, ResponsesAndErrors) {
  Pdu pdu;
  decode_ok(tsdu_of(test::kReadResponse), pdu);
  EXPECT_EQ(pdu.type, 1);
  EXPECT_EQ(pdu.service, 4U);
  EXPECT_EQ(pdu.invoke_id, 303732U);

  decode_ok(tsdu_of(test::kAttributesError), pdu);
  EXPECT_EQ(pdu.type, 2);
  EXPECT_EQ(pdu.invoke_id, 303731U);
  ASSERT_TRUE(pdu.has_error);
  EXPECT_EQ(error_class_name(pdu.error_class), "access");
  EXPECT_EQ(pdu.error_code, 2U);
}

TEST(MmsDecoder, HandBuiltPdus) {
  Pdu pdu;
  // fileOpen (72, high tag form 0xBF 0x48) with a file name.
  decode_ok(wrap(tlv(0xA0, hex("020107bf480aa0081906434f4e464947"))), pdu);
  EXPECT_EQ(pdu.service, 72U);
  EXPECT_EQ(service_operation(pdu.service), Operation::File);
  EXPECT_EQ(text(pdu.file), "CONFIG");
  // Unconfirmed informationReport.
  decode_ok(wrap(tlv(0xA3, hex("a009a1078005525054303100"))), pdu);
  EXPECT_EQ(pdu.type, 3);
  EXPECT_EQ(pdu.service, 0U);
  // Reject of confirmed response 7, reason 1.
  decode_ok(wrap(tlv(0xA4, hex("800107820101"))), pdu);
  EXPECT_TRUE(pdu.has_reject);
  EXPECT_EQ(pdu.invoke_id, 7U);
  EXPECT_EQ(pdu.reject_type, 2U);
  EXPECT_EQ(pdu.reject_code, 1U);
  // Cancel request, conclude request/response, conclude error.
  decode_ok(wrap(hex("850109")), pdu);
  EXPECT_EQ(pdu.type, 5);
  EXPECT_EQ(pdu.invoke_id, 9U);
  decode_ok(wrap(hex("8b00")), pdu);
  EXPECT_EQ(pdu.type, 11);
  decode_ok(wrap(hex("8c00")), pdu);
  EXPECT_EQ(pdu.type, 12);
  decode_ok(wrap(tlv(0xAD, hex("a003890101"))), pdu);
  EXPECT_EQ(pdu.type, 13);
  EXPECT_EQ(error_class_name(pdu.error_class), "conclude");
  // Stop (41) with a modifier list before the service.
  decode_ok(wrap(tlv(0xA0, hex("0201013000bf290480025031"))), pdu);
  EXPECT_EQ(pdu.service, 41U);
  EXPECT_EQ(service_operation(pdu.service), Operation::Stop);
  // A session finish with an ACSE release request and no MMS.
  decode_ok(hex("090dc10b61093007020101a0026200"), pdu);
  EXPECT_EQ(pdu.spdu, 0x09);
  EXPECT_EQ(pdu.acse, 0x62);
  EXPECT_FALSE(pdu.has_mms);
}

TEST(MmsDecoder, HostileLengths) {
  Pdu pdu;
  const auto status = [&](const Bytes& b) { return decode(b, pdu).status; };
  // Indefinite BER length.
  EXPECT_EQ(status(wrap(hex("a0800201010000"))), DecodeStatus::Invalid);
  // BER length of 5 bytes.
  EXPECT_EQ(status(wrap(hex("a085000000000100"))), DecodeStatus::Invalid);
  // BER length past the end, long form 0xFFFFFFFF.
  EXPECT_EQ(status(hex("01000100618400ffffff30")), DecodeStatus::NeedMore);
  EXPECT_EQ(status(hex("0100010061840fffffff30")), DecodeStatus::NeedMore);
  // Tag number of more than 3 bytes.
  EXPECT_EQ(status(wrap(hex("bf8181810100"))), DecodeStatus::Invalid);
  // Invoke id of 5 significant bytes.
  EXPECT_EQ(status(wrap(tlv(0xA0, hex("02050102030405800000")))), DecodeStatus::Invalid);
  // Session LI past the end (1-byte and 0xFF forms).
  EXPECT_EQ(status(hex("0d20")), DecodeStatus::NeedMore);
  EXPECT_EQ(status(hex("0dffffff00")), DecodeStatus::NeedMore);
  // A session parameter longer than its SPDU.
  EXPECT_EQ(status(hex("0d04c1ff0200")), DecodeStatus::Invalid);
  // Not an MMS tag, not a session SPDU, GT without DT.
  EXPECT_EQ(status(wrap(hex("3000"))), DecodeStatus::Invalid);
  EXPECT_TRUE(decode(kept(hex("32010000000100")), pdu).violation);
  EXPECT_EQ(status(hex("01000500")), DecodeStatus::Invalid);
  // Empty confirmed request: no invoke id.
  EXPECT_EQ(status(wrap(hex("a000"))), DecodeStatus::Invalid);
}

TEST(MmsDecoder, DeepNestingIsBounded) {
  // Long-form lengths so 60 levels fit.
  Bytes inner = hex("1a01411a0142");
  for (int i = 0; i < 60; ++i) {
    Bytes outer{0xA1, 0x82, static_cast<std::uint8_t>(inner.size() >> 8),
                static_cast<std::uint8_t>(inner.size() & 0xFF)};
    outer.insert(outer.end(), inner.begin(), inner.end());
    inner = outer;
  }
  Bytes request{0x02, 0x01, 0x01, 0xA4, 0x82, static_cast<std::uint8_t>(inner.size() >> 8),
                static_cast<std::uint8_t>(inner.size() & 0xFF)};
  request.insert(request.end(), inner.begin(), inner.end());
  Bytes mms{0xA0, 0x82, static_cast<std::uint8_t>(request.size() >> 8),
            static_cast<std::uint8_t>(request.size() & 0xFF)};
  mms.insert(mms.end(), request.begin(), request.end());
  Bytes pdv{0x02, 0x01, 0x03, 0xA0, 0x82, static_cast<std::uint8_t>(mms.size() >> 8),
            static_cast<std::uint8_t>(mms.size() & 0xFF)};
  pdv.insert(pdv.end(), mms.begin(), mms.end());
  Bytes seq{0x30, 0x82, static_cast<std::uint8_t>(pdv.size() >> 8),
            static_cast<std::uint8_t>(pdv.size() & 0xFF)};
  seq.insert(seq.end(), pdv.begin(), pdv.end());
  Bytes tsdu{0x01, 0x00, 0x01, 0x00, 0x61, 0x82, static_cast<std::uint8_t>(seq.size() >> 8),
             static_cast<std::uint8_t>(seq.size() & 0xFF)};
  tsdu.insert(tsdu.end(), seq.begin(), seq.end());
  Pdu pdu;
  decode_ok(tsdu, pdu);
  EXPECT_EQ(pdu.service, 4U);
  EXPECT_TRUE(pdu.domain.empty());  // the name lies deeper than the walk goes
}

TEST(MmsDecoder, TruncationSweep) {
  for (const Bytes* frame : {&test::kConnect, &test::kAccept, &test::kAttributesRequest,
                             &test::kAttributesError, &test::kReadRequest, &test::kReadResponse}) {
    const Bytes tsdu = tsdu_of(*frame);
    for (std::size_t n = 0; n < tsdu.size(); ++n) {
      Pdu pdu;
      const Bytes prefix(tsdu.begin(), tsdu.begin() + static_cast<std::ptrdiff_t>(n));
      const DecodeResult r = decode(prefix, pdu);
      EXPECT_NE(r.status, DecodeStatus::Ok) << n;
      if (r.status == DecodeStatus::NeedMore) {
        EXPECT_GT(r.needed, n) << n;
      }
      (void)decode(prefix, pdu, true);  // cut mode reads what is there, never past it
    }
  }
}

TEST(MmsDecoder, CutModeReadsTheHead) {
  const Bytes tsdu = tsdu_of(test::kReadRequest);
  const Bytes head(tsdu.begin(), tsdu.begin() + 30);
  Pdu pdu;
  EXPECT_EQ(decode(head, pdu, true).status, DecodeStatus::Ok);
  EXPECT_EQ(pdu.service, 4U);
  EXPECT_EQ(pdu.invoke_id, 303732U);
}

TEST(MmsDecoder, ProbeTellsMmsFromS7comm) {
  EXPECT_TRUE(looks_like_mms(tsdu_of(test::kConnect)));
  EXPECT_TRUE(looks_like_mms(tsdu_of(test::kReadRequest)));
  EXPECT_FALSE(looks_like_mms(hex("32010000000000080000f0000001000101e0")));  // S7 setup
  EXPECT_FALSE(looks_like_mms(hex("720100")));                                 // S7comm-plus
  EXPECT_FALSE(looks_like_mms({}));
}

TEST(MmsDecoder, BerReader) {
  ber::Tlv t;
  EXPECT_EQ(ber::read(hex("bf4800"), t).status, ber::Status::Ok);
  EXPECT_EQ(t.number, 72U);
  EXPECT_TRUE(t.constructed);
  EXPECT_EQ(ber::read(hex("bf"), t).status, ber::Status::NeedMore);
  EXPECT_EQ(ber::read(hex("bf81"), t).status, ber::Status::NeedMore);
  EXPECT_EQ(ber::read(hex("0482"), t).status, ber::Status::NeedMore);
  EXPECT_EQ(ber::read(hex("04820100"), t).status, ber::Status::NeedMore);
  EXPECT_EQ(ber::read(hex("04820100"), t, true).status, ber::Status::Ok);
  EXPECT_TRUE(t.content.empty());
  std::uint32_t v = 0;
  EXPECT_TRUE(ber::to_uint(hex("00ffffffff"), v));
  EXPECT_EQ(v, 0xFFFFFFFFU);
  EXPECT_FALSE(ber::to_uint(hex("01ffffffff"), v));
  EXPECT_FALSE(ber::to_uint({}, v));
}

}  // namespace
}  // namespace limen::dissect::mms
