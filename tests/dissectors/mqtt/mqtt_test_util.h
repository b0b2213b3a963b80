#pragma once
// Test-only builders for MQTT packets: variable byte integers, length-prefixed strings, whole
// control packets, and the two reference conversations (3.1.1 and 5.0) the session tests use.
// The conversations mirror captures/mqtt_crafted.pcap (make_mqtt_capture.py).

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "dissectors/core/transaction.h"

namespace limen::dissect::mqtt::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes vbi(std::size_t n) {
  Bytes out;
  do {
    auto b = static_cast<std::uint8_t>(n % 128);
    n /= 128;
    if (n != 0) b = static_cast<std::uint8_t>(b | 0x80U);
    out.push_back(b);
  } while (n != 0);
  return out;
}

inline Bytes str(std::string_view s) {
  Bytes out{static_cast<std::uint8_t>(s.size() >> 8), static_cast<std::uint8_t>(s.size())};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

inline Bytes u16(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes packet(std::uint8_t type, std::uint8_t flags, const Bytes& body) {
  Bytes out{static_cast<std::uint8_t>(type << 4 | flags)};
  const Bytes len = vbi(body.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// CONNECT 3.1.1: clean session, will qos 1 retained, user name and password.
inline Bytes connect_v4() {
  return packet(1, 0, cat({str("MQTT"), {4, 0x02 | 0x04 | 0x08 | 0x20 | 0x80 | 0x40},
                           u16(60), str("plc-gw-01"), str("plant/status"), str("offline"),
                           str("operator"), str("secret")}));
}

using Turn = std::pair<Direction, Bytes>;

// The 3.1.1 conversation of the crafted capture, one packet per turn.
inline std::vector<Turn> conversation_v4() {
  constexpr auto C = Direction::ToServer;
  constexpr auto S = Direction::ToClient;
  return {
      {C, connect_v4()},
      {S, packet(2, 0, {0, 0})},
      {C, packet(8, 2, cat({u16(1), str("plant/+/temp"), {1}, str("plant/alarms/#"), {2}}))},
      {S, packet(9, 0, cat({u16(1), {0x01, 0x80}}))},
      {C, packet(3, 0, cat({str("plant/line1/setpoint"), {'4', '2'}}))},
      {C, packet(3, 3, cat({str("plant/line1/mode"), u16(2), {'a', 'u', 't', 'o'}}))},
      {S, packet(4, 0, u16(2))},
      {S, packet(3, 4, cat({str("plant/line1/temp"), u16(7), {'2', '1'}}))},
      {C, packet(5, 0, u16(7))},
      {S, packet(6, 2, u16(7))},
      {C, packet(7, 0, u16(7))},
      {C, packet(12, 0, {})},
      {S, packet(13, 0, {})},
      {C, packet(10, 2, cat({u16(3), str("plant/alarms/#")}))},
      {S, packet(11, 0, u16(3))},
      {C, packet(14, 0, {})},
  };
}

// The 5.0 conversation: properties on CONNECT, CONNACK, PUBLISH, SUBSCRIBE; reason codes.
inline std::vector<Turn> conversation_v5() {
  constexpr auto C = Direction::ToServer;
  constexpr auto S = Direction::ToClient;
  return {
      {C, packet(1, 0, cat({str("MQTT"), {5, 0x02}, u16(30), {5, 0x11, 0, 0, 0, 0x78},
                            str("sensor-5")}))},
      {S, packet(2, 0, {0, 0, 3, 0x21, 0, 10})},
      {C, packet(3, 2, cat({str("site/meter/power"), u16(10), {13, 0x03}, str("text/plain"),
                            {'1', '2', '3'}}))},
      {S, packet(4, 0, cat({u16(10), {0x10}}))},
      {C, packet(8, 2, cat({u16(11), {2, 0x0b, 0x05}, str("site/cmd/#"), {0x05}}))},
      {S, packet(9, 0, cat({u16(11), {0}, {1}}))},
      {C, packet(14, 0, {0, 0})},
  };
}

}  // namespace limen::dissect::mqtt::test
