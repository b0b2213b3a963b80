// EtherNet/IP and CIP decoder tests from hand-built bytes: framing, CPF items, CIP paths in all
// three logical formats, responses with additional status, Unconnected Send and Multiple Service
// Packet, every hostile length, and truncation sweeps (every prefix: need-more or an error,
// never a crash).

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <span>
#include <string_view>

#include "dissectors/enip/cip_decoder.h"
#include "dissectors/enip/enip_constants.h"
#include "dissectors/enip/enip_decoder.h"
#include "tests/dissectors/enip/enip_test_util.h"

namespace limen::dissect::enip {
namespace {

using namespace test;  // NOLINT: builders

// A decoded message holds views into its input, so the input must outlive it. Builders return
// temporaries: the bytes a test decodes are kept here for the rest of the run.
std::span<const std::uint8_t> kept(Bytes b) {
  static std::deque<Bytes> store;
  return store.emplace_back(std::move(b));
}

std::string_view text(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};  // NOLINT: char view
}

TEST(EnipDecoder, FramesHeader) {
  const Bytes m = encap(0x0065, {0x01, 0x00, 0x00, 0x00}, 0, 7);
  Message msg;
  const DecodeResult r = decode_message(m, msg);
  ASSERT_EQ(r.status, DecodeStatus::Ok);
  EXPECT_EQ(r.size, 28U);
  EXPECT_EQ(msg.header.command, 0x0065);
  EXPECT_EQ(msg.header.length, 4);
  EXPECT_EQ(msg.header.sender_context, 7U);
  EXPECT_TRUE(msg.has_protocol_version);
  EXPECT_EQ(msg.protocol_version, 1);
}

TEST(EnipDecoder, NeedMoreReportsTotalSize) {
  const Bytes m = encap(0x0065, {0x01, 0x00, 0x00, 0x00});
  Message msg;
  EXPECT_EQ(decode_message(std::span(m).first(10), msg).status, DecodeStatus::NeedMore);
  EXPECT_EQ(decode_message(std::span(m).first(10), msg).size, kHeaderBytes);
  const DecodeResult r = decode_message(std::span(m).first(26), msg);
  EXPECT_EQ(r.status, DecodeStatus::NeedMore);
  EXPECT_EQ(r.size, 28U);
}

TEST(EnipDecoder, UnknownCommandIsInvalid) {
  Bytes m = encap(0x0065, {});
  m[0] = 0x99;
  Message msg;
  EXPECT_EQ(decode_message(m, msg).status, DecodeStatus::Invalid);
}

TEST(EnipDecoder, HostileEncapsulationLengthIsInvalid) {
  Bytes m = encap(0x006F, {});
  m[2] = 0xFF;
  m[3] = 0xFF;  // 65535 > 65511
  Message msg;
  const DecodeResult r = decode_message(m, msg);
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  m[2] = 0xE7;  // 65511: framed, needs the whole message
  m[3] = 0xFF;
  EXPECT_EQ(decode_message(m, msg).status, DecodeStatus::NeedMore);
  EXPECT_EQ(decode_message(m, msg).size, kMaxFrame);
}

TEST(EnipDecoder, SendRrDataCarriesCip) {
  const Bytes m = rr(request(0x0E, path(0x01, 0x01, 0x07)), 0x55);
  Message msg;
  ASSERT_EQ(decode_message(m, msg).status, DecodeStatus::Ok);
  EXPECT_TRUE(msg.has_cpf);
  EXPECT_EQ(msg.item_count, 2);
  ASSERT_TRUE(msg.has_cip);
  CipMessage cip;
  ASSERT_EQ(decode_cip(msg.cip, false, cip).status, CipStatus::Ok);
  EXPECT_EQ(cip.service, 0x0E);
  EXPECT_EQ(cip.class_id, 1U);
  EXPECT_EQ(cip.instance, 1U);
  EXPECT_EQ(cip.attribute, 7U);
  EXPECT_TRUE(cip.path_anomaly.empty());
}

TEST(EnipDecoder, SendUnitDataCarriesConnectionAndSequence) {
  const Bytes m = unit(request(0x4C, path(0x8E, 0x01)), 0x00076B01, 7244);
  Message msg;
  ASSERT_EQ(decode_message(m, msg).status, DecodeStatus::Ok);
  EXPECT_TRUE(msg.has_connection_id);
  EXPECT_EQ(msg.connection_id, 0x00076B01U);
  EXPECT_TRUE(msg.has_sequence);
  EXPECT_EQ(msg.sequence, 7244);
  EXPECT_EQ(msg.cip.size(), 6U);
}

TEST(EnipDecoder, PathFormats) {
  // 16-bit class 0x0137 (pad byte), 32-bit instance, 8-bit attribute, then a symbol.
  const Bytes p{0x21, 0x00, 0x37, 0x01, 0x26, 0x00, 0x78, 0x56, 0x34, 0x12, 0x30, 0x02,
                0x91, 0x03, 'a', 'b', 'c', 0x00};
  CipMessage cip;
  ASSERT_EQ(decode_cip(kept(request(0x10, p)), false, cip).status, CipStatus::Ok);
  EXPECT_EQ(cip.class_id, 0x0137U);
  EXPECT_EQ(cip.instance, 0x12345678U);
  EXPECT_EQ(cip.attribute, 2U);
  EXPECT_EQ(text(cip.symbol), "abc");
  EXPECT_TRUE(cip.path_anomaly.empty());
}

TEST(EnipDecoder, PortSegmentsAreSkipped) {
  const Bytes p{0x01, 0x00, 0x12, 0x03, '1', '.', '2', 0x00, 0x20, 0x02, 0x24, 0x01};
  CipMessage cip;
  ASSERT_EQ(decode_cip(kept(request(0x01, p)), false, cip).status, CipStatus::Ok);
  EXPECT_EQ(cip.class_id, 2U);
  EXPECT_TRUE(cip.path_anomaly.empty());
}

TEST(EnipDecoder, HostilePathLengths) {
  CipMessage cip;
  // Path size 10 words with 4 bytes present.
  EXPECT_EQ(decode_cip(Bytes{0x0E, 10, 0x20, 0x01, 0x24, 0x01}, false, cip).status,
            CipStatus::Malformed);
  // A symbol whose length runs past the path: decoded, with a path anomaly.
  ASSERT_EQ(decode_cip(Bytes{0x4C, 2, 0x91, 0xFF, 'a', 'b'}, false, cip).status, CipStatus::Ok);
  EXPECT_FALSE(cip.path_anomaly.empty());
  EXPECT_TRUE(cip.symbol.empty());
  // A 32-bit class with its value cut by the path size.
  ASSERT_EQ(decode_cip(Bytes{0x0E, 1, 0x22, 0x00}, false, cip).status, CipStatus::Ok);
  EXPECT_FALSE(cip.has_class);
  EXPECT_FALSE(cip.path_anomaly.empty());
  // An unknown segment type stops the path but keeps what came before.
  ASSERT_EQ(decode_cip(Bytes{0x0E, 2, 0x20, 0x05, 0xE0, 0x00}, false, cip).status,
            CipStatus::Ok);
  EXPECT_EQ(cip.class_id, 5U);
  EXPECT_FALSE(cip.path_anomaly.empty());
}

TEST(EnipDecoder, ResponseStatus) {
  CipMessage cip;
  ASSERT_EQ(decode_cip(kept(response(0x10, 0x0F, {0x34, 0x12})), true, cip).status, CipStatus::Ok);
  EXPECT_EQ(cip.service, 0x10);
  EXPECT_TRUE(cip.response);
  EXPECT_EQ(cip.general_status, 0x0F);
  EXPECT_TRUE(cip.has_extended_status);
  EXPECT_EQ(cip.extended_status, 0x1234);
  // Additional status size past the message.
  EXPECT_EQ(decode_cip(Bytes{0x90, 0x00, 0x01, 0x05, 0x00}, true, cip).status,
            CipStatus::Malformed);
  // Direction and response bit disagree.
  EXPECT_EQ(decode_cip(kept(response(0x10)), false, cip).status, CipStatus::Malformed);
  EXPECT_EQ(decode_cip(kept(request(0x10, path(1, 1))), true, cip).status, CipStatus::Malformed);
  EXPECT_EQ(decode_cip(Bytes{}, true, cip).status, CipStatus::Malformed);
}

TEST(EnipDecoder, UnwrapsUnconnectedSend) {
  const Bytes wire = unconnected_send(request(0x07, path(0x8E, 0x01)));
  CipMessage outer;
  ASSERT_EQ(decode_cip(wire, false, outer).status, CipStatus::Ok);
  EXPECT_EQ(outer.service, 0x52);
  EXPECT_EQ(outer.class_id, 6U);
  CipMessage inner;
  ASSERT_EQ(unwrap_unconnected_send(outer, inner).status, CipStatus::Ok);
  EXPECT_EQ(inner.service, 0x07);
  EXPECT_EQ(inner.class_id, 0x8EU);
  // Embedded size past the request.
  outer.data = std::span<const std::uint8_t>(outer.data).first(6);
  EXPECT_EQ(unwrap_unconnected_send(outer, inner).status, CipStatus::Malformed);
}

TEST(EnipDecoder, MultipleServicePacketMembers) {
  const Bytes data = multiple_data({request(0x0E, path(0x01, 0x01, 0x01)),
                                    request(0x07, path(0x8E, 0x01))});
  const Bytes wire = request(0x0A, path(0x02, 0x01), data);
  CipMessage packet;
  ASSERT_EQ(decode_cip(wire, false, packet).status, CipStatus::Ok);
  std::uint16_t count = 0;
  ASSERT_EQ(multiple_service_count(packet, count).status, CipStatus::Ok);
  ASSERT_EQ(count, 2);
  CipMessage m;
  ASSERT_EQ(multiple_service_member(packet, 0, m).status, CipStatus::Ok);
  EXPECT_EQ(m.service, 0x0E);
  EXPECT_EQ(m.attribute, 1U);
  ASSERT_EQ(multiple_service_member(packet, 1, m).status, CipStatus::Ok);
  EXPECT_EQ(m.service, 0x07);
  EXPECT_EQ(m.class_id, 0x8EU);
  EXPECT_EQ(multiple_service_member(packet, 2, m).status, CipStatus::Malformed);
}

TEST(EnipDecoder, HostileMultipleServiceLengths) {
  // The wire bytes outlive `packet`, whose spans point into them.
  Bytes wire = request(0x0A, path(0x02, 0x01), {0xE8, 0x03});  // count 1000, no offsets
  CipMessage packet;
  ASSERT_EQ(decode_cip(wire, false, packet).status, CipStatus::Ok);
  std::uint16_t count = 0;
  EXPECT_EQ(multiple_service_count(packet, count).status, CipStatus::Malformed);
  // Offsets pointing into the offset table, past the end, and backwards.
  for (const Bytes& data : {Bytes{0x01, 0x00, 0x01, 0x00, 0x0E}, Bytes{0x01, 0x00, 0x40, 0x00},
                            Bytes{0x02, 0x00, 0x08, 0x00, 0x06, 0x00, 0x0E, 0x00, 0x0E, 0x00}}) {
    wire = request(0x0A, path(0x02, 0x01), data);
    ASSERT_EQ(decode_cip(wire, false, packet).status, CipStatus::Ok);
    CipMessage m;
    EXPECT_EQ(multiple_service_member(packet, 0, m).status, CipStatus::Malformed);
  }
  // No count at all.
  wire = request(0x0A, path(0x02, 0x01));
  ASSERT_EQ(decode_cip(wire, false, packet).status, CipStatus::Ok);
  EXPECT_EQ(multiple_service_count(packet, count).status, CipStatus::Malformed);
}

TEST(EnipDecoder, HostileCpfLengths) {
  Message msg;
  // Item count 17.
  Bytes d{0, 0, 0, 0, 0, 0, 17, 0};
  EXPECT_EQ(decode_message(kept(encap(0x006F, d)), msg).status, DecodeStatus::Malformed);
  // One item whose length runs past the data.
  d = {0, 0, 0, 0, 0, 0, 1, 0, 0xB2, 0x00, 0x40, 0x00, 0x0E};
  EXPECT_EQ(decode_message(kept(encap(0x006F, d)), msg).status, DecodeStatus::Malformed);
  // Connected address item of the wrong size; connected data without a sequence count.
  d = {0, 0, 0, 0, 0, 0, 1, 0, 0xA1, 0x00, 0x02, 0x00, 0x01, 0x02};
  EXPECT_EQ(decode_message(kept(encap(0x0070, d)), msg).status, DecodeStatus::Malformed);
  d = {0, 0, 0, 0, 0, 0, 1, 0, 0xB1, 0x00, 0x01, 0x00, 0x01};
  EXPECT_EQ(decode_message(kept(encap(0x0070, d)), msg).status, DecodeStatus::Malformed);
  // Shorter than interface handle + timeout.
  EXPECT_EQ(decode_message(kept(encap(0x006F, {0, 0, 0})), msg).status, DecodeStatus::Malformed);
  EXPECT_EQ(decode_message(kept(encap(0x0065, {0x01})), msg).status, DecodeStatus::Malformed);
}

Bytes identity_reply() {
  Bytes item;
  le16(item, 1);                                        // encapsulation version
  append(item, Bytes{0, 2, 0xAF, 0x12, 192, 0, 2, 10});  // sockaddr family, port, address
  append(item, Bytes(8, 0));
  le16(item, 1);       // vendor: Rockwell
  le16(item, 0x0E);    // device type: PLC
  le16(item, 0x36);    // product code
  append(item, Bytes{20, 11});
  le16(item, 0x0030);  // status
  le32(item, 0xC0FFEE);
  item.push_back(8);
  append(item, Bytes{'1', '7', '5', '6', '-', 'L', '6', '1'});
  item.push_back(3);  // state
  Bytes d;
  le16(d, 1);
  le16(d, 0x000C);
  le16(d, static_cast<unsigned>(item.size()));
  append(d, item);
  return encap(0x0063, d, 0);
}

TEST(EnipDecoder, ListIdentityReply) {
  Message msg;
  ASSERT_EQ(decode_message(kept(identity_reply()), msg).status, DecodeStatus::Ok);
  ASSERT_TRUE(msg.has_identity);
  EXPECT_EQ(msg.identity.vendor_id, 1);
  EXPECT_EQ(msg.identity.device_type, 0x0E);
  EXPECT_EQ(msg.identity.product_code, 0x36);
  EXPECT_EQ(msg.identity.revision_major, 20);
  EXPECT_EQ(msg.identity.serial, 0xC0FFEEU);
  EXPECT_EQ(text(msg.identity.product_name), "1756-L61");
}

// Every prefix of a valid message needs more; every message cut inside with its length fields
// made to match decodes or is malformed, and CIP decoding of every prefix never crashes.
TEST(EnipDecoder, TruncationSweep) {
  const Bytes cip_msgs[] = {
      request(0x0E, path(0x01, 0x01, 0x07)),
      unconnected_send(request(0x07, path(0x8E, 0x01))),
      request(0x0A, path(0x02, 0x01),
              multiple_data({request(0x0E, path(1, 1, 1)), request(0x4C, {0x91, 0x01, 'x', 0})})),
      response(0x0A, 0, {}, multiple_data({response(0x0E, 0, {}, {1, 2}), response(0x4C, 5)})),
      response(0x10, 0x0F, {0x34, 0x12}),
  };
  for (const Bytes& cip : cip_msgs) {
    const bool is_response = (cip[0] & 0x80U) != 0;
    for (std::size_t n = 0; n < cip.size(); ++n) {
      CipMessage m;
      const auto prefix = std::span(cip).first(n);
      if (decode_cip(prefix, is_response, m).status != CipStatus::Ok) continue;
      CipMessage inner;
      if (m.service == 0x52) (void)unwrap_unconnected_send(m, inner);
      std::uint16_t count = 0;
      if (m.service == 0x0A && multiple_service_count(m, count).status == CipStatus::Ok)
        for (std::uint16_t i = 0; i < count; ++i) (void)multiple_service_member(m, i, inner);
    }
  }
  const Bytes messages[] = {rr(cip_msgs[0]), unit(cip_msgs[2], 9, 3), identity_reply(),
                            encap(0x0065, {1, 0, 0, 0})};
  for (const Bytes& full : messages) {
    Message msg;
    ASSERT_EQ(decode_message(full, msg).status, DecodeStatus::Ok);
    for (std::size_t n = 0; n < full.size(); ++n) {
      EXPECT_EQ(decode_message(std::span(full).first(n), msg).status, DecodeStatus::NeedMore)
          << n;
      if (n < kHeaderBytes) continue;
      Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      cut[2] = static_cast<std::uint8_t>((n - kHeaderBytes) & 0xFFU);
      cut[3] = static_cast<std::uint8_t>((n - kHeaderBytes) >> 8);
      const DecodeStatus s = decode_message(cut, msg).status;
      EXPECT_TRUE(s == DecodeStatus::Ok || s == DecodeStatus::Malformed) << n;
    }
  }
}

TEST(EnipConstants, NamesAndOperations) {
  EXPECT_EQ(command_name(0x006F), "send_rr_data");
  EXPECT_EQ(command_name(0x1234), "unknown");
  EXPECT_EQ(service_name(0x0E, 1), "get_attribute_single");
  EXPECT_EQ(service_name(0x54, 6), "forward_open");
  EXPECT_EQ(service_name(0x4E, 6), "forward_close");
  EXPECT_EQ(service_name(0x4E, kNoClass), "read_modify_write_tag");
  EXPECT_EQ(service_name(0x52, kNoClass), "read_tag_fragmented");
  EXPECT_EQ(service_name(0x4B, 0x67), "execute_pccc");
  EXPECT_EQ(service_name(0x4C, 0x8E), "object_specific");
  EXPECT_EQ(general_status_name(0x0F), "privilege_violation");
  EXPECT_EQ(operation_of(0x05, 1), Operation::Restart);
  EXPECT_EQ(operation_of(0x07, 0x8E), Operation::Stop);
  EXPECT_EQ(operation_of(0x06, 0x8E), Operation::Start);
  EXPECT_EQ(operation_of(0x0E, 1), Operation::Read);
  EXPECT_EQ(operation_of(0x10, 1), Operation::Write);
  EXPECT_EQ(operation_of(0x4B, 0x37), Operation::File);
  EXPECT_EQ(operation_of(0x4B, 0xA1), Operation::Firmware);
  EXPECT_EQ(operation_of(0x54, 6), Operation::Session);
  EXPECT_EQ(operation_of(0x5B, 6), Operation::Session);
  EXPECT_EQ(operation_of(0x4D, kNoClass), Operation::Write);
  EXPECT_EQ(command_operation(0x0063), Operation::Discovery);
  EXPECT_EQ(command_operation(0x0065), Operation::Session);
}

}  // namespace
}  // namespace limen::dissect::enip
