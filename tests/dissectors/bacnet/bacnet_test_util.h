#pragma once
// Test helpers for the BACnet tests: building BVLC messages from NPDU/APDU bytes, and a sink
// that records transactions as text (shared with the Modbus tests' RecordingSink).

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "tests/dissectors/modbus/pcap_streams.h"

namespace limen::dissect::bacnet::test {

using Bytes = std::vector<std::uint8_t>;

// A BVLC message: 0x81, function, length (computed), then the body.
inline Bytes bvlc(std::uint8_t function, const Bytes& body) {
  const auto length = static_cast<std::uint16_t>(body.size() + 4);
  Bytes out{0x81, function, static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length & 0xFF)};
  for (const std::uint8_t b : body) out.push_back(b);
  return out;
}

// Original-Unicast-NPDU with a plain NPCI (version 1, control 0x04 or 0x00) and the APDU.
inline Bytes unicast(const Bytes& apdu, bool expecting_reply = true) {
  Bytes body{0x01, static_cast<std::uint8_t>(expecting_reply ? 0x04 : 0x00)};
  for (const std::uint8_t b : apdu) body.push_back(b);
  return bvlc(0x0A, body);
}

// Frame 3 of bacnet_test.pcap: readProperty(device,4194303, object-identifier), invoke 1.
inline const Bytes kReadPropertyRequest{0x81, 0x0a, 0x00, 0x11, 0x01, 0x04, 0x00, 0x05, 0x01,
                                        0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff, 0x19, 0x4b};
// Frame 4: its complex ack, value device,500.
inline const Bytes kReadPropertyAck{0x81, 0x0a, 0x00, 0x17, 0x01, 0x00, 0x30, 0x01,
                                    0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff, 0x19, 0x4b,
                                    0x3e, 0xc4, 0x02, 0x00, 0x01, 0xf4, 0x3f};

// writeProperty(analog-output,7, present-value 85) = real 21.5, priority 8, invoke 9.
inline const Bytes kWritePropertyRequest = unicast({0x00, 0x05, 0x09, 0x0f, 0x0c, 0x00, 0x40,
                                                    0x00, 0x07, 0x19, 0x55, 0x3e, 0x44, 0x41,
                                                    0xac, 0x00, 0x00, 0x3f, 0x49, 0x08});
inline const Bytes kSimpleAckWrite = unicast({0x20, 0x09, 0x0f}, false);
// Error for invoke 9, write_property: class property (2), code write-access-denied (40).
inline const Bytes kErrorWrite = unicast({0x50, 0x09, 0x0f, 0x91, 0x02, 0x91, 0x28}, false);
// Who-Is, global broadcast with a DNET 0xFFFF and hop count 255.
inline const Bytes kWhoIs = bvlc(0x0B, {0x01, 0x20, 0xff, 0xff, 0x00, 0xff, 0x10, 0x08});
// reinitialize_device(warmstart) with password "abc", invoke 3.
inline const Bytes kReinitialize =
    unicast({0x00, 0x05, 0x03, 0x14, 0x09, 0x01, 0x1d, 0x04, 0x00, 0x61, 0x62, 0x63});

using limen::testing::RecordingSink;

}  // namespace limen::dissect::bacnet::test
