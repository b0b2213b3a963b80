// Decoder tests from hand-built bytes: TPKT/COTP framing, every S7comm function family,
// S7comm-plus recognition, hostile lengths and truncation sweeps.

#include <gtest/gtest.h>

#include <string>

#include "dissectors/s7comm/s7comm_constants.h"
#include "dissectors/s7comm/s7comm_decoder.h"
#include "dissectors/s7comm/tpkt_cotp.h"
#include "tests/dissectors/s7comm/s7comm_test_util.h"

namespace limen::dissect::s7comm {
namespace {

using test::Bytes;

std::string text(std::span<const std::uint8_t> s) { return {s.begin(), s.end()}; }

TEST(S7commTpkt, FramesAndNeedsMore) {
  const Bytes frame = test::dt(test::kSetupJob);
  const auto r = cotp::decode_tpkt(frame);
  ASSERT_EQ(r.status, cotp::Status::Ok);
  EXPECT_EQ(r.frame_bytes, frame.size());
  EXPECT_EQ(r.tpdu.size(), frame.size() - 4);
  for (std::size_t n = 0; n < frame.size(); ++n) {
    const auto p = cotp::decode_tpkt(std::span(frame.data(), n));
    EXPECT_EQ(p.status, cotp::Status::NeedMore) << n;
    EXPECT_GE(p.frame_bytes, n == 0 ? 4U : std::min<std::size_t>(4, n));
  }
}

TEST(S7commTpkt, HostileHeaders) {
  EXPECT_EQ(cotp::decode_tpkt(Bytes{0x04, 0x00, 0x00, 0x10}).status, cotp::Status::Invalid);
  EXPECT_EQ(cotp::decode_tpkt(Bytes{0x04}).status, cotp::Status::Invalid);
  EXPECT_EQ(cotp::decode_tpkt(Bytes{0x03, 0x01}).status, cotp::Status::Invalid);
  for (std::uint8_t len = 0; len < 7; ++len)
    EXPECT_EQ(cotp::decode_tpkt(Bytes{0x03, 0x00, 0x00, len, 2, 0xF0, 0x80}).status,
              cotp::Status::Invalid);
  // 65535 claimed, 8 present: waits for the whole frame, reads nothing beyond.
  const auto big = cotp::decode_tpkt(Bytes{0x03, 0x00, 0xFF, 0xFF, 2, 0xF0, 0x80, 0x32});
  EXPECT_EQ(big.status, cotp::Status::NeedMore);
  EXPECT_EQ(big.frame_bytes, 65535U);
}

TEST(S7commCotp, DecodesTpduTypes) {
  const Bytes cr = test::cotp_connect(false);
  const auto r = cotp::decode_tpdu(std::span(cr).subspan(4));
  ASSERT_EQ(r.status, cotp::Status::Ok);
  EXPECT_EQ(r.tpdu.code, cotp::TpduCode::Cr);
  EXPECT_EQ(r.tpdu.src_ref, 1);
  EXPECT_EQ(r.tpdu.parameters.size(), 11U);
  EXPECT_TRUE(r.tpdu.user_data.empty());
  EXPECT_EQ(cotp::tpdu_name(r.tpdu.code), "connect_request");

  const Bytes dt = test::dt({0x32, 0x01}, false, 5);
  const auto d = cotp::decode_tpdu(std::span(dt).subspan(4));
  ASSERT_EQ(d.status, cotp::Status::Ok);
  EXPECT_EQ(d.tpdu.code, cotp::TpduCode::Dt);
  EXPECT_FALSE(d.tpdu.eot);
  EXPECT_EQ(d.tpdu.number, 5);
  EXPECT_EQ(d.tpdu.user_data.size(), 2U);
}

TEST(S7commCotp, HostileLengthIndicator) {
  EXPECT_EQ(cotp::decode_tpdu(Bytes{}).status, cotp::Status::Invalid);
  EXPECT_EQ(cotp::decode_tpdu(Bytes{0x00, 0xF0}).status, cotp::Status::Invalid);  // LI 0
  EXPECT_EQ(cotp::decode_tpdu(Bytes{0xFF, 0xF0, 0x80}).status, cotp::Status::Invalid);
  EXPECT_EQ(cotp::decode_tpdu(Bytes{0x05, 0xF0, 0x80}).status, cotp::Status::Invalid);
  EXPECT_EQ(cotp::decode_tpdu(Bytes{0x02, 0x30, 0x80}).status, cotp::Status::Invalid);  // code
  // A CR whose LI is too short for its fixed part.
  EXPECT_EQ(cotp::decode_tpdu(Bytes{0x03, 0xE0, 0x00, 0x00}).status, cotp::Status::Invalid);
}

TEST(S7commCotp, DtRunReassemblesAndBounds) {
  const Bytes stream = test::cat({test::dt({0x32, 0x01, 0x00}, false, 0),
                                  test::dt({0x00, 0x01}, false, 1), test::dt({0x00}, true, 2)});
  const auto run = cotp::scan_dt_run(stream, 100, 10);
  ASSERT_EQ(run.status, cotp::Status::Ok);
  EXPECT_EQ(run.frames, 3U);
  EXPECT_EQ(run.frame_bytes, stream.size());
  EXPECT_EQ(run.user_bytes, 6U);
  std::array<std::uint8_t, 4> small{};
  EXPECT_EQ(cotp::gather_dt_run(stream, run.frames, small), 4U);  // cut at the buffer
  EXPECT_EQ(small[0], 0x32);
  EXPECT_EQ(small[3], 0x00);
  EXPECT_EQ(cotp::scan_dt_run(std::span(stream).first(stream.size() - 1), 100, 10).status,
            cotp::Status::NeedMore);
  const auto over = cotp::scan_dt_run(stream, 4, 10);
  EXPECT_EQ(over.status, cotp::Status::Invalid);
  EXPECT_TRUE(over.over_limit);
  EXPECT_TRUE(cotp::scan_dt_run(stream, 100, 2).over_limit);
  const Bytes interrupted = test::cat({test::dt({0x32}, false), test::cotp_connect(true)});
  const auto bad = cotp::scan_dt_run(interrupted, 100, 10);
  EXPECT_EQ(bad.status, cotp::Status::Invalid);
  EXPECT_FALSE(bad.over_limit);
  EXPECT_EQ(bad.frames, 1U);
}

TEST(S7commDecoder, SetupCommunication) {
  Pdu pdu;
  ASSERT_EQ(decode_pdu(test::kSetupAck, pdu).status, DecodeStatus::Ok);
  EXPECT_EQ(pdu.rosctr, 3);
  EXPECT_TRUE(pdu.has_error);
  EXPECT_EQ(pdu.function, 0xF0);
  EXPECT_EQ(pdu.pdu_size, 240);
  EXPECT_EQ(pdu.max_amq_calling, 1);
  EXPECT_EQ(pdu.pdu_ref, 0x0100);
}

TEST(S7commDecoder, ReadVarItemsAndReturnCodes) {
  Pdu job;
  ASSERT_EQ(decode_pdu(test::kReadJob, job).status, DecodeStatus::Ok);
  EXPECT_EQ(job.function, 0x04);
  ASSERT_EQ(job.item_count, 2);
  ItemIterator items(job);
  VarItem item;
  ASSERT_TRUE(items.next(item));
  EXPECT_EQ(item.area, 0x83);
  EXPECT_EQ(item.address >> 3, 10U);
  EXPECT_EQ(item.length, 4);
  ASSERT_TRUE(items.next(item));
  EXPECT_EQ(item.area, 0x84);
  EXPECT_EQ(item.db, 7);
  EXPECT_EQ(item.address >> 3, 2U);
  EXPECT_FALSE(items.next(item));
  EXPECT_TRUE(items.ok());

  Pdu ack;
  ASSERT_EQ(decode_pdu(test::kReadAck, ack).status, DecodeStatus::Ok);
  ReturnCodeIterator codes(ack);
  std::uint8_t code = 0;
  ASSERT_TRUE(codes.next(code));
  EXPECT_EQ(code, 0xFF);
  ASSERT_TRUE(codes.next(code));
  EXPECT_EQ(item_return_name(code), "object_does_not_exist");
  EXPECT_FALSE(codes.next(code));
}

TEST(S7commDecoder, HostileItemCounts) {
  // 200 items claimed, one present: the iterator stops with an error, reads nothing beyond.
  Bytes params{0x05, 200, 0x12, 0x0A, 0x10, 0x02, 0x00, 0x02, 0x00, 0x01, 0x84, 0x00, 0x00, 0x20};
  Pdu pdu;
  Bytes bytes = test::s7(1, 1, params, {});  // the Pdu's spans point into it
  ASSERT_EQ(decode_pdu(bytes, pdu).status, DecodeStatus::Ok);
  ItemIterator items(pdu);
  VarItem item;
  EXPECT_TRUE(items.next(item));
  EXPECT_FALSE(items.next(item));
  EXPECT_FALSE(items.ok());
  // Item specification length past the parameter part.
  params = {0x04, 1, 0x12, 0xF0, 0x10};
  bytes = test::s7(1, 1, params, {});
  ASSERT_EQ(decode_pdu(bytes, pdu).status, DecodeStatus::Ok);
  ItemIterator bad(pdu);
  EXPECT_FALSE(bad.next(item));
  EXPECT_FALSE(bad.ok());
  // Read answer whose value length runs past the data.
  bytes = test::s7(3, 1, {0x04, 0x01}, {0xFF, 0x09, 0xFF, 0xFF, 1});
  ASSERT_EQ(decode_pdu(bytes, pdu).status, DecodeStatus::Ok);
  ReturnCodeIterator codes(pdu);
  std::uint8_t code = 0;
  EXPECT_FALSE(codes.next(code));
  EXPECT_FALSE(codes.ok());
}

TEST(S7commDecoder, PlcStopPiServiceAndDownload) {
  Pdu pdu;
  ASSERT_EQ(decode_pdu(test::kStopJob, pdu).status, DecodeStatus::Ok);
  EXPECT_EQ(pdu.function, static_cast<std::uint8_t>(Function::PlcStop));
  EXPECT_EQ(text(pdu.pi_service), "P_PROGRAM");

  ASSERT_EQ(decode_pdu(test::kInseJob, pdu).status, DecodeStatus::Ok);
  EXPECT_EQ(text(pdu.pi_service), "_INSE");
  ASSERT_TRUE(pdu.has_block);
  EXPECT_EQ(pdu.block_type, 0x0A);
  EXPECT_EQ(pdu.block_number, 1U);

  ASSERT_EQ(decode_pdu(test::kDownloadJob, pdu).status, DecodeStatus::Ok);
  ASSERT_TRUE(pdu.has_block);
  EXPECT_EQ(block_type_name(pdu.block_type), "fc");
  EXPECT_EQ(pdu.block_number, 42U);

  Pdu ack;
  ASSERT_EQ(decode_pdu(test::kInseAck, ack).status, DecodeStatus::Ok);
  EXPECT_EQ(ack.error_class, 0xD2);
  EXPECT_EQ(ack.error_code, 0x09);
}

TEST(S7commDecoder, HostileNameLengths) {
  Pdu pdu;
  // PI parameter block claims 0xFFFF bytes.
  EXPECT_EQ(decode_pdu(test::s7(1, 1, {0x28, 0, 0, 0, 0, 0, 0, 0xFD, 0xFF, 0xFF, 0x01}, {}), pdu)
                .status,
            DecodeStatus::Invalid);
  // PLC stop name longer than the parameter part.
  EXPECT_EQ(decode_pdu(test::s7(1, 1, {0x29, 0, 0, 0, 0, 0, 0x20, 'P'}, {}), pdu).status,
            DecodeStatus::Invalid);
  // A download file name that is not a block name: decoded, no block reported.
  ASSERT_EQ(decode_pdu(test::s7(1, 1, {0x1B, 0, 0, 0, 0, 0, 0, 0, 0x03, '_', 'x', 'y'}, {}), pdu)
                .status,
            DecodeStatus::Ok);
  EXPECT_FALSE(pdu.has_block);
}

TEST(S7commDecoder, UserdataReadSzl) {
  Pdu pdu;
  ASSERT_EQ(decode_pdu(test::kSzlReq, pdu).status, DecodeStatus::Ok);
  EXPECT_EQ(pdu.ud_type, 4);
  EXPECT_EQ(pdu.ud_group, 4);
  EXPECT_EQ(pdu.ud_subfunction, 1);
  ASSERT_TRUE(pdu.has_szl);
  EXPECT_EQ(pdu.szl_id, 0x0132);
  EXPECT_EQ(pdu.szl_index, 4);
  ASSERT_EQ(decode_pdu(test::kSzlResp, pdu).status, DecodeStatus::Ok);
  EXPECT_EQ(pdu.ud_type, 8);
  EXPECT_EQ(pdu.szl_id, 0x0132);
  EXPECT_EQ(userdata_subfunction_name(pdu.ud_group, pdu.ud_subfunction), "read_szl");
}

TEST(S7commDecoder, HostileUserdata) {
  Pdu pdu;
  EXPECT_EQ(decode_pdu(test::s7(7, 1, {0x01, 0x00, 0x10, 0x10, 0x00, 0x00}, {}), pdu).status,
            DecodeStatus::Invalid);  // parameter shorter than its head and body
  // A mode-transition push (head 01 00 10, from step7_s300_stop.pcapng): group 0, mode STOP.
  ASSERT_EQ(decode_pdu(test::s7(7, 0, {0x01, 0x00, 0x10, 0x10, 0x00, 0x00, 0x00, 0x00}, {}), pdu)
                .status,
            DecodeStatus::Ok);
  EXPECT_EQ(pdu.ud_group, 0);
  EXPECT_EQ(pdu.ud_type, 0);
  EXPECT_EQ(decode_pdu(test::s7(7, 1, {0x00, 0x01, 0x12, 0x09, 0x11, 0x44, 0x01, 0x00}, {}), pdu)
                .status,
            DecodeStatus::Invalid);  // parameter length
  EXPECT_EQ(decode_pdu(test::s7(7, 1, {0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00},
                                {0xFF, 0x09, 0x10, 0x00, 0x01}),
                       pdu)
                .status,
            DecodeStatus::Invalid);  // data length
}

TEST(S7commDecoder, HeaderLengthsAreHostile) {
  Pdu pdu;
  Bytes b = test::kSetupJob;
  b[6] = 0xFF;  // parameter length
  auto r = decode_pdu(b, pdu);
  EXPECT_EQ(r.status, DecodeStatus::NeedMore);
  EXPECT_EQ(r.need, 10U + 0xFF08U);
  b = test::kSetupJob;
  b[8] = 0xFF;  // data length
  b[9] = 0xFF;
  EXPECT_EQ(decode_pdu(b, pdu).status, DecodeStatus::NeedMore);
  EXPECT_EQ(decode_pdu(Bytes{0x33, 0x01}, pdu).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode_pdu(Bytes{0x32, 0x05}, pdu).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode_pdu(test::s7(1, 1, {}, {}), pdu).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode_pdu(test::s7(1, 1, {0xF0, 0x00}, {}), pdu).status, DecodeStatus::Invalid);
}

TEST(S7commDecoder, TruncationSweep) {
  for (const Bytes* sample :
       {&test::kSetupJob, &test::kSetupAck, &test::kWriteJob, &test::kWriteAck, &test::kReadJob,
        &test::kReadAck, &test::kStopJob, &test::kStopAck, &test::kInseJob, &test::kInseAck,
        &test::kDownloadJob, &test::kSzlReq, &test::kSzlResp}) {
    Pdu pdu;
    ASSERT_EQ(decode_pdu(*sample, pdu).status, DecodeStatus::Ok);
    for (std::size_t n = 0; n < sample->size(); ++n) {
      const auto r = decode_pdu(std::span(sample->data(), n), pdu);
      EXPECT_NE(r.status, DecodeStatus::Ok) << "prefix " << n;
    }
  }
}

TEST(S7commPlus, RecognisesV1RequestAndResponse) {
  PlusPdu p;
  ASSERT_EQ(decode_plus(test::kPlusReq, p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.version, 1);
  EXPECT_EQ(p.opcode, 0x31);
  EXPECT_EQ(plus_function_name(p.function), "create_object");
  EXPECT_EQ(p.sequence, 1);
  EXPECT_FALSE(p.integrity_protected);
  ASSERT_EQ(decode_plus(test::kPlusResp, p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.opcode, 0x32);
}

TEST(S7commPlus, IntegrityProtectedIsSaidSo) {
  Bytes v3 = test::kPlusReq;
  v3[1] = 0x03;
  PlusPdu p;
  ASSERT_EQ(decode_plus(v3, p).status, DecodeStatus::Ok);
  EXPECT_TRUE(p.integrity_protected);
  // A 32-byte digest in front of the opcode.
  Bytes digest{0x72, 0x02, 0x00, 0x40, 0x20};
  digest.insert(digest.end(), 32, 0xA5);
  digest.insert(digest.end(), {0x31, 0x00, 0x00, 0x05, 0x42, 0x00, 0x00, 0x00, 0x07});
  ASSERT_EQ(decode_plus(digest, p).status, DecodeStatus::Ok);
  EXPECT_TRUE(p.integrity_protected);
  EXPECT_EQ(p.function, 0x0542);
  EXPECT_EQ(p.sequence, 7);
}

TEST(S7commPlus, UnparseableIsInvalidNotGuessed) {
  PlusPdu p;
  EXPECT_EQ(decode_plus(Bytes{0x72, 0x01, 0x00, 0x10, 0x99, 0x00}, p).status,
            DecodeStatus::Invalid);
  EXPECT_EQ(decode_plus(Bytes{0x72, 0x09, 0x00, 0x10, 0x31, 0x00}, p).status,
            DecodeStatus::Invalid);
  Bytes digest{0x72, 0x03, 0x00, 0x40, 0x20};
  digest.insert(digest.end(), 32, 0x00);
  digest.push_back(0x77);  // not an opcode after the digest
  EXPECT_EQ(decode_plus(digest, p).status, DecodeStatus::Invalid);
  ASSERT_EQ(decode_plus(Bytes{0x72, 0xFE, 0x00, 0x00, 0x00}, p).status, DecodeStatus::Ok);
  EXPECT_TRUE(p.keep_alive);
  for (std::size_t n = 0; n < test::kPlusReq.size(); ++n) {
    if (n >= 13) break;  // the header ends with the sequence number at 13
    EXPECT_NE(decode_plus(std::span(test::kPlusReq.data(), n), p).status, DecodeStatus::Ok) << n;
  }
}

}  // namespace
}  // namespace limen::dissect::s7comm
