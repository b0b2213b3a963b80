// DNP3 pure decoder: link frames and CRCs, transport header, application header and objects,
// hostile lengths and counts, truncation sweeps; the function and operation tables.
#include <gtest/gtest.h>

#include "dissectors/dnp3/dnp3_decoder.h"
#include "dissectors/dnp3/dnp3_fields.h"
#include "tests/dissectors/dnp3/dnp3_test_util.h"

namespace limen::dissect::dnp3 {
namespace {

using test::Bytes;

// A real read request (class 0123 poll) from read_and_response.pcap.
const Bytes kReadRequest{0x05, 0x64, 0x14, 0xc4, 0x0a, 0x00, 0x01, 0x00, 0x8f, 0xed,
                         0xc0, 0xc0, 0x01, 0x3c, 0x02, 0x06, 0x3c, 0x03, 0x06, 0x3c,
                         0x04, 0x06, 0x3c, 0x01, 0x06, 0x8a, 0x51};
// A real cold restart request from cold_restart_and_response.pcap.
const Bytes kColdRestart{0x05, 0x64, 0x08, 0xc4, 0x0a, 0x00, 0x01,
                         0x00, 0xfc, 0x42, 0xc0, 0xc0, 0x0d, 0x9c, 0x86};

TEST(Dnp3Crc, MatchesRealFrames) {
  EXPECT_EQ(crc16(std::span(kReadRequest).first(8)), 0xED8F);
  EXPECT_EQ(crc16(std::span(kColdRestart).subspan(10, 3)), 0x869C);
  const Bytes b = test::link_frame(0xC4, 10, 1, Bytes{0xC0, 0xC0, 0x0D});
  EXPECT_EQ(b, kColdRestart);
}

TEST(Dnp3Link, DecodesRealFrame) {
  const LinkResult r = decode_link_frame(kReadRequest);
  ASSERT_EQ(r.status, Status::Ok) << r.reason;
  EXPECT_EQ(r.frame.header.length, 0x14);
  EXPECT_EQ(r.frame.header.dst, 10);
  EXPECT_EQ(r.frame.header.src, 1);
  EXPECT_TRUE(r.frame.header.dir());
  EXPECT_TRUE(r.frame.header.primary());
  EXPECT_EQ(r.frame.header.function(), 4);
  EXPECT_EQ(r.frame.wire.size(), kReadRequest.size());
  std::array<std::uint8_t, kMaxUserData> user{};
  ASSERT_EQ(copy_user_data(r.frame, user), 15U);
  EXPECT_EQ(user[0], 0xC0);
  EXPECT_EQ(user[2], 0x01);
  EXPECT_EQ(user[14], 0x06);
  std::array<std::uint8_t, 4> small{};
  EXPECT_EQ(copy_user_data(r.frame, small), 0U);
}

TEST(Dnp3Link, FrameSizes) {
  EXPECT_EQ(link_frame_size(5), 10U);
  EXPECT_EQ(link_frame_size(6), 13U);
  EXPECT_EQ(link_frame_size(21), 28U);
  EXPECT_EQ(link_frame_size(22), 31U);
  EXPECT_EQ(link_frame_size(255), kMaxLinkFrame);
}

TEST(Dnp3Link, MultiBlockFrameAndEveryLength) {
  for (std::size_t n = 0; n <= kMaxUserData; ++n) {
    Bytes user(n);
    for (std::size_t i = 0; i < n; ++i) user[i] = static_cast<std::uint8_t>(i * 7);
    const Bytes f = test::link_frame(0x44, 1, 2, user);
    ASSERT_EQ(f.size(), link_frame_size(static_cast<std::uint8_t>(n + 5)));
    const LinkResult r = decode_link_frame(f);
    ASSERT_EQ(r.status, Status::Ok) << n;
    std::array<std::uint8_t, kMaxUserData> out{};
    ASSERT_EQ(copy_user_data(r.frame, out), n);
    EXPECT_TRUE(std::equal(user.begin(), user.end(), out.begin()));
  }
}

TEST(Dnp3Link, TruncationSweepNeedsMore) {
  Bytes user(40, 0xAB);
  const Bytes f = test::link_frame(0x44, 1, 2, user);
  for (std::size_t n = 0; n < f.size(); ++n) {
    const LinkResult r = decode_link_frame(std::span(f).first(n));
    ASSERT_EQ(r.status, Status::NeedMore) << n;
    EXPECT_GT(r.needed, n);
    EXPECT_LE(r.needed, f.size());
  }
}

TEST(Dnp3Link, RejectsBadStartLengthAndCrcs) {
  Bytes f = kReadRequest;
  f[1] = 0x65;
  EXPECT_EQ(decode_link_frame(f).status, Status::Invalid);
  EXPECT_EQ(decode_link_frame(Bytes{0x06}).status, Status::Invalid);

  f = kReadRequest;
  f[4] ^= 1;  // destination changed: header CRC no longer holds
  LinkResult r = decode_link_frame(f);
  EXPECT_EQ(r.status, Status::Invalid);
  EXPECT_FALSE(r.header_valid);
  EXPECT_EQ(r.reason, "link header CRC mismatch");

  f = kReadRequest;
  f[15] ^= 1;  // inside the first data block
  r = decode_link_frame(f);
  EXPECT_EQ(r.status, Status::Invalid);
  EXPECT_TRUE(r.header_valid);
  EXPECT_EQ(r.frame.wire.size(), kReadRequest.size());
  EXPECT_EQ(r.reason, "link data CRC mismatch");

  // Every LENGTH below 5 is refused even with a correct header CRC.
  for (std::uint8_t len = 0; len < 5; ++len) {
    Bytes h{0x05, 0x64, len, 0x44, 0x01, 0x00, 0x02, 0x00};
    const std::uint16_t crc = crc16(h);
    h.push_back(static_cast<std::uint8_t>(crc & 0xFF));
    h.push_back(static_cast<std::uint8_t>(crc >> 8));
    r = decode_link_frame(h);
    EXPECT_EQ(r.status, Status::Invalid);
    EXPECT_EQ(r.reason, "link length below 5");
  }
}

TEST(Dnp3Transport, Header) {
  const TransportHeader t = decode_transport(0xC5);
  EXPECT_TRUE(t.fin);
  EXPECT_TRUE(t.fir);
  EXPECT_EQ(t.seq, 5);
  const TransportHeader u = decode_transport(0x3F);
  EXPECT_FALSE(u.fin);
  EXPECT_FALSE(u.fir);
  EXPECT_EQ(u.seq, 63);
}

AppResult app(const Bytes& b) { return decode_application(b); }

TEST(Dnp3App, ReadRequestClassObjects) {
  const AppResult r = app({0xC0, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03, 0x06, 0x3C, 0x04, 0x06,
                           0x3C, 0x01, 0x06});
  ASSERT_EQ(r.status, Status::Ok);
  const AppMessage& m = r.message;
  EXPECT_EQ(m.function, 1);
  EXPECT_FALSE(m.has_iin);
  EXPECT_TRUE(m.fir());
  EXPECT_TRUE(m.fin());
  EXPECT_EQ(m.seq(), 0);
  ASSERT_EQ(m.object_count, 4U);
  EXPECT_EQ(m.objects_stop, ObjectStop::Complete);
  EXPECT_EQ(m.objects[0].type(), 0x3C02);
  EXPECT_EQ(m.objects[3].type(), 0x3C01);
  EXPECT_EQ(m.objects[0].count, 0U);
}

TEST(Dnp3App, ResponseWithIinAndData) {
  // g30v2 (3 bytes each) indexes 0..2, then g1v1 packed 10 bits (2 bytes), then g50v1 count 1.
  const AppResult r = app({0xE3, 0x81, 0x90, 0x02, 0x1E, 0x02, 0x00, 0x00, 0x02,
                           1, 2, 3, 4, 5, 6, 7, 8, 9,
                           0x01, 0x01, 0x00, 0x00, 0x09, 0xFF, 0x03,
                           0x32, 0x01, 0x07, 0x01, 1, 2, 3, 4, 5, 6});
  ASSERT_EQ(r.status, Status::Ok);
  const AppMessage& m = r.message;
  EXPECT_TRUE(m.has_iin);
  EXPECT_EQ(m.iin, 0x9002);
  EXPECT_TRUE(m.con());
  EXPECT_EQ(m.seq(), 3);
  ASSERT_EQ(m.object_count, 3U);
  EXPECT_EQ(m.objects_stop, ObjectStop::Complete);
  EXPECT_EQ(m.objects[0].count, 3U);
  EXPECT_EQ(m.objects[1].type(), 0x0101);
  EXPECT_EQ(m.objects[1].count, 10U);
  EXPECT_EQ(m.objects[2].type(), 0x3201);
}

TEST(Dnp3App, IndexPrefixedAndSizePrefixed) {
  // Direct operate: g12v1 qualifier 0x28 (2-byte count, 2-byte index prefix), one CROB; then
  // g70v3 qualifier 0x5B (1-byte count, 2-byte size prefix) with 3 bytes.
  const AppResult r = app({0xC1, 0x05, 0x0C, 0x01, 0x28, 0x01, 0x00, 0x07, 0x00,
                           0x41, 0x01, 0xE8, 0x03, 0, 0, 0, 0, 0, 0, 0,
                           0x46, 0x03, 0x5B, 0x01, 0x03, 0x00, 0xAA, 0xBB, 0xCC});
  ASSERT_EQ(r.status, Status::Ok);
  ASSERT_EQ(r.message.object_count, 2U);
  EXPECT_EQ(r.message.objects_stop, ObjectStop::Complete);
  EXPECT_EQ(r.message.objects[1].type(), 0x4603);
}

TEST(Dnp3App, ReadRequestsWithIndexesAndFileTransport) {
  // READ of analog inputs 3 and 5 by index (qualifier 0x17): indexes but no data, then a READ
  // of a file transport object (g70v5, qualifier 0x5B) that does carry data.
  const AppResult r = app({0xC2, 0x01, 0x1E, 0x01, 0x17, 0x02, 0x03, 0x05,
                           0x46, 0x05, 0x5B, 0x01, 0x02, 0x00, 0x11, 0x22,
                           0x3C, 0x01, 0x06});
  ASSERT_EQ(r.status, Status::Ok);
  EXPECT_EQ(r.message.objects_stop, ObjectStop::Complete) << r.message.objects_reason;
  ASSERT_EQ(r.message.object_count, 3U);
  EXPECT_EQ(r.message.objects[0].count, 2U);
  EXPECT_EQ(r.message.objects[1].type(), 0x4605);
  EXPECT_EQ(r.message.objects[2].type(), 0x3C01);
  // A READ naming 200 indexes it does not hold.
  EXPECT_EQ(app({0xC2, 0x01, 0x1E, 0x01, 0x28, 0xC8, 0x00, 0x01, 0x00}).message.objects_stop,
            ObjectStop::Malformed);
}

TEST(Dnp3App, UnknownSizeStopsObjectsNotMessage) {
  // g0 device attributes have no fixed size: the walk stops, the message is still Ok.
  const AppResult r = app({0xC0, 0x81, 0x00, 0x00, 0x00, 0xF0, 0x00, 0xFA, 0xFA, 0x01,
                           0x3C, 0x01, 0x06});
  ASSERT_EQ(r.status, Status::Ok);
  EXPECT_EQ(r.message.objects_stop, ObjectStop::UnknownSize);
  EXPECT_EQ(r.message.object_count, 1U);
}

TEST(Dnp3App, HostileCountsAndRanges) {
  struct Case {
    Bytes bytes;
    ObjectStop stop;
  };
  const std::vector<Case> cases{
      // 4-byte count of 2^32-1 analog inputs with 3 bytes of data.
      {{0xC0, 0x81, 0, 0, 0x1E, 0x01, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3},
       ObjectStop::Malformed},
      // 4-byte start/stop range covering everything, packed binary inputs.
      {{0xC0, 0x81, 0, 0, 0x01, 0x01, 0x02, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF},
       ObjectStop::Malformed},
      // stop before start.
      {{0xC0, 0x81, 0, 0, 0x1E, 0x01, 0x00, 0x05, 0x02}, ObjectStop::Malformed},
      // index-prefixed count far past the data.
      {{0xC0, 0x05, 0x0C, 0x01, 0x39, 0xFF, 0xFF, 0xFF, 0x7F, 0x00}, ObjectStop::Malformed},
      // size prefix claiming 65535 bytes.
      {{0xC0, 0x19, 0x46, 0x03, 0x5B, 0x01, 0xFF, 0xFF, 0x00}, ObjectStop::Malformed},
      // size prefix of 4 bytes claiming 4 GiB, 255 objects.
      {{0xC0, 0x19, 0x46, 0x03, 0x6B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, ObjectStop::Malformed},
      // free-format range without a size prefix.
      {{0xC0, 0x02, 0x46, 0x03, 0x0B, 0x01, 0x00}, ObjectStop::Malformed},
      // reserved qualifier bit 7 and prefix 7.
      {{0xC0, 0x01, 0x1E, 0x00, 0x86}, ObjectStop::Malformed},
      {{0xC0, 0x01, 0x1E, 0x00, 0x76}, ObjectStop::Malformed},
      // reserved range codes.
      {{0xC0, 0x01, 0x1E, 0x00, 0x0A}, ObjectStop::Malformed},
      {{0xC0, 0x01, 0x1E, 0x00, 0x0F}, ObjectStop::Malformed},
      // header cut in the middle of the range.
      {{0xC0, 0x01, 0x1E, 0x00, 0x01, 0x00}, ObjectStop::Malformed},
      // octet string of variation 0 has no size.
      {{0xC0, 0x02, 0x6E, 0x00, 0x07, 0x01}, ObjectStop::UnknownSize},
      // packed objects with an index prefix are not defined.
      {{0xC0, 0x02, 0x50, 0x01, 0x17, 0x01, 0x07, 0x00}, ObjectStop::UnknownSize},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const AppResult r = app(cases[i].bytes);
    ASSERT_EQ(r.status, Status::Ok) << i;
    EXPECT_EQ(r.message.objects_stop, cases[i].stop) << i;
    EXPECT_FALSE(r.message.objects_reason.empty()) << i;
  }
}

TEST(Dnp3App, TooManyHeaders) {
  Bytes b{0xC0, 0x01};
  for (std::size_t i = 0; i < kMaxObjectHeaders + 5; ++i) b.insert(b.end(), {0x3C, 0x01, 0x06});
  const AppResult r = app(b);
  ASSERT_EQ(r.status, Status::Ok);
  EXPECT_EQ(r.message.objects_stop, ObjectStop::TooMany);
  EXPECT_EQ(r.message.object_count, kMaxObjectHeaders);
}

TEST(Dnp3App, TruncationSweep) {
  const Bytes full{0xE3, 0x81, 0x90, 0x02, 0x1E, 0x02, 0x00, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7,
                   8, 9, 0x32, 0x01, 0x07, 0x01, 1, 2, 3, 4, 5, 6};
  ASSERT_EQ(app(full).message.objects_stop, ObjectStop::Complete);
  for (std::size_t n = 0; n < full.size(); ++n) {
    const AppResult r = decode_application(std::span(full).first(n));
    if (n < 4) {
      EXPECT_EQ(r.status, Status::NeedMore) << n;
      continue;
    }
    ASSERT_EQ(r.status, Status::Ok) << n;
    // A cut fragment either ends exactly between objects or is reported as malformed.
    const bool boundary = n == 4 || n == 18;
    EXPECT_EQ(r.message.objects_stop, boundary ? ObjectStop::Complete : ObjectStop::Malformed)
        << n;
  }
  for (std::size_t n = 0; n < 2; ++n)
    EXPECT_EQ(decode_application(std::span(kReadRequest).subspan(11, n)).status,
              Status::NeedMore);
}

TEST(Dnp3App, ObjectSizes) {
  EXPECT_EQ(object_bits(1, 1), 1U);
  EXPECT_EQ(object_bits(3, 1), 2U);
  EXPECT_EQ(object_bits(12, 1), 88U);
  EXPECT_EQ(object_bits(30, 6), 72U);
  EXPECT_EQ(object_bits(32, 8), 120U);
  EXPECT_EQ(object_bits(50, 1), 48U);
  EXPECT_EQ(object_bits(110, 12), 96U);
  EXPECT_EQ(object_bits(30, 0), 0U);
  EXPECT_EQ(object_bits(30, 7), 0U);
  EXPECT_EQ(object_bits(70, 3), 0U);
  EXPECT_EQ(object_bits(120, 1), 0U);
}

TEST(Dnp3Tables, FunctionNamesAndOperations) {
  EXPECT_EQ(function_name(0), "confirm");
  EXPECT_EQ(function_name(13), "cold_restart");
  EXPECT_EQ(function_name(33), "authentication_error");
  EXPECT_EQ(function_name(129), "response");
  EXPECT_EQ(function_name(130), "unsolicited_response");
  EXPECT_EQ(function_name(131), "authentication_response");
  EXPECT_EQ(function_name(34), "unknown");
  EXPECT_EQ(function_name(200), "unknown");
  EXPECT_EQ(link_function_name(true, 4), "unconfirmed_user_data");
  EXPECT_EQ(link_function_name(false, 0), "ack");
  EXPECT_EQ(link_function_name(false, 7), "unknown");
  using enum Operation;
  EXPECT_EQ(function_operation(1), Read);
  EXPECT_EQ(function_operation(2), Write);
  for (std::uint8_t f = 3; f <= 12; ++f) EXPECT_EQ(function_operation(f), Control) << int{f};
  EXPECT_EQ(function_operation(13), Restart);
  EXPECT_EQ(function_operation(14), Restart);
  EXPECT_EQ(function_operation(17), Start);
  EXPECT_EQ(function_operation(18), Stop);
  EXPECT_EQ(function_operation(19), Program);
  EXPECT_EQ(function_operation(20), Write);
  EXPECT_EQ(function_operation(21), Write);
  EXPECT_EQ(function_operation(22), Write);
  EXPECT_EQ(function_operation(23), Diagnostic);
  EXPECT_EQ(function_operation(24), Diagnostic);
  for (std::uint8_t f = 25; f <= 30; ++f) EXPECT_EQ(function_operation(f), File) << int{f};
  EXPECT_EQ(function_operation(31), Program);
  EXPECT_EQ(function_operation(32), Auth);
  EXPECT_EQ(function_operation(33), Auth);
  EXPECT_EQ(function_operation(129), Unknown);
  EXPECT_EQ(function_operation(130), Report);
  EXPECT_EQ(function_operation(131), Auth);
  EXPECT_EQ(function_operation(99), Unknown);
}

}  // namespace
}  // namespace limen::dissect::dnp3
