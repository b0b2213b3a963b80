// OPC UA decoder tests: every message type from hand-built bytes, each hostile length, the
// 64 KiB window for oversized chunks, and truncation sweeps (every prefix needs more; every
// shrunk declared size is Ok, Malformed or Invalid, never a read past the chunk).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/opcua/opcua_decoder.h"
#include "tests/dissectors/opcua/opcua_bytes.h"

namespace limen::dissect::opcua {
namespace {

using namespace test;  // NOLINT: the byte builders

// A decoded message holds views into its input, so the input must outlive it. Builders return
// temporaries: the bytes a test decodes are kept here for the rest of the run.
std::span<const std::uint8_t> kept(Bytes b) {
  static std::deque<Bytes> store;
  return store.emplace_back(std::move(b));
}

std::string_view text(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};  // NOLINT: char view
}

DecodeResult decode(Bytes b, Chunk& c, bool visible = true) {
  return decode_chunk(kept(std::move(b)), visible, c);
}

TEST(OpcuaDecoder, Hello) {
  const Bytes b = hello("opc.tcp://plc:4840/ua");
  Chunk c;
  const auto r = decode(b, c);
  ASSERT_EQ(r.status, DecodeStatus::Ok);
  EXPECT_EQ(r.size, b.size());
  EXPECT_EQ(c.type, MessageType::Hello);
  EXPECT_EQ(c.receive_buffer_size, 65535U);
  EXPECT_EQ(text(c.endpoint_url), "opc.tcp://plc:4840/ua");
}

TEST(OpcuaDecoder, OpenSecureChannelRequestAndResponse) {
  Chunk c;
  ASSERT_EQ(decode(open_request(1, 1), c).status, DecodeStatus::Ok);
  EXPECT_EQ(c.type, MessageType::Open);
  EXPECT_TRUE(c.policy_none);
  EXPECT_EQ(text(c.security_policy), kPolicyNone);
  EXPECT_TRUE(c.has_sequence);
  EXPECT_EQ(c.request_id, 1U);
  EXPECT_EQ(c.service_id, 446U);
  ASSERT_TRUE(c.has_open);
  EXPECT_EQ(c.security_mode, 1U);
  EXPECT_EQ(c.request_type, 0U);

  ASSERT_EQ(decode(open_response(1, 6495), c).status, DecodeStatus::Ok);
  EXPECT_EQ(c.service_id, 449U);
  EXPECT_TRUE(c.has_status);
  EXPECT_EQ(c.status_code, 0U);
  ASSERT_TRUE(c.has_open);
  EXPECT_EQ(c.revised_channel_id, 6495U);
  EXPECT_EQ(c.revised_token_id, 1U);
}

TEST(OpcuaDecoder, SecuredOpenHidesItsBody) {
  Chunk c;
  ASSERT_EQ(decode(open_request(1, 3, kPolicyBasic), c).status, DecodeStatus::Ok);
  EXPECT_FALSE(c.policy_none);
  EXPECT_TRUE(c.has_sequence);
  EXPECT_FALSE(c.has_service);
  EXPECT_FALSE(c.has_open);
}

TEST(OpcuaDecoder, MessageServiceOnlyWhenVisible) {
  const Bytes b = message(9, 631, request_header());
  Chunk c;
  ASSERT_EQ(decode(b, c, true).status, DecodeStatus::Ok);
  EXPECT_EQ(c.secure_channel_id, 7U);
  EXPECT_EQ(c.token_id, 1U);
  EXPECT_EQ(c.sequence_number, 109U);
  EXPECT_EQ(c.request_id, 9U);
  EXPECT_TRUE(c.has_service);
  EXPECT_EQ(c.service_id, 631U);
  ASSERT_EQ(decode(b, c, false).status, DecodeStatus::Ok);
  EXPECT_TRUE(c.has_sequence);
  EXPECT_FALSE(c.has_service);
}

TEST(OpcuaDecoder, ResponseStatusAndServiceFault) {
  Chunk c;
  ASSERT_EQ(decode(message(9, 634, response_header(0x80340000U)), c).status, DecodeStatus::Ok);
  EXPECT_TRUE(c.has_status);
  EXPECT_EQ(c.status_code, 0x80340000U);
  ASSERT_EQ(decode(message(9, 397, response_header(0x800E0000U)), c).status, DecodeStatus::Ok);
  EXPECT_EQ(c.service_id, 397U);
  EXPECT_EQ(c.status_code, 0x800E0000U);
}

TEST(OpcuaDecoder, NumericNodeIdEncoding) {
  // Encoding 0x02: two-byte namespace, four-byte id (a Read request written the long way).
  const Bytes b = chunk("MSG", 'F', cat({le32(7), le32(1), le32(2), le32(2),
                                         {0x02, 0x00, 0x00}, le32(631)}));
  Chunk c;
  ASSERT_EQ(decode(b, c).status, DecodeStatus::Ok);
  EXPECT_EQ(c.service_id, 631U);
}

TEST(OpcuaDecoder, ActivateSessionIdentity) {
  Chunk c;
  ASSERT_EQ(decode(activate_request(4, 324), c).status, DecodeStatus::Ok);
  ASSERT_TRUE(c.has_identity);
  EXPECT_EQ(c.identity_token, 324U);
  ASSERT_EQ(decode(activate_request(4, 321), c).status, DecodeStatus::Ok);
  EXPECT_EQ(c.identity_token, 321U);
}

TEST(OpcuaDecoder, ErrorAndAbort) {
  Chunk c;
  ASSERT_EQ(decode(chunk("ERR", 'F', cat({le32(0x80820000U), str("too big")})), c).status,
            DecodeStatus::Ok);
  EXPECT_TRUE(c.has_error);
  EXPECT_EQ(c.error, 0x80820000U);
  EXPECT_EQ(text(c.reason), "too big");
  const Bytes abort = chunk("MSG", 'A', cat({le32(7), le32(1), le32(3), le32(3),
                                             le32(0x80AB0000U), str("stop")}));
  ASSERT_EQ(decode(abort, c).status, DecodeStatus::Ok);
  EXPECT_EQ(c.chunk_type, 'A');
  EXPECT_TRUE(c.has_error);
  EXPECT_EQ(text(c.reason), "stop");
}

TEST(OpcuaDecoder, FramingViolations) {
  Chunk c;
  EXPECT_EQ(decode(chunk("XYZ", 'F', {}), c).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode(chunk("MSG", 'X', Bytes(16, 0)), c).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode(chunk("HEL", 'C', Bytes(24, 0)), c).status, DecodeStatus::Invalid);
  Bytes small = chunk("MSG", 'F', Bytes(16, 0));
  small[4] = 7;  // below the header
  EXPECT_EQ(decode(small, c).status, DecodeStatus::Invalid);
  Bytes huge = chunk("MSG", 'F', Bytes(16, 0));
  huge[7] = 0x02;  // 32 MiB
  EXPECT_EQ(decode(huge, c).status, DecodeStatus::Invalid);
  Bytes big_hello = hello("x");
  big_hello[6] = 0x02;  // 128 KiB connection message
  EXPECT_EQ(decode(big_hello, c).status, DecodeStatus::Invalid);
}

TEST(OpcuaDecoder, HostileLengthsAreMalformed) {
  Chunk c;
  // String length -2, past the chunk, and 2^31 - 1.
  EXPECT_EQ(decode(chunk("ERR", 'F', cat({le32(1), le32(0xFFFFFFFEU)})), c).status,
            DecodeStatus::Malformed);
  EXPECT_EQ(decode(chunk("ERR", 'F', cat({le32(1), le32(100), Bytes(4, 'a')})), c).status,
            DecodeStatus::Malformed);
  EXPECT_EQ(decode(chunk("ERR", 'F', cat({le32(1), le32(0x7FFFFFFFU)})), c).status,
            DecodeStatus::Malformed);
  // Endpoint URL over 4096 bytes.
  EXPECT_EQ(decode(hello(std::string(5000, 'u')), c).status, DecodeStatus::Malformed);
  // Policy URI past the chunk: the sequence header is never reached.
  EXPECT_EQ(decode(chunk("OPN", 'F', cat({le32(0), le32(1000)})), c).status,
            DecodeStatus::Malformed);
  EXPECT_FALSE(c.has_sequence);
  // Locale array of 2^30 strings.
  const Bytes locales = message(4, 467, cat({request_header(), null_str(), null_str(),
                                             le32(0xFFFFFFFFU), le32(0x40000000U)}));
  EXPECT_EQ(decode(locales, c).status, DecodeStatus::Malformed);
  EXPECT_TRUE(c.has_sequence);  // what came before the fault stays usable
  EXPECT_EQ(c.service_id, 467U);
  // A NodeId encoding that does not exist.
  EXPECT_EQ(decode(chunk("MSG", 'F', cat({le32(7), le32(1), le32(2), le32(2), {0x0F}})), c).status,
            DecodeStatus::Malformed);
  // DiagnosticInfo nested deeper than the bound.
  Bytes deep = cat({Bytes(8, 0), le32(1), le32(0)});
  for (int i = 0; i < 8; ++i) deep.push_back(0x40);
  deep.push_back(0x00);
  EXPECT_EQ(decode(message(3, 634, deep), c).status, DecodeStatus::Malformed);
}

TEST(OpcuaDecoder, OversizedChunkDecodesFromItsWindow) {
  Bytes big = message(5, 631, request_header());
  big.resize(100000, 0);
  const Bytes size = le32(100000);
  std::copy(size.begin(), size.end(), big.begin() + 4);
  Chunk c;
  const auto short_read = decode_chunk(std::span(big).first(1000), true, c);
  EXPECT_EQ(short_read.status, DecodeStatus::NeedMore);
  EXPECT_EQ(short_read.size, kMaxChunk);
  const auto r = decode_chunk(std::span(big).first(kMaxChunk), true, c);
  ASSERT_EQ(r.status, DecodeStatus::Ok);
  EXPECT_EQ(r.size, 100000U);
  EXPECT_EQ(c.service_id, 631U);
}

std::vector<Bytes> samples() {
  return {hello("opc.tcp://plc:4840"), ack(), open_request(1, 1), open_response(1, 9),
          message(2, 631, request_header()), message(2, 634, response_header(0)),
          activate_request(3, 324), chunk("ERR", 'F', cat({le32(1), str("bye")})),
          chunk("RHE", 'F', cat({str("urn:server"), str("opc.tcp://s:4840")})),
          chunk("CLO", 'F', cat({le32(7), le32(1), le32(9), le32(9), node4(452),
                                 request_header()}))};
}

TEST(OpcuaDecoder, EveryPrefixNeedsMore) {
  for (const Bytes& b : samples()) {
    Chunk c;
    ASSERT_EQ(decode(b, c).status, DecodeStatus::Ok);
    for (std::size_t n = 0; n < b.size(); ++n) {
      const auto r = decode_chunk(std::span(b).first(n), true, c);
      EXPECT_EQ(r.status, DecodeStatus::NeedMore) << n;
      EXPECT_GT(r.size, n);
    }
  }
}

TEST(OpcuaDecoder, EveryShrunkSizeStaysInsideTheChunk) {
  std::size_t malformed = 0;
  for (const Bytes& b : samples()) {
    for (std::size_t n = 0; n < b.size(); ++n) {
      Bytes cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
      if (n >= 8) {
        const Bytes size = le32(static_cast<std::uint32_t>(n));
        std::copy(size.begin(), size.end(), cut.begin() + 4);
      }
      Chunk c;
      const auto r = decode_chunk(cut, true, c);
      if (n < 8) {
        EXPECT_EQ(r.status, DecodeStatus::NeedMore);
        continue;
      }
      EXPECT_NE(r.status, DecodeStatus::NeedMore) << n;
      if (r.status != DecodeStatus::Invalid) {
        EXPECT_EQ(r.size, n);
      }
      if (r.status == DecodeStatus::Malformed) ++malformed;
    }
  }
  EXPECT_GT(malformed, 100U);  // most cuts land inside a field
}

}  // namespace
}  // namespace limen::dissect::opcua
