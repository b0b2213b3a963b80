// BACnet/IP decoder tests: BVLC, NPCI and APDU headers from hand-built and captured bytes, the
// service parameters picked out of the tags, every hostile length, and truncation sweeps.

#include <gtest/gtest.h>

#include <cstdint>

#include "dissectors/bacnet/bacnet_constants.h"
#include "dissectors/bacnet/bacnet_decoder.h"
#include "tests/dissectors/bacnet/bacnet_test_util.h"

namespace limen::dissect::bacnet {
namespace {

using test::Bytes;
using test::bvlc;
using test::unicast;

Message decode_ok(const Bytes& b) {
  Message m;
  const DecodeResult r = decode(b, m);
  EXPECT_EQ(r.status, DecodeStatus::Ok) << r.reason;
  EXPECT_EQ(r.size, b.size());
  return m;
}

TEST(BacnetDecoder, ReadPropertyRequestFromCapture) {
  const Message m = decode_ok(test::kReadPropertyRequest);
  EXPECT_EQ(m.bvlc_function, 0x0A);
  ASSERT_TRUE(m.has_npdu);
  EXPECT_TRUE(m.npdu.expecting_reply);
  ASSERT_TRUE(m.has_apdu);
  EXPECT_EQ(m.apdu.pdu_type, 0);
  EXPECT_EQ(m.apdu.invoke_id, 1);
  EXPECT_EQ(m.apdu.service, 12);
  ASSERT_TRUE(m.apdu.has_object);
  EXPECT_EQ(m.apdu.object_type, 8);
  EXPECT_EQ(m.apdu.object_instance, 4194303U);
  ASSERT_TRUE(m.apdu.has_property);
  EXPECT_EQ(m.apdu.property, 75U);
  EXPECT_TRUE(m.anomaly.empty());
}

TEST(BacnetDecoder, ComplexAckFromCapture) {
  const Message m = decode_ok(test::kReadPropertyAck);
  EXPECT_EQ(m.apdu.pdu_type, 3);
  EXPECT_EQ(m.apdu.invoke_id, 1);
  EXPECT_EQ(m.apdu.service, 12);
  EXPECT_EQ(m.apdu.object_instance, 4194303U);
  EXPECT_EQ(m.apdu.property, 75U);
  EXPECT_TRUE(m.anomaly.empty());
}

TEST(BacnetDecoder, WritePropertyAndErrorAndSimpleAck) {
  Message m = decode_ok(test::kWritePropertyRequest);
  EXPECT_EQ(m.apdu.service, 15);
  EXPECT_EQ(m.apdu.object_type, 1);
  EXPECT_EQ(m.apdu.object_instance, 7U);
  EXPECT_EQ(m.apdu.property, 85U);
  m = decode_ok(test::kErrorWrite);
  EXPECT_EQ(m.apdu.pdu_type, 5);
  ASSERT_TRUE(m.apdu.has_error);
  EXPECT_EQ(m.apdu.error_class, 2U);
  EXPECT_EQ(m.apdu.error_code, 40U);
  m = decode_ok(test::kSimpleAckWrite);
  EXPECT_EQ(m.apdu.pdu_type, 2);
  EXPECT_EQ(m.apdu.invoke_id, 9);
  EXPECT_EQ(m.apdu.service, 15);
}

TEST(BacnetDecoder, ErrorInsideConstructedTag) {
  // create_object error: [0] { class object (1), code no-objects-of-specified-type (17) } [1] 1
  const Message m = decode_ok(unicast({0x50, 0x02, 0x0a, 0x0e, 0x91, 0x01, 0x91, 0x11, 0x0f,
                                       0x19, 0x01}, false));
  EXPECT_TRUE(m.apdu.has_error);
  EXPECT_EQ(m.apdu.error_class, 1U);
  EXPECT_EQ(m.apdu.error_code, 17U);
}

TEST(BacnetDecoder, RoutedWhoIsAndForwardedNpdu) {
  Message m = decode_ok(test::kWhoIs);
  EXPECT_TRUE(m.npdu.has_dnet);
  EXPECT_EQ(m.npdu.dnet, 0xFFFF);
  EXPECT_TRUE(m.npdu.dadr.empty());
  EXPECT_EQ(m.npdu.hop_count, 255);
  EXPECT_EQ(m.apdu.pdu_type, 1);
  EXPECT_EQ(m.apdu.service, 8);
  // Forwarded I-Am from 192.168.1.5:47808, routed from SNET 5 / SADR 0x0a: device 1234.
  m = decode_ok(bvlc(0x04, {0xc0, 0xa8, 0x01, 0x05, 0xba, 0xc0, 0x01, 0x08, 0x00, 0x05, 0x01,
                            0x0a, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x04, 0xd2, 0x22, 0x05, 0xc4,
                            0x91, 0x00, 0x21, 0x0f}));
  EXPECT_EQ(m.origin.size(), 6U);
  EXPECT_TRUE(m.npdu.has_snet);
  EXPECT_EQ(m.npdu.snet, 5);
  EXPECT_EQ(m.npdu.sadr.size(), 1U);
  EXPECT_EQ(m.apdu.service, 0);
  EXPECT_EQ(m.apdu.object_type, 8);
  EXPECT_EQ(m.apdu.object_instance, 1234U);
}

TEST(BacnetDecoder, NetworkLayerMessages) {
  Message m = decode_ok(bvlc(0x0B, {0x01, 0x80, 0x00}));
  EXPECT_TRUE(m.npdu.network_message);
  EXPECT_FALSE(m.has_apdu);
  EXPECT_EQ(m.npdu.message_type, 0);
  m = decode_ok(bvlc(0x0A, {0x01, 0x80, 0x90, 0x01, 0x04}));
  EXPECT_EQ(m.npdu.message_type, 0x90);
  EXPECT_EQ(m.npdu.vendor_id, 0x0104);
  Message bad;
  EXPECT_EQ(decode(bvlc(0x0A, {0x01, 0x80, 0x90, 0x01}), bad).status, DecodeStatus::Invalid);
}

TEST(BacnetDecoder, BvlcManagement) {
  Message m = decode_ok({0x81, 0x00, 0x00, 0x06, 0x00, 0x20});
  EXPECT_TRUE(m.has_bvlc_result);
  EXPECT_EQ(m.bvlc_result, 0x20);
  EXPECT_FALSE(m.has_npdu);
  m = decode_ok({0x81, 0x05, 0x00, 0x06, 0x00, 0x10});
  EXPECT_EQ(m.bvlc_function, 5);
  EXPECT_FALSE(m.has_npdu);
  Message bad;
  EXPECT_EQ(decode(Bytes{0x81, 0x00, 0x00, 0x05, 0x00}, bad).status, DecodeStatus::Invalid);
}

TEST(BacnetDecoder, ServiceParameters) {
  Message m = decode_ok(test::kReinitialize);
  EXPECT_EQ(m.apdu.service, 20);
  ASSERT_TRUE(m.apdu.has_state);
  EXPECT_EQ(m.apdu.state, 1U);
  // device_communication_control: [0] 60 minutes, [1] disable (1).
  m = decode_ok(unicast({0x00, 0x05, 0x04, 0x11, 0x09, 0x3c, 0x19, 0x01}));
  EXPECT_EQ(m.apdu.state, 1U);
  // create_object by type only: [0] { [0] analog-value (2) }.
  m = decode_ok(unicast({0x00, 0x05, 0x05, 0x0a, 0x0e, 0x09, 0x02, 0x0f}));
  EXPECT_EQ(m.apdu.object_type, 2);
  EXPECT_EQ(m.apdu.object_instance, 0x3FFFFFU);
  // atomic_write_file(file,3): application-tagged object id first.
  m = decode_ok(unicast({0x00, 0x05, 0x06, 0x07, 0xc4, 0x02, 0x80, 0x00, 0x03, 0x0e, 0x31,
                         0x00, 0x61, 0x00, 0x0f}));
  EXPECT_EQ(m.apdu.object_type, 10);
  EXPECT_EQ(m.apdu.object_instance, 3U);
  // read_property_multiple(binary-input,2: [present-value 85]).
  m = decode_ok(unicast({0x00, 0x05, 0x07, 0x0e, 0x0c, 0x00, 0xc0, 0x00, 0x02, 0x1e, 0x09,
                         0x55, 0x1f}));
  EXPECT_EQ(m.apdu.object_type, 3);
  EXPECT_EQ(m.apdu.property, 85U);
}

TEST(BacnetDecoder, RejectAbortSegmentAck) {
  Message m = decode_ok(unicast({0x60, 0x04, 0x09}, false));
  EXPECT_EQ(m.apdu.pdu_type, 6);
  EXPECT_EQ(m.apdu.reason, 9);
  m = decode_ok(unicast({0x71, 0x04, 0x04}, false));
  EXPECT_TRUE(m.apdu.server);
  EXPECT_EQ(m.apdu.reason, 4);
  m = decode_ok(unicast({0x40, 0x04, 0x02, 0x01}, false));
  EXPECT_EQ(m.apdu.pdu_type, 4);
  EXPECT_EQ(m.apdu.sequence_number, 2);
}

TEST(BacnetDecoder, HostileHeaders) {
  Message m;
  DecodeResult r = decode(Bytes{0x82, 0x0a, 0x00, 0x04}, m);
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  EXPECT_TRUE(r.violation);
  r = decode(Bytes{0x81, 0x0a, 0x00, 0x03}, m);
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  EXPECT_FALSE(r.violation);
  r = decode(Bytes{0x81, 0x0a, 0xff, 0xff, 0x01, 0x00}, m);  // claims 65535 bytes
  EXPECT_EQ(r.status, DecodeStatus::NeedMore);
  EXPECT_EQ(r.size, 65535U);
  r = decode(Bytes{0x81, 0x0d, 0x00, 0x04}, m);
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  r = decode(bvlc(0x0A, {0x02, 0x00, 0x10, 0x08}), m);  // NPDU version 2
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  EXPECT_TRUE(r.violation);
  r = decode(bvlc(0x0A, {0x01, 0x20, 0x00, 0x01, 0xff, 0x01}), m);  // DLEN 255 past the end
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  r = decode(bvlc(0x0A, {0x01, 0x08, 0x00, 0x01, 0x00, 0x10, 0x08}), m);  // SLEN 0
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  r = decode(bvlc(0x0A, {0x01, 0x00, 0x80, 0x00}), m);  // reserved APDU type 8
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  r = decode(bvlc(0x0A, {0x01, 0x00, 0x00, 0x05}), m);  // confirmed request cut
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  r = decode(bvlc(0x04, {0xc0, 0xa8, 0x01}), m);  // forwarded origin cut
  EXPECT_EQ(r.status, DecodeStatus::Invalid);
  Bytes longer = test::kReadPropertyRequest;
  longer.push_back(0);
  EXPECT_EQ(decode(longer, m).status, DecodeStatus::Ok);
  EXPECT_EQ(m.anomaly, "bytes after the BVLC length");
  Bytes jumbo{0x10, 0x08};  // who_is followed by padding up to 1600 bytes: decoded, flagged
  jumbo.resize(1600);
  EXPECT_EQ(decode(unicast(jumbo), m).status, DecodeStatus::Ok);
  EXPECT_EQ(m.apdu.service, 8);
  EXPECT_EQ(m.anomaly, "BVLC length above the BACnet/IP maximum");
}

TEST(BacnetDecoder, HostileTags) {
  Message m;
  // Property tag with extended length 0xFFFFFFFF: the operation survives, the tag is flagged.
  EXPECT_EQ(decode(unicast({0x00, 0x05, 0x01, 0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff, 0x1d, 0xff,
                            0xff, 0xff, 0xff, 0xff}), m).status, DecodeStatus::Ok);
  EXPECT_EQ(m.apdu.service, 12);
  EXPECT_TRUE(m.apdu.has_object);
  EXPECT_FALSE(m.apdu.has_property);
  EXPECT_EQ(m.anomaly, "tag runs past the APDU");
  // Object identifier of 3 bytes.
  EXPECT_EQ(decode(unicast({0x00, 0x05, 0x01, 0x0c, 0x0b, 0x02, 0x3f, 0xff}), m).status,
            DecodeStatus::Ok);
  EXPECT_EQ(m.anomaly, "object identifier length not 4");
  // Property identifier of 5 bytes (extended length).
  EXPECT_EQ(decode(unicast({0x00, 0x05, 0x01, 0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff, 0x1d, 0x05,
                            1, 2, 3, 4, 5}), m).status, DecodeStatus::Ok);
  EXPECT_EQ(m.anomaly, "property identifier length not 1..4");
  // Nine nested opening tags, then a stray closing tag.
  Bytes deep{0x00, 0x05, 0x01, 0x10};
  for (int i = 0; i < 9; ++i) deep.push_back(0x0e);
  EXPECT_EQ(decode(unicast(deep), m).status, DecodeStatus::Ok);
  EXPECT_EQ(m.anomaly, "tags nested too deep");
  EXPECT_EQ(decode(unicast({0x00, 0x05, 0x01, 0x0c, 0x0f}), m).status, DecodeStatus::Ok);
  EXPECT_EQ(m.anomaly, "closing tag without opening tag");
  // Extended tag number byte missing; error PDU without its enumerations.
  EXPECT_EQ(decode(unicast({0x00, 0x05, 0x01, 0x0c, 0xf9}), m).status, DecodeStatus::Ok);
  EXPECT_EQ(m.anomaly, "tag runs past the APDU");
  EXPECT_EQ(decode(unicast({0x50, 0x01, 0x0c, 0x91, 0x02}, false), m).status,
            DecodeStatus::Ok);
  EXPECT_EQ(m.anomaly, "error PDU without error class and code");
}

TEST(BacnetDecoder, ReadTagEncodings) {
  Tag t;
  std::size_t used = 0;
  const Bytes ext16{0x75, 0xfe, 0x00, 0x02, 0xaa, 0xbb};  // app tag 7, 16-bit length 2
  ASSERT_TRUE(read_tag(ext16, t, used));
  EXPECT_EQ(t.number, 7);
  EXPECT_EQ(t.length, 2U);
  EXPECT_EQ(used, 6U);
  const Bytes ext_number{0xf9, 0x20, 0x05};  // context tag 32, length 1
  ASSERT_TRUE(read_tag(ext_number, t, used));
  EXPECT_EQ(t.number, 32);
  EXPECT_TRUE(t.context);
  EXPECT_FALSE(read_tag(Bytes{0x75, 0xfe, 0x00}, t, used));
  EXPECT_FALSE(read_tag(Bytes{0x75, 0xff, 0xff, 0xff, 0xff, 0xff}, t, used));
  EXPECT_FALSE(read_tag(Bytes{}, t, used));
}

// Every prefix of a valid message: shorter than the BVLC length is NeedMore. With the BVLC
// length patched to the prefix, the inner parsers see every cut: Ok or Invalid, never a crash.
TEST(BacnetDecoder, TruncationSweep) {
  const Bytes messages[] = {test::kReadPropertyRequest, test::kReadPropertyAck,
                            test::kWritePropertyRequest, test::kErrorWrite, test::kWhoIs,
                            test::kReinitialize, test::kSimpleAckWrite,
                            bvlc(0x04, {0xc0, 0xa8, 0x01, 0x05, 0xba, 0xc0, 0x01, 0x28, 0x00,
                                        0x05, 0x01, 0x0a, 0x00, 0x03, 0x01, 0x0c}),
                            bvlc(0x0A, {0x01, 0x80, 0x90, 0x01, 0x04})};
  for (const Bytes& full : messages) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      Bytes prefix(full.begin(), full.begin() + static_cast<long>(n));
      Message m;
      const DecodeResult r = decode(prefix, m);
      EXPECT_EQ(r.status, DecodeStatus::NeedMore) << n;
      if (n < 4) continue;
      prefix[2] = static_cast<std::uint8_t>(n >> 8);
      prefix[3] = static_cast<std::uint8_t>(n & 0xFF);
      const DecodeResult inner = decode(prefix, m);
      EXPECT_NE(inner.status, DecodeStatus::NeedMore) << n;
      if (inner.status == DecodeStatus::Ok) {
        EXPECT_EQ(inner.size, n);
      } else {
        EXPECT_FALSE(inner.reason.empty());
      }
    }
  }
}

}  // namespace
}  // namespace limen::dissect::bacnet
